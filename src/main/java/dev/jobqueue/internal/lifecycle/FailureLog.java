package dev.jobqueue.internal.lifecycle;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Logs the failures of one background loop without flooding the log while the database is away: the
 * first failure of a streak, then at most one line per {@link #REPEAT_MILLIS} with the count so
 * far, and one line when the loop works again. Thread-safe.
 */
public final class FailureLog {
  /** How often a continuing streak is logged again. */
  public static final long REPEAT_MILLIS = 60_000;

  private final Logger log;
  private final String what;
  private final long repeatNanos;
  private int failures;
  private String lastDetail;
  private long lastLoggedNanos;

  /**
   * A log for the loop {@code what}.
   *
   * @param log where lines go
   * @param what the loop, as the subject of "… failed"
   */
  public FailureLog(Logger log, String what) {
    this(log, what, REPEAT_MILLIS);
  }

  /**
   * A log that repeats a streak every {@code repeatMillis}.
   *
   * @param log where lines go
   * @param what the loop, as the subject of "… failed"
   * @param repeatMillis how often a continuing streak is logged again
   */
  public FailureLog(Logger log, String what, long repeatMillis) {
    this.log = log;
    this.what = what;
    this.repeatNanos = TimeUnit.MILLISECONDS.toNanos(repeatMillis);
  }

  /**
   * One more failure; logged if it starts a streak or the last line is old enough.
   *
   * @param detail what went wrong
   */
  public synchronized void failed(String detail) {
    failures++;
    lastDetail = detail;
    long now = System.nanoTime();
    if (failures == 1) {
      log.warn("{} failed: {}", what, detail);
      lastLoggedNanos = now;
    } else if (now - lastLoggedNanos >= repeatNanos) {
      log.warn("{} still failing ({} failures in a row): {}", what, failures, detail);
      lastLoggedNanos = now;
    }
  }

  /** A success: ends the streak, and says so if more than one failure was in it. */
  public synchronized void succeeded() {
    if (failures > 1) {
      log.info("{} works again after {} failures in a row", what, failures);
    }
    failures = 0;
  }

  /**
   * The current streak, if it is at least {@code atLeast} failures long.
   *
   * @param atLeast the shortest streak reported
   * @return "N failures in a row, the last: detail", or empty
   */
  public synchronized Optional<String> streak(int atLeast) {
    return failures >= atLeast && failures > 0
        ? Optional.of(failures + " failures in a row, the last: " + lastDetail)
        : Optional.empty();
  }
}
