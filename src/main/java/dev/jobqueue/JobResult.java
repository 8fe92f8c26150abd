package dev.jobqueue;

import java.util.Objects;
import java.util.Optional;

/**
 * An explicit outcome a handler may return instead of a plain result.
 *
 * <p>{@link #success(Object)} completes the job with {@code data} as its result, exactly like
 * returning {@code data}. {@link #failure(String)} ends the job {@code failed} at once, without
 * retrying, as a "client error, don't retry" case should; throwing {@link NonRetryableJobException}
 * has the same effect.
 *
 * <pre>{@code
 * if (response.status() >= 400 && response.status() < 500) {
 *   return JobResult.failure("client error " + response.status() + ", not retrying");
 * }
 * return JobResult.success(response.body());
 * }</pre>
 */
public final class JobResult {
  private final boolean success;
  private final Object data;
  private final String error;

  private JobResult(boolean success, Object data, String error) {
    this.success = success;
    this.data = data;
    this.error = error;
  }

  /**
   * A success carrying a result to store.
   *
   * @param data the result, or null for none
   * @return the outcome
   */
  public static JobResult success(Object data) {
    return new JobResult(true, data, null);
  }

  /**
   * A failure that must not be retried.
   *
   * @param error why, stored as the job's error message
   * @return the outcome
   */
  public static JobResult failure(String error) {
    return new JobResult(false, null, Objects.requireNonNull(error, "error must not be null"));
  }

  /**
   * Whether this is a success.
   *
   * @return true for {@link #success(Object)}
   */
  public boolean isSuccess() {
    return success;
  }

  /**
   * The data of a success, as it will be stored as the job's result.
   *
   * @return the data; empty for a failure or a success without data
   */
  public Optional<Object> data() {
    return Optional.ofNullable(data);
  }

  /**
   * The error of a failure.
   *
   * @return the message; empty for a success
   */
  public Optional<String> error() {
    return Optional.ofNullable(error);
  }

  @Override
  public String toString() {
    return success ? "JobResult[success]" : "JobResult[failure: " + error + "]";
  }
}
