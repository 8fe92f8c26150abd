package dev.jobqueue.internal.lifecycle;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A level-triggered wake-up: any number of {@link #raise()} calls before a wait end it once.
 * Thread-safe. <strong>Not API.</strong>
 */
public class Signal {
  private final Semaphore permits = new Semaphore(0);

  /** Ends the current or the next wait. */
  public void raise() {
    if (permits.availablePermits() == 0) {
      permits.release();
    }
  }

  /**
   * Waits up to {@code millis} for a {@link #raise()}.
   *
   * @param millis the longest wait
   * @return true if raised, false if the time ran out
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public boolean await(long millis) throws InterruptedException {
    boolean raised = permits.tryAcquire(millis, TimeUnit.MILLISECONDS);
    permits.drainPermits();
    return raised;
  }
}
