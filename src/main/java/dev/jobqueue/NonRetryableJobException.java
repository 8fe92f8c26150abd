package dev.jobqueue;

/**
 * Thrown by a handler to end its job {@code failed} at once, without using the remaining retries:
 * for example on a client error that will not go away.
 */
public class NonRetryableJobException extends JobQueueException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why the job cannot succeed; stored as its error message
   */
  public NonRetryableJobException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message why the job cannot succeed
   * @param cause the underlying failure
   */
  public NonRetryableJobException(String message, Throwable cause) {
    super(message, cause);
  }
}
