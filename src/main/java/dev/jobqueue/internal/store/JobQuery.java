package dev.jobqueue.internal.store;

import java.time.Instant;

/**
 * Validated {@code getJobs} filters. Null components do not filter.
 *
 * @param status a status wire name, or null
 * @param type a job type, or null
 * @param priority a priority rank, or null
 * @param createdAfter inclusive lower bound on {@code created_at}, or null
 * @param createdBefore exclusive upper bound on {@code created_at}, or null
 * @param payloadContainsJson a JSON object the payload must contain, or null
 * @param limit the most rows to return
 * @param offset rows to skip
 */
public record JobQuery(
    String status,
    String type,
    Integer priority,
    Instant createdAfter,
    Instant createdBefore,
    String payloadContainsJson,
    int limit,
    int offset) {}
