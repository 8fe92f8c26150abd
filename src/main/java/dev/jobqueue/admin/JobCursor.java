package dev.jobqueue.admin;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A place in the newest-first order of jobs: after the job created at {@link #createdAt()} with id
 * {@link #id()}. Its text form ({@link #toString()}, read back by {@link #parse}) goes into links
 * and command lines.
 *
 * @param createdAt the creation time of the last job of the previous page, in microseconds
 * @param id that job's id
 */
public record JobCursor(Instant createdAt, long id) {
  /**
   * Checks the components.
   *
   * @throws IllegalArgumentException when the id is not positive
   * @param createdAt the creation time of the last job of the previous page, in microseconds
   * @param id that job's id
   */
  public JobCursor {
    Objects.requireNonNull(createdAt, "createdAt must not be null");
    createdAt = createdAt.truncatedTo(ChronoUnit.MICROS);
    if (id < 1) {
      throw new IllegalArgumentException("cursor id must be positive (was " + id + ")");
    }
  }

  /**
   * Reads a cursor from its text form.
   *
   * @param text as {@link #toString()} writes it: microseconds since the epoch, a dot, the id
   * @return the cursor
   * @throws IllegalArgumentException naming the value when it is not a cursor
   */
  public static JobCursor parse(String text) {
    Objects.requireNonNull(text, "cursor must not be null");
    int dot = text.indexOf('.');
    try {
      if (dot > 0 && text.length() <= 60) {
        long micros = Long.parseLong(text.substring(0, dot));
        long id = Long.parseLong(text.substring(dot + 1));
        if (id > 0) {
          return new JobCursor(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), id);
        }
      }
    } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
      // Reported below.
    }
    String shown = text.length() > 60 ? text.substring(0, 60) + "…" : text;
    throw new IllegalArgumentException(
        "cursor must be <microseconds>.<id> as a previous page gave it (was '" + shown + "')");
  }

  /**
   * The text form: microseconds since the epoch, a dot, the id.
   *
   * @return the text
   */
  @Override
  public String toString() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, createdAt) + "." + id;
  }
}
