package dev.jobqueue;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by a handler to put its job off: the job goes back to {@code pending} and may run again
 * {@link #delay()} from now, by the database clock. A snooze is not a failure: it spends no retry,
 * records no error, and the next run has the same {@link JobContext#attempt()}. It is counted
 * instead ({@link JobContext#snoozeCount()}, {@link Job#snoozeCount()}) and capped: a job that has
 * snoozed {@code maxSnoozes} times (the handler's {@link JobPolicy#maxSnoozes()}, else the
 * configured {@link JobQueueConfig#maxSnoozes()}) fails the attempt instead, as if the handler had
 * thrown any other exception, with an error message naming the cap.
 *
 * <pre>{@code
 * public Object execute(Report payload, JobContext ctx) {
 *   if (!warehouse.isReady(payload.day())) {
 *     throw new SnoozeJobException(Duration.ofMinutes(5)); // try again in five minutes
 *   }
 *   return warehouse.export(payload.day());
 * }
 * }</pre>
 *
 * <p>Only an exception thrown out of {@link JobHandler#execute(Object, JobContext)} snoozes: one
 * wrapped in another exception fails the attempt. The worker's lease on the job ends with the
 * snooze; any node may run it next. A snooze from an attempt that no longer holds its job
 * (cancelled, timed out, or taken over) changes nothing.
 *
 * <p>It is not a {@link JobQueueException}: the library never throws it, the handler does.
 */
public final class SnoozeJobException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The longest snooze: 365 days. */
  public static final Duration MAX_DELAY = Duration.ofDays(365);

  /** The delay; a {@link Duration} is serializable. */
  private final Duration delay;

  /**
   * Creates the exception.
   *
   * @param delay how long from now the job waits before it may run again: zero (as soon as a worker
   *     is free) to {@link #MAX_DELAY}; counted in whole milliseconds
   * @throws NullPointerException if {@code delay} is null
   * @throws IllegalArgumentException if {@code delay} is negative or longer than {@link #MAX_DELAY}
   */
  public SnoozeJobException(Duration delay) {
    super("snoozed for " + checked(delay));
    this.delay = delay;
  }

  /**
   * How long the job waits before it may run again.
   *
   * @return the delay, zero to {@link #MAX_DELAY}
   */
  public Duration delay() {
    return delay;
  }

  private static Duration checked(Duration delay) {
    Objects.requireNonNull(delay, "delay must not be null");
    if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
      throw new IllegalArgumentException(
          "delay must be between PT0S and " + MAX_DELAY + " (was " + delay + ")");
    }
    return delay;
  }
}
