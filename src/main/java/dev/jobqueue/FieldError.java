package dev.jobqueue;

import java.util.Objects;

/**
 * One problem with one field of a job's input.
 *
 * @param field the path of the field, for example {@code payload.userId} or {@code maxRetries}
 * @param message what is wrong with it
 * @param rejectedValue the offending value as text, shortened to 200 characters, or {@code null}
 *     when there was no value
 */
public record FieldError(String field, String message, String rejectedValue) {

  private static final int MAX_VALUE_CHARS = 200;

  /**
   * Validates and normalizes the components.
   *
   * @param field the field path; must not be null
   * @param message the problem; must not be null
   * @param rejectedValue the value, or null
   */
  public FieldError {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
    if (rejectedValue != null && rejectedValue.length() > MAX_VALUE_CHARS) {
      rejectedValue = rejectedValue.substring(0, MAX_VALUE_CHARS) + "...";
    }
  }

  /**
   * Creates an error, rendering {@code value} with {@link String#valueOf(Object)}.
   *
   * @param field the field path
   * @param message the problem
   * @param value the offending value, or null
   * @return the error
   */
  public static FieldError of(String field, String message, Object value) {
    return new FieldError(field, message, value == null ? null : String.valueOf(value));
  }

  @Override
  public String toString() {
    return rejectedValue == null
        ? field + ": " + message
        : field + ": " + message + " (was " + rejectedValue + ")";
  }
}
