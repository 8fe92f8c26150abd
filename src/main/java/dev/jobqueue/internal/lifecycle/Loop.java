package dev.jobqueue.internal.lifecycle;

import dev.jobqueue.internal.Backoff;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;

/**
 * The one loop skeleton every background loop of the engine runs on: a thread of its own that runs
 * one iteration, waits the delay the iteration returned (cut short by {@link #wake()}), and runs
 * the next. <strong>Not API.</strong>
 *
 * <ul>
 *   <li>A failing iteration (any {@code Throwable}) is logged once per failure streak by a {@link
 *       FailureLog}, and the loop waits its {@link Backoff} before the next one; a success resets
 *       both.
 *   <li>An interruption while the loop runs is not a failure: the next iteration follows. Only
 *       {@link #stop} ends the loop.
 *   <li>{@link #stop} runs the {@linkplain Builder#onStop unblocking hook} (closing a connection
 *       the iteration may wait on), interrupts the thread and waits for it until the deadline.
 * </ul>
 *
 * Thread-safe; the iteration itself runs on the loop's thread only.
 */
public final class Loop implements Service {

  /** One iteration of a loop. */
  @FunctionalInterface
  public interface Body {
    /**
     * Runs one iteration.
     *
     * @return milliseconds until the next iteration; 0 runs it at once
     * @throws Exception anything; the loop logs it and backs off
     */
    long runOnce() throws Exception;
  }

  private enum State {
    NEW,
    RUNNING,
    STOPPED
  }

  private final String name;
  private final Body body;
  private final Backoff backoff;
  private final FailureLog failures;
  private final Signal signal;
  private final Runnable onStop;
  private final long initialDelayMillis;
  private final ThreadFactory threads;
  private final Object lifecycle = new Object();
  private volatile State state = State.NEW;
  private Thread thread;

  private Loop(Builder builder) {
    this.name = builder.name;
    this.body = builder.body;
    this.backoff = new Backoff(builder.firstBackoffMillis, builder.maxBackoffMillis);
    this.failures = new FailureLog(builder.log, builder.what);
    this.signal = builder.signal;
    this.onStop = builder.onStop;
    this.initialDelayMillis = builder.initialDelayMillis;
    this.threads = builder.threads;
  }

  /**
   * Starts describing a loop.
   *
   * @param name the service name; its thread is {@code jobqueue-<name>-<n>}
   * @param body one iteration
   * @return a builder
   */
  public static Builder named(String name, Body body) {
    return new Builder(name, Objects.requireNonNull(body, "body"));
  }

  /**
   * Starts describing a loop whose iteration a {@link LoopService} supplies.
   *
   * @param name the service name; its thread is {@code jobqueue-<name>-<n>}
   * @return a builder
   */
  public static Builder named(String name) {
    return new Builder(name, null);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start() {
    synchronized (lifecycle) {
      if (state != State.NEW) {
        return;
      }
      state = State.RUNNING;
      thread = threads.newThread(this::run);
      thread.start();
    }
  }

  @Override
  public void stop(Deadline deadline) {
    Thread running;
    synchronized (lifecycle) {
      if (state != State.RUNNING) {
        state = State.STOPPED;
        return;
      }
      state = State.STOPPED;
      running = thread;
    }
    if (onStop != null) {
      try {
        onStop.run();
      } catch (RuntimeException e) {
        // Unblocking is best effort; the interrupt and the state end the loop either way.
      }
    }
    running.interrupt();
    if (running != Thread.currentThread()) {
      try {
        running.join(Math.max(1, deadline.remainingMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Ends the current wait: the next iteration runs at once. */
  public void wake() {
    signal.raise();
  }

  /**
   * Whether the loop runs (started and not stopped).
   *
   * @return true while it runs
   */
  public boolean isRunning() {
    return state == State.RUNNING;
  }

  /**
   * Why the loop fails, when it has failed {@code atLeast} times in a row and not succeeded since.
   *
   * @param atLeast the shortest streak reported
   * @return the streak, or empty
   */
  public Optional<String> failing(int atLeast) {
    return failures.streak(atLeast);
  }

  private void run() {
    long delay = initialDelayMillis;
    while (state == State.RUNNING) {
      try {
        if (delay > 0) {
          signal.await(delay);
        }
        if (state != State.RUNNING) {
          break;
        }
        delay = Math.max(0, body.runOnce());
        backoff.reset();
        failures.succeeded();
      } catch (InterruptedException e) {
        delay = 0; // Stopping ends the loop above; any other interrupt is not a failure.
      } catch (Throwable e) {
        if (state != State.RUNNING) {
          break;
        }
        delay = backoff.next();
        failures.failed("retrying in " + delay + " ms: " + e.getMessage());
      }
    }
  }

  /** Describes a {@link Loop}. */
  public static final class Builder {
    private final String name;
    private Body body;
    private Logger log;
    private String what;
    private long firstBackoffMillis = 100;
    private long maxBackoffMillis = 5_000;
    private Signal signal = new Signal();
    private Runnable onStop;
    private long initialDelayMillis;
    private ThreadFactory threads;

    private Builder(String name, Body body) {
      this.name = Objects.requireNonNull(name, "name");
      this.body = body;
    }

    Builder body(Body body) {
      this.body = Objects.requireNonNull(body, "body");
      return this;
    }

    /**
     * Where failures are logged, and the subject of their lines ("Claiming jobs failed: …").
     *
     * @param log the logger
     * @param what the subject
     * @return this builder
     */
    public Builder logTo(Logger log, String what) {
      this.log = log;
      this.what = what;
      return this;
    }

    /**
     * The backoff after failures: {@code firstMillis}, doubling up to {@code maxMillis}. Default
     * 100 ms to 5 s.
     *
     * @param firstMillis the first delay
     * @param maxMillis the longest delay
     * @return this builder
     */
    public Builder backoff(long firstMillis, long maxMillis) {
      this.firstBackoffMillis = firstMillis;
      this.maxBackoffMillis = maxMillis;
      return this;
    }

    /**
     * The signal that cuts the loop's waits short, when someone else owns it. Default: the loop's
     * own, raised by {@link Loop#wake()}.
     *
     * @param signal the signal
     * @return this builder
     */
    public Builder signal(Signal signal) {
      this.signal = Objects.requireNonNull(signal, "signal");
      return this;
    }

    /**
     * What {@link Loop#stop} runs before it interrupts the thread: unblocks an iteration that waits
     * on something an interrupt does not end, such as a socket.
     *
     * @param onStop the hook
     * @return this builder
     */
    public Builder onStop(Runnable onStop) {
      this.onStop = onStop;
      return this;
    }

    /**
     * How long the loop waits before its first iteration. Default 0.
     *
     * @param millis the delay
     * @return this builder
     */
    public Builder initialDelay(long millis) {
      this.initialDelayMillis = millis;
      return this;
    }

    /**
     * Builds the loop; {@link Loop#start()} starts its thread.
     *
     * @return the loop
     */
    public Loop build() {
      Objects.requireNonNull(log, "logTo");
      Objects.requireNonNull(body, "body");
      threads = Threads.platform("jobqueue-" + name + "-");
      return new Loop(this);
    }
  }
}
