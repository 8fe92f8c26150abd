package dev.jobqueue.internal.engine;

/** What one attempt of a handler produced. */
sealed interface Outcome {

  /**
   * The handler returned; its result is stored.
   *
   * @param resultJson the result as JSON, or null when there is none
   */
  record Succeeded(String resultJson) implements Outcome {}

  /**
   * The attempt failed.
   *
   * @param error the error as stored, already shortened
   * @param retryable false when it must not be retried whatever the budget says
   * @param cause what the handler threw, for the log; null when it threw nothing
   */
  record Failed(String error, boolean retryable, Throwable cause) implements Outcome {}

  /**
   * The handler snoozed the job: back to pending after the delay, without spending a retry, unless
   * the job has used up its snoozes (then the attempt fails).
   *
   * @param delayMillis how long after now (database clock) it may run again
   */
  record Snoozed(long delayMillis) implements Outcome {}
}
