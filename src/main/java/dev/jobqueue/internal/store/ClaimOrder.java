package dev.jobqueue.internal.store;

import java.util.Comparator;

/**
 * The order in which due jobs run, written once for the database and once for the local queue, side
 * by side. The claim index ({@code jobs_claim_idx}) matches {@link #SQL}. <strong>Not API.</strong>
 */
public final class ClaimOrder {

  /** The claim's {@code ORDER BY}: priority, then when the job became due, then creation order. */
  static final String SQL = "priority, run_at, id";

  /** {@link #SQL} in Java: the order of the jobs one claim returns. */
  static final Comparator<ClaimedJob> CLAIMED =
      Comparator.comparingInt(ClaimedJob::priority)
          .thenComparing(ClaimedJob::runAt)
          .thenComparingLong(ClaimedJob::id);

  /**
   * The local queue's order: {@link #SQL}, except that within a priority, jobs given back by a
   * rescue or a release (see {@link ClaimedJob#givenBack()}) come first. They were claimed before
   * and have waited longest, so a job a dead node held runs ahead of jobs this node queued.
   */
  public static final Comparator<ClaimedJob> LOCAL =
      Comparator.comparingInt(ClaimedJob::priority)
          .thenComparing((ClaimedJob job) -> !job.givenBack())
          .thenComparing(ClaimedJob::runAt)
          .thenComparingLong(ClaimedJob::id);

  private ClaimOrder() {}
}
