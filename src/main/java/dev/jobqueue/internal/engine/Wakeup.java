package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.lifecycle.Signal;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The producer's wake-up signal. Beyond {@link Signal}, it remembers whether a notification from
 * the database came since the producer last acted on one (new jobs, or jobs a rescue took back from
 * a dead node, may be waiting there), and whether the producer's last wait ran out.
 */
final class Wakeup extends Signal {
  private final AtomicBoolean announced = new AtomicBoolean();
  private volatile boolean timedOut;

  /** A notification from the database: wakes the producer and remembers it. */
  void signal() {
    announce();
    raise();
  }

  /** Remembers a notification without waking: a poll that stands in for one. */
  void announce() {
    announced.set(true);
  }

  /** Something local changed (the local queue ran low, a slot came free, this JVM enqueued). */
  void poke() {
    raise();
  }

  @Override
  public boolean await(long millis) throws InterruptedException {
    boolean raised = super.await(millis);
    timedOut = !raised;
    return raised;
  }

  /** Whether the last wait ended because its time ran out; forgets it. */
  boolean takeTimedOut() {
    boolean was = timedOut;
    timedOut = false;
    return was;
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
