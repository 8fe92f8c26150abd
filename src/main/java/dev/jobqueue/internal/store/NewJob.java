package dev.jobqueue.internal.store;

import java.time.Instant;

/**
 * A validated job, ready to insert.
 *
 * @param type the job type
 * @param priority the priority rank, 1 to 3
 * @param payloadJson the payload as a JSON object
 * @param maxRetries the retry budget
 * @param timeoutSeconds the per-attempt timeout
 * @param scheduledAt when it may first run, or null for "now" by the database clock
 * @param queue the queue it runs in
 * @param concurrencyKey its concurrency key, or null
 */
public record NewJob(
    String type,
    int priority,
    String payloadJson,
    int maxRetries,
    int timeoutSeconds,
    Instant scheduledAt,
    String queue,
    String concurrencyKey) {}
