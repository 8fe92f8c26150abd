package dev.jobqueue.internal.store;

/**
 * A snoozed attempt, ready to be written.
 *
 * @param id the job id
 * @param token the claim's fencing token
 * @param delayMillis how long after now (database clock) the job may run again
 */
public record Snooze(long id, int token, long delayMillis) {}
