package dev.jobqueue;

/**
 * Processing figures over the last 15 minutes for one job type, for one queue, or for all of them
 * (see {@link ProcessingStats.Scope}). Durations are handler times of finished attempts;
 * percentiles come from a histogram with four buckets per power of two, so they are within about
 * 19% of the exact value (and never above {@code maxMillis}).
 *
 * @param processed attempts that finished: {@code succeeded + failed + retried}; snoozed attempts
 *     ({@link SnoozeJobException}) are not counted anywhere here
 * @param succeeded attempts that completed their job
 * @param failed attempts that ended their job failed (retries exhausted, or not retryable)
 * @param retried attempts that failed and scheduled their job to run again
 * @param averageMillis mean handler time
 * @param p50Millis median handler time
 * @param p95Millis 95th percentile of handler time
 * @param maxMillis longest handler time
 * @param throughputLast1m finished attempts per second over the last minute
 * @param throughputLast5m finished attempts per second over the last 5 minutes
 * @param throughputLast15m finished attempts per second over the last 15 minutes
 */
public record TypeStats(
    long processed,
    long succeeded,
    long failed,
    long retried,
    long averageMillis,
    long p50Millis,
    long p95Millis,
    long maxMillis,
    double throughputLast1m,
    double throughputLast5m,
    double throughputLast15m) {}
