package dev.jobqueue.internal.store;

import java.time.Instant;
import java.util.List;

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
 * @param unique its unique key and how it counts, or null for a job without one
 * @param traceContext the trace context of the enqueue, as the tracing hook encoded it, or null
 */
public record NewJob(
    String type,
    int priority,
    String payloadJson,
    int maxRetries,
    int timeoutSeconds,
    Instant scheduledAt,
    String queue,
    String concurrencyKey,
    Unique unique,
    String traceContext) {

  /**
   * A job enqueued outside any trace.
   *
   * @param type the job type
   * @param priority the priority rank
   * @param payloadJson the payload
   * @param maxRetries the retry budget
   * @param timeoutSeconds the per-attempt timeout
   * @param scheduledAt when it may first run, or null
   * @param queue the queue
   * @param concurrencyKey the concurrency key, or null
   * @param unique the unique key, or null
   */
  public NewJob(
      String type,
      int priority,
      String payloadJson,
      int maxRetries,
      int timeoutSeconds,
      Instant scheduledAt,
      String queue,
      String concurrencyKey,
      Unique unique) {
    this(
        type,
        priority,
        payloadJson,
        maxRetries,
        timeoutSeconds,
        scheduledAt,
        queue,
        concurrencyKey,
        unique,
        null);
  }

  /**
   * This job with a trace context.
   *
   * @param context the encoded trace context, or null
   * @return the job, or this one when the context is null already
   */
  public NewJob withTraceContext(String context) {
    if (context == null && traceContext == null) {
      return this;
    }
    return new NewJob(
        type,
        priority,
        payloadJson,
        maxRetries,
        timeoutSeconds,
        scheduledAt,
        queue,
        concurrencyKey,
        unique,
        context);
  }

  /**
   * A unique job's key, as stored, and what an insert that meets the key held does.
   *
   * @param key the key to store in {@code unique_key}, 1 to 255 characters
   * @param states the wire names of the states in which the job holds the key, stored in {@code
   *     unique_states}; pending and running among them
   * @param completedWithinMillis how long a completed holder still counts, or 0 when completed jobs
   *     do not count
   * @param replace whether a pending holder is updated with this job's payload and run time
   */
  public record Unique(
      String key, List<String> states, long completedWithinMillis, boolean replace) {

    /**
     * Copies the states.
     *
     * @param key the key
     * @param states the states
     * @param completedWithinMillis the window, or 0
     * @param replace the mode
     */
    public Unique {
      states = List.copyOf(states);
    }

    /**
     * Whether a job holding the key in {@code status} counts against this one: pending and running
     * always do, a completed one only within the window, failed and cancelled ones when named.
     *
     * @param status the holder's status
     * @param completedRecently whether the holder completed within the window
     * @return true when the holder makes this job a duplicate
     */
    public boolean counts(String status, boolean completedRecently) {
      return switch (status) {
        case "pending", "running" -> true;
        case "completed" -> completedWithinMillis > 0 && completedRecently;
        default -> states.contains(status);
      };
    }
  }
}
