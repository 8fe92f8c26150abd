package dev.jobqueue.internal.store;

/**
 * A successful attempt, ready to be written.
 *
 * @param id the job id
 * @param token the claim's fencing token
 * @param resultJson the result as JSON text, or null for none
 */
public record Completion(long id, int token, String resultJson) {}
