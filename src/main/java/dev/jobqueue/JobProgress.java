package dev.jobqueue;

import java.time.Instant;
import java.util.Objects;

/**
 * How far a job's handler got, as it last reported through {@link JobContext#reportProgress}.
 *
 * @param percent 0 to 100
 * @param message a short message, possibly empty
 * @param reportedAt when it was stored, by the database clock
 */
public record JobProgress(int percent, String message, Instant reportedAt) {
  /** The longest message stored. */
  public static final int MAX_MESSAGE_LENGTH = 200;

  /**
   * Checks the components.
   *
   * @param percent 0 to 100
   * @param message a short message, possibly empty
   * @param reportedAt when it was stored
   * @throws IllegalArgumentException naming the value when {@code percent} is out of range or the
   *     message is too long
   */
  public JobProgress {
    check(percent, message);
    Objects.requireNonNull(reportedAt, "reportedAt must not be null");
  }

  /**
   * Checks a report's values.
   *
   * @param percent 0 to 100
   * @param message at most {@value #MAX_MESSAGE_LENGTH} characters
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  static void check(int percent, String message) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException(
          "progress percent must be between 0 and 100 (was " + percent + ")");
    }
    Objects.requireNonNull(message, "message must not be null");
    if (message.length() > MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException(
          "progress message must be at most "
              + MAX_MESSAGE_LENGTH
              + " characters (was "
              + message.length()
              + ")");
    }
  }
}
