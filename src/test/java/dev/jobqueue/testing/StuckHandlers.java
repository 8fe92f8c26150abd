package dev.jobqueue.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Handlers that ignore interruption, for tests of timeouts and stuck workers: each holds its thread
 * until the test releases it (or a bound passes), and the test can wait for every such thread to
 * end so none leaks into the next test.
 */
public final class StuckHandlers {
  private final AtomicBoolean released = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();

  /**
   * Called inside a handler: swallows every interruption and returns only once {@link
   * #releaseAndAwait()} is called or {@code bound} has passed.
   *
   * @param bound the longest it holds
   */
  public void hold(Duration bound) {
    synchronized (threads) {
      threads.add(Thread.currentThread());
    }
    long end = System.nanoTime() + bound.toNanos();
    while (!released.get() && System.nanoTime() < end) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException ignored) {
        // Ignores interruption on purpose.
      }
    }
  }

  /**
   * Whether any held thread is still alive.
   *
   * @return true while a stuck handler runs
   */
  public boolean anyAlive() {
    synchronized (threads) {
      return threads.stream().anyMatch(Thread::isAlive);
    }
  }

  /** Lets every held handler return, without waiting for it. */
  public void release() {
    released.set(true);
  }

  /**
   * Releases every held handler, waits up to 5 s for each of their threads, and gets ready for the
   * next test.
   *
   * @return the threads that were held; the caller may check that they ended
   * @throws InterruptedException if interrupted while waiting
   */
  public List<Thread> releaseAndAwait() throws InterruptedException {
    released.set(true);
    List<Thread> held;
    synchronized (threads) {
      held = new ArrayList<>(threads);
      threads.clear();
    }
    for (Thread thread : held) {
      thread.join(5_000);
    }
    released.set(false);
    return held;
  }
}
