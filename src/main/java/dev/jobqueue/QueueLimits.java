package dev.jobqueue;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A queue's cluster-wide limits: how many of its jobs run at once, how many with one concurrency
 * key, and how many start per time window, in all and per key. Every limit holds across all nodes
 * together: it is enforced against the database when jobs are claimed. A job whose lease expires
 * frees its place at once; jobs a limit holds back do not hold back other jobs behind them.
 *
 * <p>Limits are stored with the queue, so every node applies the same ones. A node that serves the
 * queue with {@link QueueOptions.Builder#limits(QueueLimits)} writes them when it starts serving
 * it; {@link JobQueueManager#setQueueLimits(String, QueueLimits)} changes them at any time. {@link
 * #none()} removes them. Immutable and thread-safe; each value is checked when it is set.
 *
 * <pre>{@code
 * QueueLimits limits = QueueLimits.builder()
 *     .maxRunning(20)                          // at most 20 of the queue's jobs at once
 *     .maxRunningPerKey(2)                     // at most 2 per tenant
 *     .rate(100, Duration.ofSeconds(1))        // at most 100 starts in any second
 *     .ratePerKey(10, Duration.ofMinutes(1))   // at most 10 starts per tenant in any minute
 *     .build();
 * }</pre>
 */
public final class QueueLimits {

  /** The largest count a limit may have. */
  public static final int MAX_LIMIT = 1_000_000;

  /** The longest rate window: one day. */
  public static final Duration MAX_WINDOW = Duration.ofDays(1);

  private static final QueueLimits NONE = builder().build();

  private final Integer maxRunning;
  private final Integer maxRunningPerKey;
  private final Integer rate;
  private final Duration rateWindow;
  private final Integer ratePerKey;
  private final Duration ratePerKeyWindow;

  private QueueLimits(Builder builder) {
    this.maxRunning = builder.maxRunning;
    this.maxRunningPerKey = builder.maxRunningPerKey;
    this.rate = builder.rate;
    this.rateWindow = builder.rateWindow;
    this.ratePerKey = builder.ratePerKey;
    this.ratePerKeyWindow = builder.ratePerKeyWindow;
  }

  /** {@return no limits at all} */
  public static QueueLimits none() {
    return NONE;
  }

  /** {@return a builder with no limits yet} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the most of the queue's jobs that run at once, if limited} */
  public OptionalInt maxRunning() {
    return maxRunning == null ? OptionalInt.empty() : OptionalInt.of(maxRunning);
  }

  /**
   * The most jobs with one concurrency key that run at once in the queue, if limited. A handler's
   * {@link JobPolicy#maxRunningPerKey()} takes its place for that handler's jobs.
   *
   * @return the limit, or empty
   */
  public OptionalInt maxRunningPerKey() {
    return maxRunningPerKey == null ? OptionalInt.empty() : OptionalInt.of(maxRunningPerKey);
  }

  /** {@return the most starts of the queue's jobs in any window of {@link #rateWindow()}} */
  public OptionalInt rate() {
    return rate == null ? OptionalInt.empty() : OptionalInt.of(rate);
  }

  /** {@return the window of {@link #rate()}, if limited} */
  public Optional<Duration> rateWindow() {
    return Optional.ofNullable(rateWindow);
  }

  /** {@return the most starts of jobs with one key in any window of {@link #ratePerKeyWindow()}} */
  public OptionalInt ratePerKey() {
    return ratePerKey == null ? OptionalInt.empty() : OptionalInt.of(ratePerKey);
  }

  /** {@return the window of {@link #ratePerKey()}, if limited} */
  public Optional<Duration> ratePerKeyWindow() {
    return Optional.ofNullable(ratePerKeyWindow);
  }

  /** {@return whether any limit is set} */
  public boolean isLimited() {
    return maxRunning != null || maxRunningPerKey != null || rate != null || ratePerKey != null;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof QueueLimits that
        && Objects.equals(maxRunning, that.maxRunning)
        && Objects.equals(maxRunningPerKey, that.maxRunningPerKey)
        && Objects.equals(rate, that.rate)
        && Objects.equals(rateWindow, that.rateWindow)
        && Objects.equals(ratePerKey, that.ratePerKey)
        && Objects.equals(ratePerKeyWindow, that.ratePerKeyWindow);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        maxRunning, maxRunningPerKey, rate, rateWindow, ratePerKey, ratePerKeyWindow);
  }

  @Override
  public String toString() {
    if (!isLimited()) {
      return "QueueLimits[none]";
    }
    StringBuilder text = new StringBuilder("QueueLimits[");
    if (maxRunning != null) {
      text.append("maxRunning=").append(maxRunning).append(", ");
    }
    if (maxRunningPerKey != null) {
      text.append("maxRunningPerKey=").append(maxRunningPerKey).append(", ");
    }
    if (rate != null) {
      text.append("rate=").append(rate).append('/').append(rateWindow).append(", ");
    }
    if (ratePerKey != null) {
      text.append("ratePerKey=").append(ratePerKey).append('/').append(ratePerKeyWindow);
      text.append(", ");
    }
    text.setLength(text.length() - 2);
    return text.append(']').toString();
  }

  /** Builds {@link QueueLimits}. Not thread-safe. */
  public static final class Builder {
    private Integer maxRunning;
    private Integer maxRunningPerKey;
    private Integer rate;
    private Duration rateWindow;
    private Integer ratePerKey;
    private Duration ratePerKeyWindow;

    private Builder() {}

    /**
     * At most this many of the queue's jobs run at once, across all nodes.
     *
     * @param maxRunning 1 to {@value QueueLimits#MAX_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxRunning(int maxRunning) {
      this.maxRunning = count("maxRunning", maxRunning);
      return this;
    }

    /**
     * At most this many jobs with one concurrency key run at once in the queue, across all nodes.
     *
     * @param maxRunningPerKey 1 to {@value QueueLimits#MAX_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxRunningPerKey(int maxRunningPerKey) {
      this.maxRunningPerKey = count("maxRunningPerKey", maxRunningPerKey);
      return this;
    }

    /**
     * At most {@code starts} of the queue's jobs start in any window of {@code window}, across all
     * nodes.
     *
     * @param starts 1 to {@value QueueLimits#MAX_LIMIT}
     * @param window 1 ms to a day
     * @return this builder
     * @throws IllegalArgumentException if either is out of range
     */
    public Builder rate(int starts, Duration window) {
      this.rate = count("rate", starts);
      this.rateWindow = window("rateWindow", window);
      return this;
    }

    /**
     * At most {@code starts} jobs with one concurrency key start in any window of {@code window},
     * across all nodes.
     *
     * @param starts 1 to {@value QueueLimits#MAX_LIMIT}
     * @param window 1 ms to a day
     * @return this builder
     * @throws IllegalArgumentException if either is out of range
     */
    public Builder ratePerKey(int starts, Duration window) {
      this.ratePerKey = count("ratePerKey", starts);
      this.ratePerKeyWindow = window("ratePerKeyWindow", window);
      return this;
    }

    /** {@return the limits} */
    public QueueLimits build() {
      return new QueueLimits(this);
    }

    private static int count(String name, int value) {
      if (value < 1 || value > MAX_LIMIT) {
        throw new IllegalArgumentException(
            name + " must be between 1 and " + MAX_LIMIT + " (was " + value + ")");
      }
      return value;
    }

    private static Duration window(String name, Duration window) {
      Objects.requireNonNull(window, name + " must not be null");
      if (window.toMillis() < 1 || window.compareTo(MAX_WINDOW) > 0) {
        throw new IllegalArgumentException(
            name + " must be between 1 ms and " + MAX_WINDOW + " (was " + window + ")");
      }
      return window;
    }
  }
}
