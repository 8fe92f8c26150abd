package dev.jobqueue;

/**
 * The database could not be reached or refused a statement.
 *
 * <p>The message says which operation failed; the cause carries the driver's exception. When this
 * is thrown from {@code createJob}, the job was not stored (or, inside the caller's transaction,
 * the caller decides by committing or rolling back).
 */
public class JobStoreException extends JobQueueException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception for a failed database operation.
   *
   * @param message which operation failed
   * @param cause the driver's exception
   */
  public JobStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
