package dev.jobqueue;

import java.util.Objects;

/**
 * What {@link JobQueueManager#enqueue(CreateJobOptions)} did with one job: the id of the job that
 * now stands for it, and whether it was created, or found (or updated) because a {@link
 * UniqueOptions unique} key was taken.
 *
 * <pre>{@code
 * EnqueueResult result = jobs.enqueue(
 *     CreateJobOptions.builder("sync-account", new Sync("acct-42"))
 *         .unique(UniqueOptions.byPayload("accountId"))
 *         .build());
 * if (result.isDuplicate()) {
 *   log.info("a sync of acct-42 is already queued as job {}", result.id());
 * }
 * }</pre>
 *
 * @param id the id of the new job, or of the job that holds the key
 * @param outcome what happened
 */
public record EnqueueResult(String id, Outcome outcome) {

  /** What an enqueue did. */
  public enum Outcome {
    /** A new job was created. Every job without a unique key is created. */
    CREATED,
    /** Nothing was written: another job holds the key; {@link #id()} is that job's id. */
    DUPLICATE,
    /**
     * A pending job held the key and was updated in place ({@link
     * UniqueOptions#replacingPending()}): it now has this call's payload and run time; {@link
     * #id()} is its id.
     */
    REPLACED
  }

  /**
   * Checks the components.
   *
   * @param id the job's id; must not be null
   * @param outcome what happened; must not be null
   */
  public EnqueueResult {
    Objects.requireNonNull(id, "id must not be null");
    Objects.requireNonNull(outcome, "outcome must not be null");
  }

  /**
   * Whether nothing was written because another job holds the key.
   *
   * @return true for {@link Outcome#DUPLICATE}
   */
  public boolean isDuplicate() {
    return outcome == Outcome.DUPLICATE;
  }
}
