package dev.jobqueue;

import dev.jobqueue.internal.retry.Retries;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How long a failed job waits before its next attempt.
 *
 * <p>Each strategy is a pure function of the retry number, a base delay and a maximum delay. The
 * retry number is 1 for the first retry (after the first failed attempt), 2 for the second, and so
 * on. Results never exceed {@code maxDelay} and never overflow.
 */
public enum RetryStrategy {
  /** Always {@code baseDelay}: 1 s, 1 s, 1 s ... */
  FIXED,
  /** {@code baseDelay × retry}: 1 s, 2 s, 3 s ... */
  LINEAR,
  /** {@code baseDelay × 2^(retry-1)}: 1 s, 2 s, 4 s, 8 s ... */
  EXPONENTIAL;

  /**
   * The delay before retry number {@code retry}.
   *
   * @param retry 1 for the first retry; must be at least 1
   * @param baseDelay the base delay; must not be negative
   * @param maxDelay the cap; must not be negative
   * @return the delay, at most {@code maxDelay}
   * @throws IllegalArgumentException if an argument is out of range
   */
  public Duration delay(int retry, Duration baseDelay, Duration maxDelay) {
    Objects.requireNonNull(baseDelay, "baseDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be >= 1 (was " + retry + ")");
    }
    if (baseDelay.isNegative() || maxDelay.isNegative()) {
      throw new IllegalArgumentException(
          "delays must not be negative (was base " + baseDelay + ", max " + maxDelay + ")");
    }
    return Duration.ofMillis(
        Retries.delayMillis(this, retry, baseDelay.toMillis(), maxDelay.toMillis()));
  }

  /**
   * Parses {@code "fixed"}, {@code "linear"} or {@code "exponential"}, ignoring case.
   *
   * @param value the name
   * @return the strategy
   * @throws IllegalArgumentException if {@code value} names no strategy
   */
  public static RetryStrategy fromWireName(String value) {
    if (value != null) {
      for (RetryStrategy strategy : values()) {
        if (strategy.name().equalsIgnoreCase(value.trim())) {
          return strategy;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown retry strategy '" + value + "' (expected fixed, linear or exponential)");
  }

  /**
   * The lower-case name used in configuration.
   *
   * @return for example {@code "exponential"}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
