package dev.jobqueue.internal;

import java.time.Instant;

/**
 * The one place the library reads this JVM's wall clock. <strong>Not API.</strong>
 *
 * <p>The library runs nothing by the wall clock: schedules, leases and rescue compare against the
 * database's {@code now()}. The wall clock stamps values meant for people (when a health check or a
 * metrics snapshot was taken), measures this node's offset from the database clock, and picks the
 * time bucket of a unique job's key ({@code UniqueOptions.period}) at {@code createJob}. Routing
 * every read through this class lets a test prove that: a child JVM started with the system
 * property {@value #SKEW_PROPERTY} (milliseconds, may be negative) sees a wall clock that far ahead
 * or behind, as on a node whose clock is wrong. It is a test facility; applications have no reason
 * to set it.
 */
public final class WallClock {

  /** The system property read once, at class initialization: the skew in milliseconds. */
  public static final String SKEW_PROPERTY = "jobqueue.internal.clockSkewMillis";

  private static final long SKEW_MILLIS = Long.getLong(SKEW_PROPERTY, 0L);

  private WallClock() {}

  /**
   * The wall clock in milliseconds since the epoch, plus the configured skew.
   *
   * @return like {@link System#currentTimeMillis()}
   */
  public static long currentTimeMillis() {
    return System.currentTimeMillis() + SKEW_MILLIS;
  }

  /**
   * The wall clock as an instant, plus the configured skew.
   *
   * @return like {@link Instant#now()}
   */
  public static Instant now() {
    return Instant.now().plusMillis(SKEW_MILLIS);
  }

  /**
   * The configured skew.
   *
   * @return milliseconds, 0 unless {@value #SKEW_PROPERTY} is set
   */
  public static long skewMillis() {
    return SKEW_MILLIS;
  }
}
