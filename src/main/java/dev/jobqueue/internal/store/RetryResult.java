package dev.jobqueue.internal.store;

/**
 * What a retry of a job did.
 *
 * @param retried whether the job is pending now
 * @param heldKey when it is not because another job holds its unique key: the key, else null
 * @param holderId the id of the job that holds the key, or 0
 * @param holderStatus that job's status, or null
 */
public record RetryResult(boolean retried, String heldKey, long holderId, String holderStatus) {

  static final RetryResult RETRIED = new RetryResult(true, null, 0, null);
  static final RetryResult NOT_RETRYABLE = new RetryResult(false, null, 0, null);

  /**
   * Whether the job was not retried because another job holds its key.
   *
   * @return true when {@link #heldKey()} is set
   */
  public boolean keyHeld() {
    return heldKey != null;
  }
}
