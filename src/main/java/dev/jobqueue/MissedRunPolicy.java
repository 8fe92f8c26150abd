package dev.jobqueue;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Schedule} does with the occurrences that fell due while no node could enqueue them
 * (every node was down, or the leader died and the next one took over late). An occurrence counts
 * as missed when it is enqueued more than {@link JobQueueConfig#missedRunThreshold()} after its
 * time, by the database clock; an occurrence enqueued within that bound is on time and runs
 * whatever the policy.
 *
 * <ul>
 *   <li>{@link #skip()} (the default): none of the missed occurrences runs; the schedule goes on
 *       with its next occurrence. Each missed one counts as a skip.
 *   <li>{@link #once()}: one catch-up job runs at once, standing for the latest missed occurrence;
 *       the others count as skips.
 *   <li>{@link #all(int, Duration)}: a catch-up job runs for each missed occurrence at most {@code
 *       window} old, the latest {@code cap} of them; the others count as skips.
 * </ul>
 *
 * <p>A catch-up job carries the time of the occurrence it stands for: {@link
 * JobContext#occurrenceAt()}.
 *
 * @param kind which policy
 * @param cap for {@link Kind#ALL}, the most catch-up jobs one look enqueues; 1 otherwise
 * @param window for {@link Kind#ALL}, how old a missed occurrence may be and still run; zero
 *     otherwise
 */
public record MissedRunPolicy(Kind kind, int cap, Duration window) {

  /** The largest catch-up cap. */
  public static final int MAX_CAP = 10_000;

  /** The longest catch-up window. */
  public static final Duration MAX_WINDOW = Duration.ofDays(366);

  /** The policies. */
  public enum Kind {
    /** Run none of the missed occurrences. */
    SKIP,
    /** Run one catch-up for all of them. */
    ONCE,
    /** Run each, within a window and up to a cap. */
    ALL;

    /**
     * The name stored in the database and used in the environment.
     *
     * @return the lower-case name
     */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Checks the policy.
   *
   * @param kind which policy
   * @param cap for {@code ALL}, 1 to {@value #MAX_CAP}; 1 otherwise
   * @param window for {@code ALL}, more than zero and at most {@link #MAX_WINDOW}; zero otherwise
   * @throws IllegalArgumentException naming the value, when one is out of range
   */
  public MissedRunPolicy {
    Objects.requireNonNull(kind, "kind must not be null");
    Objects.requireNonNull(window, "window must not be null");
    if (kind == Kind.ALL) {
      if (cap < 1 || cap > MAX_CAP) {
        throw new IllegalArgumentException(
            "catch-up cap must be between 1 and " + MAX_CAP + " (was " + cap + ")");
      }
      if (window.isNegative()
          || window.isZero()
          || window.compareTo(MAX_WINDOW) > 0
          || window.getNano() % 1_000_000 != 0) {
        throw new IllegalArgumentException(
            "catch-up window must be more than 0 and at most "
                + MAX_WINDOW.toDays()
                + " days, in whole milliseconds (was "
                + window
                + ")");
      }
    } else if (cap != 1 || !window.isZero()) {
      throw new IllegalArgumentException(
          "a cap and a window apply to ALL only (was "
              + kind
              + " with cap "
              + cap
              + " and window "
              + window
              + ")");
    }
  }

  /**
   * Runs none of the missed occurrences.
   *
   * @return the policy
   */
  public static MissedRunPolicy skip() {
    return new MissedRunPolicy(Kind.SKIP, 1, Duration.ZERO);
  }

  /**
   * Runs one catch-up job for the missed occurrences, carrying the latest one's time.
   *
   * @return the policy
   */
  public static MissedRunPolicy once() {
    return new MissedRunPolicy(Kind.ONCE, 1, Duration.ZERO);
  }

  /**
   * Runs a catch-up job for each missed occurrence at most {@code window} old, the latest {@code
   * cap} of them.
   *
   * @param cap 1 to {@value #MAX_CAP}
   * @param window more than zero, at most {@link #MAX_WINDOW}
   * @return the policy
   * @throws IllegalArgumentException naming the value, when one is out of range
   */
  public static MissedRunPolicy all(int cap, Duration window) {
    return new MissedRunPolicy(Kind.ALL, cap, window);
  }

  @Override
  public String toString() {
    return kind == Kind.ALL
        ? "all(cap " + cap + ", window " + window.toMillis() + " ms)"
        : kind.wireName();
  }
}
