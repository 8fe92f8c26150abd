package dev.jobqueue.internal.notify;

import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debounces the wake-up notifications sent with inserts. <strong>Not API.</strong>
 *
 * <p>The first insert after a quiet period notifies with its own statement (no extra round trip, no
 * added latency). Inserts within {@link #WINDOW_MILLIS} of a notification skip theirs, and one
 * trailing notification follows the window, so nothing inserted goes unannounced. Under high insert
 * rates this caps notifications at about one per window per JVM, which matters because PostgreSQL
 * serializes committing transactions that notify.
 */
public final class Notifier extends LoopService {
  /** The debouncing window. */
  public static final long WINDOW_MILLIS = 5;

  private static final Logger log = LoggerFactory.getLogger(Notifier.class);
  private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(WINDOW_MILLIS);
  private static final long IDLE_MILLIS = 60_000;

  private final Runnable send;
  private final AtomicLong lastNanos = new AtomicLong(System.nanoTime() - 1_000_000_000L);
  private final AtomicBoolean trailingPending = new AtomicBoolean();

  /**
   * A notifier whose trailing notifications go out through {@code send}.
   *
   * @param send sends one {@link Notifications#NEW_JOBS} notification
   */
  public Notifier(Runnable send) {
    // A failed send is not retried: other nodes fall back to polling, and nothing is lost.
    super(Loop.named("notifier").logTo(log, "Sending a wake-up"), 1_000);
    this.send = send;
  }

  /**
   * Whether the coming insert should notify itself (the leading edge of a window).
   *
   * @return true for the first insert of a window
   */
  public boolean leading() {
    long now = System.nanoTime();
    long last = lastNanos.get();
    return now - last >= WINDOW_NANOS && lastNanos.compareAndSet(last, now);
  }

  /** After an insert that did not notify has committed: makes sure a notification follows. */
  public void trailing() {
    if (trailingPending.compareAndSet(false, true)) {
      wake();
    }
  }

  /** Sends the trailing notification once the window of the last one is over. */
  @Override
  protected long runOnce() {
    if (!trailingPending.get()) {
      return IDLE_MILLIS;
    }
    long wait = lastNanos.get() + WINDOW_NANOS - System.nanoTime();
    if (wait > 0) {
      return Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait));
    }
    trailingPending.set(false);
    lastNanos.set(System.nanoTime());
    send.run();
    return trailingPending.get() ? 0 : IDLE_MILLIS;
  }
}
