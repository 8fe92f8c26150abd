package dev.jobqueue;

/** How a finished attempt ended, as counted by the statistics and reported to listeners. */
public enum AttemptOutcome {
  /** The handler returned: the job is completed. */
  SUCCEEDED,
  /** The attempt failed and the job was scheduled to run again. */
  RETRIED,
  /** The attempt failed and the job ended failed: retries exhausted, or not retryable. */
  FAILED
}
