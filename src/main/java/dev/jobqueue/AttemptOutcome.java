package dev.jobqueue;

/**
 * How a finished attempt ended, as reported to listeners. The processing statistics count the
 * attempts that succeeded, failed or were retried; snoozed attempts are reported to listeners only.
 */
public enum AttemptOutcome {
  /** The handler returned: the job is completed. */
  SUCCEEDED,
  /** The attempt failed and the job was scheduled to run again. */
  RETRIED,
  /** The attempt failed and the job ended failed: retries exhausted, or not retryable. */
  FAILED,
  /**
   * The handler snoozed the job ({@link SnoozeJobException}): it is pending again, and may run
   * after the snooze's delay. Neither a success nor a failure: it spends no retry, and the
   * processing statistics do not count it.
   */
  SNOOZED
}
