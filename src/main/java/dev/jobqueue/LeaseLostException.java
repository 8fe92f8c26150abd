package dev.jobqueue;

/**
 * This attempt no longer holds its job: the job was cancelled, its timeout passed, or its lease
 * expired and another node took it over. Thrown by {@link
 * JobContext#completeInTransaction(JobContext.TransactionalWork)} after rolling the transaction
 * back, so none of its writes happened.
 */
public class LeaseLostException extends JobQueueException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which job and attempt
   */
  public LeaseLostException(String message) {
    super(message);
  }
}
