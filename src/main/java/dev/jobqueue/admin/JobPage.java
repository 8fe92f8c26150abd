package dev.jobqueue.admin;

import dev.jobqueue.Job;
import java.util.List;
import java.util.Optional;

/**
 * One page of {@link JobQueueAdmin#findJobs}.
 *
 * @param jobs the jobs, newest first
 * @param nextCursor where the next page starts, or empty on the last page
 */
public record JobPage(List<Job> jobs, Optional<JobCursor> nextCursor) {
  /**
   * Copies the list.
   *
   * @param jobs the jobs, newest first
   * @param nextCursor where the next page starts, or empty on the last page
   */
  public JobPage {
    jobs = List.copyOf(jobs);
  }
}
