package dev.jobqueue;

import java.time.Instant;
import java.util.Objects;

/**
 * One failed attempt in a job's error history.
 *
 * @param attempt the attempt that failed, 1 for the first
 * @param occurredAt when it failed, by the database clock
 * @param message the error message
 */
public record JobError(int attempt, Instant occurredAt, String message) {

  /**
   * Checks the components.
   *
   * @param attempt the attempt number
   * @param occurredAt the time; must not be null
   * @param message the message; must not be null
   */
  public JobError {
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(message, "message");
  }
}
