package dev.jobqueue.testing;

import dev.jobqueue.Job;
import dev.jobqueue.JobFilters;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The pending jobs of a manager, read through {@link JobQueueManager#getJobs(JobFilters)}, and the
 * failure messages of {@link JobQueueTestKit}'s assertions about them.
 */
final class PendingJobs {

  /** How many pending jobs a failure message lists. */
  private static final int LISTED = 20;

  private final JobQueueManager manager;

  PendingJobs(JobQueueManager manager) {
    this.manager = manager;
  }

  /** The oldest pending job of {@code type} that matches, or an AssertionError saying why not. */
  Job assertOne(String type, String what, Predicate<Job> matching) {
    Objects.requireNonNull(type, "type must not be null");
    List<Job> ofType = list(type);
    for (Job job : ofType) {
      if (matching.test(job)) {
        return job;
      }
    }
    String expected = "expected a pending job of type '" + type + "'" + what + ", but ";
    if (!ofType.isEmpty()) {
      throw new AssertionError(
          expected + "the " + ofType.size() + " of that type do not match: " + describe(ofType));
    }
    throw new AssertionError(expected + "none was enqueued. " + describeAll());
  }

  /** A job's payload as {@code payloadType}, or empty when it does not convert. */
  static <P> Optional<P> converted(Job job, Class<P> payloadType) {
    try {
      return Optional.ofNullable(job.payloadAs(payloadType));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Every pending job (of {@code type}, unless null), oldest first, page by page. */
  List<Job> list(String type) {
    List<Job> all = new ArrayList<>();
    for (int offset = 0; ; offset += JobFilters.MAX_LIMIT) {
      JobFilters.Builder filters =
          JobFilters.builder().status(JobStatus.PENDING).limit(JobFilters.MAX_LIMIT).offset(offset);
      if (type != null) {
        filters.type(type);
      }
      List<Job> page = manager.getJobs(filters.build());
      all.addAll(page);
      if (page.size() < JobFilters.MAX_LIMIT || offset + page.size() >= JobFilters.MAX_OFFSET) {
        break;
      }
    }
    Collections.reverse(all); // getJobs is newest first.
    return all;
  }

  /** Every pending job, for a failure message. */
  String describeAll() {
    List<Job> all = list(null);
    return all.isEmpty() ? "No job is pending." : "Pending jobs: " + describe(all);
  }

  /** Jobs as a failure message lists them: type, id, payload; at most {@value #LISTED}. */
  static String describe(List<Job> jobs) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < jobs.size() && i < LISTED; i++) {
      Job job = jobs.get(i);
      text.append(i == 0 ? "" : "; ")
          .append(job.type())
          .append(" #")
          .append(job.id())
          .append(' ')
          .append(job.payloadJson());
    }
    if (jobs.size() > LISTED) {
      text.append("; and ").append(jobs.size() - LISTED).append(" more");
    }
    return text.toString();
  }
}
