package dev.jobqueue;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A job was refused before anything was stored: an unknown type, a payload that does not convert to
 * the handler's class or fails its validation, a payload over the size cap, or an option out of
 * range.
 *
 * <p>{@link #errors()} lists every problem found; the message joins them. For {@code createJobs}
 * the field paths are prefixed with the job's index, for example {@code jobs[3].payload.userId}.
 */
public class JobValidationException extends JobQueueException {
  private static final long serialVersionUID = 1L;

  private final transient List<FieldError> errors;

  /**
   * Creates an exception listing the problems found.
   *
   * @param errors the problems, at least one
   */
  public JobValidationException(List<FieldError> errors) {
    super(render(errors));
    this.errors = List.copyOf(errors);
  }

  /**
   * Every problem found, in the order found.
   *
   * @return an unmodifiable, non-empty list
   */
  public List<FieldError> errors() {
    return errors;
  }

  private static String render(List<FieldError> errors) {
    if (errors == null || errors.isEmpty()) {
      throw new IllegalArgumentException("a JobValidationException needs at least one error");
    }
    return "invalid job: "
        + errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
  }
}
