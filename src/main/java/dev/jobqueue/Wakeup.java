package dev.jobqueue;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A level-triggered wake-up signal for the poller: many signals before a wait wake it once. It also
 * remembers whether a notification from the database came since the poller last acted on one: new
 * jobs, or jobs a rescue took back from a dead node, may be waiting there.
 */
final class Wakeup {
  private final Semaphore permits = new Semaphore(0);
  private final AtomicBoolean announced = new AtomicBoolean();

  /** A notification from the database: wakes the poller and remembers it. */
  void signal() {
    announce();
    poke();
  }

  /** Remembers a notification without waking: a poll that stands in for one. */
  void announce() {
    announced.set(true);
  }

  /** Something local changed (the local queue ran low, a slot came free, this JVM enqueued). */
  void poke() {
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

  /** Whether {@link #signal()} was called since the last {@link #takeAnnounced()}. */
  boolean announced() {
    return announced.get();
  }

  /** Like {@link #announced()}, and forgets it. */
  boolean takeAnnounced() {
    return announced.getAndSet(false);
  }
}
