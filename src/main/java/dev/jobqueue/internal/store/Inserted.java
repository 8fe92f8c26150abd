package dev.jobqueue.internal.store;

import dev.jobqueue.EnqueueResult;

/**
 * What an insert did with one job.
 *
 * @param id the new job's id, or the id of the job that holds its unique key
 * @param outcome created, duplicate or replaced
 */
public record Inserted(long id, EnqueueResult.Outcome outcome) {

  /**
   * Whether a row was written: created, or replaced in place.
   *
   * @return true unless a duplicate
   */
  public boolean changed() {
    return outcome != EnqueueResult.Outcome.DUPLICATE;
  }
}
