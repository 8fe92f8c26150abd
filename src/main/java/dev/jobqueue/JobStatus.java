package dev.jobqueue;

import java.util.Locale;

/**
 * The lifecycle state of a job.
 *
 * <p>A job starts {@link #PENDING}, becomes {@link #RUNNING} when a worker claims it, and ends in
 * one of the terminal states {@link #COMPLETED}, {@link #FAILED} or {@link #CANCELLED}. A failed
 * attempt with retries left goes back to {@code PENDING}.
 */
public enum JobStatus {
  /** Waiting to run: either due now or scheduled for later, or waiting for a retry. */
  PENDING,
  /** Claimed by a worker and executing. */
  RUNNING,
  /** Finished successfully; the result is stored. */
  COMPLETED,
  /** Finished unsuccessfully: retries exhausted, or a non-retryable failure. */
  FAILED,
  /** Cancelled before it could finish. */
  CANCELLED;

  /**
   * The name stored in the database and used in JSON: the lower-case constant name.
   *
   * @return for example {@code "pending"}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name such as {@code "pending"}, ignoring case.
   *
   * @param value the name to parse
   * @return the matching status
   * @throws IllegalArgumentException if {@code value} names no status
   */
  public static JobStatus fromWireName(String value) {
    if (value != null) {
      for (JobStatus status : values()) {
        if (status.name().equalsIgnoreCase(value.trim())) {
          return status;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown job status '"
            + value
            + "' (expected pending, running, completed, failed or cancelled)");
  }

  /**
   * Whether a job in this state will never run again by itself.
   *
   * @return true for {@code COMPLETED}, {@code FAILED} and {@code CANCELLED}
   */
  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
