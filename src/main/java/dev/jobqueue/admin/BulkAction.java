package dev.jobqueue.admin;

import dev.jobqueue.JobStatus;
import dev.jobqueue.internal.store.AdminStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one loop of {@link JobQueueAdmin}'s bulk actions: retry, cancel and delete. */
final class BulkAction {
  private static final Logger log = LoggerFactory.getLogger(JobQueueAdmin.class);

  private BulkAction() {}

  /** One job's part of a bulk action: null when it changed, else why not. */
  interface PerJob {
    String apply(String id);
  }

  /**
   * Runs an action over a selection: the jobs it matches (at most {@link JobSelection#MAX_JOBS}),
   * each applied to when its state allows, else counted as skipped with its state; audited and
   * logged unless a dry run. A failure stops the run after auditing what changed before it.
   */
  static BulkResult run(
      AdminStore store,
      AuditTrail audit,
      Actor actor,
      String action,
      JobSelection selection,
      Set<JobStatus> applies,
      boolean dryRun,
      PerJob perJob) {
    Objects.requireNonNull(selection, "selection must not be null");
    List<AdminStore.Selected> selected =
        selection.numericIds() != null
            ? store.selectIds(selection.numericIds())
            : store.select(
                AdminQueries.of(selection.search().orElseThrow().toBuilder().cursor(null).build()),
                JobSelection.MAX_JOBS + 1);
    if (selected.size() > JobSelection.MAX_JOBS) {
      throw new IllegalArgumentException(
          "the selection matches more than "
              + JobSelection.MAX_JOBS
              + " jobs; narrow it (was "
              + selection
              + ")");
    }
    Map<String, Integer> skipped = new TreeMap<>();
    List<String> changed = new ArrayList<>();
    RuntimeException failure = null;
    for (AdminStore.Selected job : selected) {
      String id = Long.toString(job.id());
      JobStatus status = JobStatus.fromWireName(job.status());
      if (!applies.contains(status)) {
        skipped.merge(status.name().toLowerCase(Locale.ROOT), 1, Integer::sum);
        continue;
      }
      if (dryRun) {
        changed.add(id);
        continue;
      }
      String reason;
      try {
        reason = perJob.apply(id);
      } catch (RuntimeException e) {
        failure = e;
        break;
      }
      if (reason == null) {
        changed.add(id);
      } else {
        skipped.merge(reason, 1, Integer::sum);
      }
    }
    List<String> reasons = new ArrayList<>();
    skipped.forEach((reason, n) -> reasons.add(n + " " + reason));
    List<String> ids =
        changed.size() > BulkResult.MAX_IDS ? changed.subList(0, BulkResult.MAX_IDS) : changed;
    BulkResult result =
        new BulkResult(action, dryRun, selected.size(), changed.size(), ids, reasons);
    if (!dryRun) {
      audit.write(
          actor,
          "jobs." + action,
          selection.toString(),
          changed,
          (reasons.isEmpty() ? "" : "skipped: " + String.join(", ", reasons))
              + (failure == null
                  ? ""
                  : (reasons.isEmpty() ? "" : "; ") + "stopped by: " + failure.getMessage()));
      log.info(
          "{} ({} via {}) {} {} of {} selected jobs",
          actor.name(),
          actor.role().wireName(),
          actor.via(),
          action,
          changed.size(),
          selected.size());
    }
    if (failure != null) {
      throw failure;
    }
    return result;
  }
}
