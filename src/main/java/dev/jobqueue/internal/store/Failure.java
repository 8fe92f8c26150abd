package dev.jobqueue.internal.store;

/**
 * A failed attempt, ready to be written.
 *
 * @param id the job id
 * @param token the claim's fencing token
 * @param message the error message, already shortened
 * @param retry whether the job goes back to pending (true) or ends failed (false)
 * @param delayMillis when retrying, how long after now (database clock) it may run again
 */
public record Failure(long id, int token, String message, boolean retry, long delayMillis) {}
