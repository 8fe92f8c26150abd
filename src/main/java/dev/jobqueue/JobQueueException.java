package dev.jobqueue;

/**
 * The root of every exception the library throws on purpose.
 *
 * <p>Argument mistakes that a caller can see without the database (a filter limit out of range, a
 * builder setting out of bounds) are reported with {@link IllegalArgumentException} instead, as is
 * usual in Java APIs.
 */
public class JobQueueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong, naming the offending value
   */
  public JobQueueException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public JobQueueException(String message, Throwable cause) {
    super(message, cause);
  }
}
