package dev.jobqueue.internal.lifecycle;

import java.util.Optional;

/**
 * A service that is one {@link Loop}: the base of every background loop of the engine. A subclass
 * supplies the iteration and, where stopping takes more than ending the loop (a last write, leaving
 * the cluster), overrides {@link #stop} and calls {@code super.stop} first. <strong>Not
 * API.</strong>
 */
public abstract class LoopService implements Service {
  private final Loop loop;
  private final long stopMillis;

  /**
   * A service over the loop {@code loop} describes.
   *
   * @param loop the loop's name, logging and timing, from {@link Loop#named(String)}
   * @param stopMillis the longest its stop waits for the loop's thread
   */
  protected LoopService(Loop.Builder loop, long stopMillis) {
    this.loop = loop.body(this::runOnce).onStop(this::unblock).build();
    this.stopMillis = stopMillis;
  }

  /**
   * One iteration.
   *
   * @return milliseconds until the next; 0 runs it at once
   * @throws Exception anything; the loop logs it and backs off
   */
  protected abstract long runOnce() throws Exception;

  /**
   * Ends a wait of the iteration that an interrupt does not end, such as a socket read: run by
   * {@link #stop} before it interrupts the loop's thread. Does nothing unless overridden.
   */
  protected void unblock() {}

  @Override
  public final String name() {
    return loop.name();
  }

  @Override
  public void start() {
    loop.start();
  }

  /** Ends the loop, waiting for its thread up to its own bound or the deadline. */
  @Override
  public void stop(Deadline deadline) {
    loop.stop(deadline.atMost(stopMillis));
  }

  /** Ends the current wait: the next iteration runs at once. */
  protected final void wake() {
    loop.wake();
  }

  /**
   * Whether the loop runs.
   *
   * @return true between start and stop
   */
  public final boolean isRunning() {
    return loop.isRunning();
  }

  /**
   * Why the loop fails, when it has failed {@code atLeast} times in a row.
   *
   * @param atLeast the shortest streak reported
   * @return the streak, or empty
   */
  public final Optional<String> failing(int atLeast) {
    return loop.failing(atLeast);
  }
}
