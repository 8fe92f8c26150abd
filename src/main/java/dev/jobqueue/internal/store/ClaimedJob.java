package dev.jobqueue.internal.store;

import java.time.Instant;

/**
 * A job this node has just claimed: it is {@code running}, leased to this node, and its {@code
 * attempt} column was incremented to {@link #token()}.
 *
 * @param id the job id
 * @param type the job type
 * @param payloadJson the payload as JSON text
 * @param token the claim's fencing token: the row's {@code attempt} after the claim
 * @param retryCount retries used before this attempt
 * @param maxRetries the retry budget
 * @param timeoutSeconds the per-attempt timeout
 * @param priority the priority rank
 * @param scheduledAt when the job was scheduled
 * @param runAt when it became claimable
 * @param givenBack whether an earlier attempt was given back without a failure, by a rescue (its
 *     node died) or a release (its node shut down): the job kept its {@code run_at}, and it was
 *     claimed before, so it has waited longer than jobs claimed for the first time
 * @param snoozeCount how often the job snoozed before this claim
 * @param scheduleName the schedule whose occurrence created the job, or null
 * @param occurrenceAt the time of that occurrence, or null
 * @param traceContext the trace context stored when the job was enqueued, or null
 */
public record ClaimedJob(
    long id,
    String type,
    String payloadJson,
    int token,
    int retryCount,
    int maxRetries,
    int timeoutSeconds,
    int priority,
    Instant scheduledAt,
    Instant runAt,
    boolean givenBack,
    int snoozeCount,
    String scheduleName,
    Instant occurrenceAt,
    String traceContext) {

  /**
   * A claimed job without a stored trace context.
   *
   * @param id the job id
   * @param type the job type
   * @param payloadJson the payload
   * @param token the fencing token
   * @param retryCount retries used
   * @param maxRetries the retry budget
   * @param timeoutSeconds the timeout
   * @param priority the priority rank
   * @param scheduledAt when it was scheduled
   * @param runAt when it became claimable
   * @param givenBack whether an earlier attempt was given back
   * @param snoozeCount snoozes so far
   * @param scheduleName the schedule, or null
   * @param occurrenceAt the occurrence, or null
   */
  public ClaimedJob(
      long id,
      String type,
      String payloadJson,
      int token,
      int retryCount,
      int maxRetries,
      int timeoutSeconds,
      int priority,
      Instant scheduledAt,
      Instant runAt,
      boolean givenBack,
      int snoozeCount,
      String scheduleName,
      Instant occurrenceAt) {
    this(
        id,
        type,
        payloadJson,
        token,
        retryCount,
        maxRetries,
        timeoutSeconds,
        priority,
        scheduledAt,
        runAt,
        givenBack,
        snoozeCount,
        scheduleName,
        occurrenceAt,
        null);
  }
}
