package dev.jobqueue;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the problems a {@link JobHandler#validate(Object, ValidationErrors)} finds in a payload.
 * Field names are relative to the payload: {@code reject("userId", ...)} is reported as {@code
 * payload.userId}.
 *
 * <p>Not thread-safe; one instance serves one validation.
 */
public final class ValidationErrors {
  private final String prefix;
  private final List<FieldError> errors = new ArrayList<>();

  /**
   * Creates an empty collector whose field paths start with {@code prefix}.
   *
   * @param prefix for example {@code "payload"}
   */
  public ValidationErrors(String prefix) {
    this.prefix = prefix;
  }

  /**
   * Records a problem with a field.
   *
   * @param field the field's path inside the payload, for example {@code "data.name"}
   * @param message what is wrong
   * @param value the offending value, or null
   * @return this collector
   */
  public ValidationErrors reject(String field, String message, Object value) {
    String path = field == null || field.isEmpty() ? prefix : prefix + "." + field;
    errors.add(FieldError.of(path, message, value));
    return this;
  }

  /**
   * Records a problem when {@code condition} is false.
   *
   * @param condition what must hold
   * @param field the field's path inside the payload
   * @param message what is wrong when it does not hold
   * @param value the offending value, or null
   * @return this collector
   */
  public ValidationErrors require(boolean condition, String field, String message, Object value) {
    return condition ? this : reject(field, message, value);
  }

  /**
   * Records a problem when {@code value} is null or, for a {@link CharSequence}, blank.
   *
   * @param field the field's path inside the payload
   * @param value the value that must be present
   * @return this collector
   */
  public ValidationErrors requirePresent(String field, Object value) {
    boolean missing =
        value == null || (value instanceof CharSequence text && text.toString().isBlank());
    return missing ? reject(field, "is required", value) : this;
  }

  /**
   * Whether no problem has been recorded.
   *
   * @return true when empty
   */
  public boolean isEmpty() {
    return errors.isEmpty();
  }

  /**
   * The problems recorded so far.
   *
   * @return an unmodifiable copy
   */
  public List<FieldError> toList() {
    return List.copyOf(errors);
  }
}
