package dev.jobqueue.internal.store;

import java.time.Instant;

/**
 * One row of the jobs table, as read. Nullable components are null when the column is.
 *
 * @param id the id
 * @param type the job type
 * @param status the status's wire name
 * @param priority the priority rank, 1 to 3
 * @param payloadJson the payload as JSON text
 * @param resultJson the result as JSON text, or null
 * @param errorMessage the latest error, or null
 * @param errorsJson the error history as a JSON array
 * @param retryCount retries used
 * @param maxRetries retry budget
 * @param attempt attempts started
 * @param timeoutSeconds per-attempt timeout
 * @param lockedBy the node holding the job, or null
 * @param leaseExpiresAt the lease expiry, or null
 * @param createdAt creation time
 * @param updatedAt last change
 * @param scheduledAt requested run time
 * @param runAt next eligible claim time
 * @param startedAt latest attempt start, or null
 * @param completedAt terminal time, or null
 * @param queue the queue
 * @param concurrencyKey the concurrency key, or null
 * @param snoozeCount how often the job snoozed
 * @param uniqueKey the unique key the job holds, or null
 * @param scheduleName the schedule whose occurrence created the job, or null
 * @param occurrenceAt the time of that occurrence, or null
 * @param progressPercent the progress the handler last reported, 0 to 100, or null
 * @param progressMessage the message it reported with it, or null
 * @param progressAt when it reported it, or null
 */
public record JobRecord(
    long id,
    String type,
    String status,
    int priority,
    String payloadJson,
    String resultJson,
    String errorMessage,
    String errorsJson,
    int retryCount,
    int maxRetries,
    int attempt,
    int timeoutSeconds,
    String lockedBy,
    Instant leaseExpiresAt,
    Instant createdAt,
    Instant updatedAt,
    Instant scheduledAt,
    Instant runAt,
    Instant startedAt,
    Instant completedAt,
    String queue,
    String concurrencyKey,
    int snoozeCount,
    String uniqueKey,
    String scheduleName,
    Instant occurrenceAt,
    Integer progressPercent,
    String progressMessage,
    Instant progressAt) {}
