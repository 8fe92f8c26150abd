package dev.jobqueue;

import dev.jobqueue.internal.lifecycle.Threads;
import dev.jobqueue.internal.store.JobRepository;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debounces the wake-up notifications sent with inserts.
 *
 * <p>The first insert after a quiet period notifies with its own statement (no extra round trip, no
 * added latency). Inserts within {@link #WINDOW_MILLIS} of a notification skip theirs, and one
 * trailing notification follows the window, so nothing inserted goes unannounced. Under high insert
 * rates this caps notifications at about one per window per JVM, which matters because PostgreSQL
 * serializes committing transactions that notify.
 */
final class Notifier {
  static final long WINDOW_MILLIS = 5;

  private static final Logger log = LoggerFactory.getLogger(Notifier.class);

  private final JobRepository repository;
  private final AtomicLong lastNanos = new AtomicLong(System.nanoTime() - 1_000_000_000L);
  private final AtomicBoolean trailingPending = new AtomicBoolean();
  private final ScheduledExecutorService scheduler;

  Notifier(JobRepository repository) {
    this.repository = repository;
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(1, Threads.platform("jobqueue-notifier-"));
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.scheduler = executor;
  }

  /** Whether the coming insert should notify itself (the leading edge of a window). */
  boolean leading() {
    long now = System.nanoTime();
    long last = lastNanos.get();
    return now - last >= WINDOW_MILLIS * 1_000_000 && lastNanos.compareAndSet(last, now);
  }

  /** After an insert that did not notify has committed: make sure a notification follows. */
  void trailing() {
    if (trailingPending.compareAndSet(false, true)) {
      scheduler.schedule(this::sendTrailing, WINDOW_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void sendTrailing() {
    trailingPending.set(false);
    lastNanos.set(System.nanoTime());
    try {
      repository.notifyNewJobs();
    } catch (RuntimeException e) {
      // Other nodes fall back to polling; nothing is lost.
      log.debug("Could not send a wake-up notification: {}", e.getMessage());
    }
  }

  void shutdown() {
    scheduler.shutdownNow();
  }
}
