package dev.jobqueue.internal.lifecycle;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A point in time by this JVM's monotonic clock ({@code System.nanoTime()}), by which something
 * must be over. Immutable. <strong>Not API.</strong>
 */
public final class Deadline {
  private final long atNanos;

  private Deadline(long atNanos) {
    this.atNanos = atNanos;
  }

  /**
   * A deadline {@code duration} from now.
   *
   * @param duration how long from now; negative counts as zero
   * @return the deadline
   */
  public static Deadline in(Duration duration) {
    return inMillis(duration.toMillis());
  }

  /**
   * A deadline {@code millis} from now.
   *
   * @param millis how long from now; negative counts as zero
   * @return the deadline
   */
  public static Deadline inMillis(long millis) {
    return new Deadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis)));
  }

  /**
   * The earlier of this deadline and {@code millis} from now.
   *
   * @param millis a bound of the caller's own
   * @return the deadline that comes first
   */
  public Deadline atMost(long millis) {
    Deadline own = inMillis(millis);
    return own.atNanos - atNanos < 0 ? own : this;
  }

  /**
   * Whether the deadline has passed.
   *
   * @return true once it is over
   */
  public boolean passed() {
    return System.nanoTime() - atNanos >= 0;
  }

  /**
   * The time left.
   *
   * @return milliseconds, rounded up, 0 once passed
   */
  public long remainingMillis() {
    long left = atNanos - System.nanoTime();
    return left <= 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(left + 999_999);
  }
}
