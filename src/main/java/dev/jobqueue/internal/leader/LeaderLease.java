package dev.jobqueue.internal.leader;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The timing rules of a leader lease of one TTL, on this JVM's monotonic clock (nanoseconds, as
 * {@code System.nanoTime()}). Pure arithmetic, immutable, thread-safe. <strong>Not API.</strong>
 *
 * <ul>
 *   <li><b>Local lease.</b> The database ends a lease {@code ttl} after the {@code now()} of the
 *       statement that granted it, and that statement ran after it was sent. So a lease counted
 *       from just before the statement was sent ends no later than the database's. Locally it ends
 *       a {@linkplain #marginMillis() margin} (a tenth of the TTL) earlier still: room for the
 *       drift between this clock and the database's (far below 1 %) and for a leader-only task that
 *       checked leadership a moment before to finish its step. A leader whose renewals stop getting
 *       through (database away, JVM paused) stops leading by its own clock before any other node
 *       can take the lease over.
 *   <li><b>Cadence.</b> The leader renews one {@linkplain #intervalMillis() interval} (a third of
 *       the TTL) after it sent its last renewal; after a failed renewal the loop retries at a short
 *       backoff, and the lease survives a whole missed renewal. A follower tries again after a
 *       {@linkplain #followerIntervalMillis() follower interval} (the interval, at most {@value
 *       #MAX_FOLLOWER_INTERVAL_MILLIS} ms), or just after the holder's lease runs out by the
 *       database clock if that comes sooner. The cap makes a graceful handover quick however long
 *       the TTL: a follower's attempt is one indexed statement on a one-row table, no more than the
 *       poller's once a second.
 *   <li><b>Takeover.</b> A follower's attempts are never more than one follower interval apart, so
 *       it takes over the lease of a crashed leader within {@link #takeoverBoundMillis() ttl +
 *       follower interval} (at most ttl + ttl/3) of the leader's last renewal, plus one statement;
 *       in practice right after the expiry, as it aims its attempt there. After a leader resigned,
 *       the next follower attempt takes over: within one follower interval.
 * </ul>
 */
final class LeaderLease {

  /** The shortest TTL: a third of it must still be a usable delay. */
  static final long MIN_TTL_MILLIS = 30;

  /** The longest pause between a follower's attempts, whatever the TTL. */
  static final long MAX_FOLLOWER_INTERVAL_MILLIS = 1_000;

  private final long ttlNanos;
  private final long marginNanos;
  private final long intervalNanos;
  private final long followerIntervalNanos;

  /**
   * The rules for leases of {@code ttl}.
   *
   * @param ttl the lease's length on the database clock, at least {@value #MIN_TTL_MILLIS} ms
   */
  LeaderLease(Duration ttl) {
    long millis = ttl.toMillis();
    if (millis < MIN_TTL_MILLIS) {
      throw new IllegalArgumentException(
          "the leader lease must last at least " + MIN_TTL_MILLIS + " ms (was " + ttl + ")");
    }
    this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    this.marginNanos = ttlNanos / 10;
    this.intervalNanos = ttlNanos / 3;
    this.followerIntervalNanos =
        Math.min(intervalNanos, TimeUnit.MILLISECONDS.toNanos(MAX_FOLLOWER_INTERVAL_MILLIS));
  }

  /** The lease's length on the database clock, in milliseconds. */
  long ttlMillis() {
    return TimeUnit.NANOSECONDS.toMillis(ttlNanos);
  }

  /** How much earlier than the database's the local lease ends, in milliseconds. */
  long marginMillis() {
    return TimeUnit.NANOSECONDS.toMillis(marginNanos);
  }

  /** The renewal cadence of a leader. */
  long intervalMillis() {
    return TimeUnit.NANOSECONDS.toMillis(intervalNanos);
  }

  /** The longest pause between a follower's attempts. */
  long followerIntervalMillis() {
    return TimeUnit.NANOSECONDS.toMillis(followerIntervalNanos);
  }

  /**
   * The bound on a takeover after the leader died: from its last renewal to a follower's lease,
   * leaving aside the time the follower's statement takes.
   */
  long takeoverBoundMillis() {
    return TimeUnit.NANOSECONDS.toMillis(ttlNanos + followerIntervalNanos);
  }

  /**
   * When a lease granted by a statement sent at {@code sentNanos} ends locally.
   *
   * @param sentNanos the clock just before the statement was sent
   * @return the first instant at which this node no longer leads by that lease
   */
  long validUntil(long sentNanos) {
    return sentNanos + ttlNanos - marginNanos;
  }

  /**
   * Whether a local lease that ends at {@code validUntilNanos} still holds at {@code nowNanos}
   * (overflow-safe, as {@code System.nanoTime()} values must be compared).
   */
  static boolean validAt(long validUntilNanos, long nowNanos) {
    return nowNanos - validUntilNanos < 0;
  }

  /**
   * How long a leader waits before its next renewal: until one interval after it sent the last one,
   * so a slow statement does not stretch the cadence.
   *
   * @param sentNanos when the last renewal was sent
   * @param nowNanos the clock now
   * @return milliseconds, rounded up; 0 when the renewal is due
   */
  long leaderDelayMillis(long sentNanos, long nowNanos) {
    long left = sentNanos + intervalNanos - nowNanos;
    return left <= 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(left + 999_999);
  }

  /**
   * How long a follower waits before its next attempt: one follower interval, or until just after
   * the holder's lease runs out if that is sooner.
   *
   * @param holderRemainingMillis how long the holder's lease still runs by the database clock; a
   *     negative value when it is not known
   * @return milliseconds, at least 1
   */
  long followerDelayMillis(long holderRemainingMillis) {
    long interval = Math.max(1, followerIntervalMillis());
    if (holderRemainingMillis < 0) {
      return interval;
    }
    // The takeover needs expires_at < now(): one millisecond past the expiry.
    return Math.max(1, Math.min(interval, holderRemainingMillis + 1));
  }
}
