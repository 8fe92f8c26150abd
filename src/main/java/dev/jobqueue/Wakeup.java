package dev.jobqueue;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** A level-triggered wake-up signal: many signals before a wait wake it once. */
final class Wakeup {
  private final Semaphore permits = new Semaphore(0);

  void signal() {
    if (permits.availablePermits() == 0) {
      permits.release();
    }
  }

  /** Waits up to {@code millis} for a signal; returns true if signalled. */
  boolean await(long millis) throws InterruptedException {
    boolean signalled = permits.tryAcquire(millis, TimeUnit.MILLISECONDS);
    permits.drainPermits();
    return signalled;
  }
}
