package dev.jobqueue.internal;

/**
 * The delays of a loop that retries a failing database call: the first delay, then twice the
 * previous one up to a cap, until {@link #reset()}. Not thread-safe; one per loop. <strong>Not
 * API.</strong>
 */
public final class Backoff {

  private final long firstMillis;
  private final long maxMillis;
  private long current;

  /**
   * A backoff that starts at {@code firstMillis} and doubles up to {@code maxMillis}.
   *
   * @param firstMillis the first delay, positive
   * @param maxMillis the longest delay, at least {@code firstMillis}
   */
  public Backoff(long firstMillis, long maxMillis) {
    if (firstMillis <= 0 || maxMillis < firstMillis) {
      throw new IllegalArgumentException(
          "backoff needs 0 < first <= max (was " + firstMillis + ", " + maxMillis + ")");
    }
    this.firstMillis = firstMillis;
    this.maxMillis = maxMillis;
  }

  /**
   * The delay after one more failure.
   *
   * @return the first delay after a reset, then twice the previous one, at most the cap
   */
  public long next() {
    current = current == 0 ? firstMillis : Math.min(current * 2, maxMillis);
    return current;
  }

  /**
   * The delay {@link #next()} returned last.
   *
   * @return milliseconds, 0 after a reset
   */
  public long current() {
    return current;
  }

  /** A success: the next failure starts again from the first delay. */
  public void reset() {
    current = 0;
  }
}
