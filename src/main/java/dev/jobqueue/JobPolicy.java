package dev.jobqueue;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a handler's jobs run, where it differs from the configuration: the queue they go to, their
 * retry budget and retry delays, their timeout, how often they may snooze, and how many jobs with
 * one concurrency key may run at once. A handler returns it from {@link JobHandler#policy()}.
 *
 * <p>Each value that is set overrides the configured default for this handler's jobs; an option
 * given to {@code createJob} overrides both. Immutable and thread-safe; each value is checked when
 * it is set, and the error names it and the value.
 *
 * <pre>{@code
 * public JobPolicy policy() {
 *   return JobPolicy.builder()
 *       .queue("payments")
 *       .maxRetries(8)
 *       .retryStrategy(RetryStrategy.EXPONENTIAL, Duration.ofSeconds(5), Duration.ofMinutes(30))
 *       .timeout(Duration.ofMinutes(2))
 *       .maxRunningPerKey(1)
 *       .build();
 * }
 * }</pre>
 */
public final class JobPolicy {

  /** The largest {@code maxSnoozes} a policy may set. */
  public static final int MAX_SNOOZES_LIMIT = 100_000;

  /** The largest per-key limit a policy may set. */
  public static final int MAX_RUNNING_PER_KEY_LIMIT = 100_000;

  private static final JobPolicy DEFAULTS = builder().build();

  private final String queue;
  private final Integer maxRetries;
  private final Integer timeoutSeconds;
  private final RetryStrategy retryStrategy;
  private final Duration retryBaseDelay;
  private final Duration retryMaxDelay;
  private final Integer maxSnoozes;
  private final Integer maxRunningPerKey;

  private JobPolicy(Builder builder) {
    this.queue = builder.queue;
    this.maxRetries = builder.maxRetries;
    this.timeoutSeconds = builder.timeoutSeconds;
    this.retryStrategy = builder.retryStrategy;
    this.retryBaseDelay = builder.retryBaseDelay;
    this.retryMaxDelay = builder.retryMaxDelay;
    this.maxSnoozes = builder.maxSnoozes;
    this.maxRunningPerKey = builder.maxRunningPerKey;
  }

  /** {@return the policy that overrides nothing} */
  public static JobPolicy defaults() {
    return DEFAULTS;
  }

  /** {@return a builder that overrides nothing yet} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the queue the handler's jobs go to unless {@code createJob} names one} */
  public Optional<String> queue() {
    return Optional.ofNullable(queue);
  }

  /** {@return the retry budget of the handler's jobs unless {@code createJob} sets one} */
  public OptionalInt maxRetries() {
    return maxRetries == null ? OptionalInt.empty() : OptionalInt.of(maxRetries);
  }

  /** {@return the per-attempt timeout in seconds unless {@code createJob} sets one} */
  public OptionalInt timeoutSeconds() {
    return timeoutSeconds == null ? OptionalInt.empty() : OptionalInt.of(timeoutSeconds);
  }

  /** {@return the retry strategy of the handler's jobs, if it overrides the configured one} */
  public Optional<RetryStrategy> retryStrategy() {
    return Optional.ofNullable(retryStrategy);
  }

  /** {@return the retry base delay, if it overrides the configured one} */
  public Optional<Duration> retryBaseDelay() {
    return Optional.ofNullable(retryBaseDelay);
  }

  /** {@return the retry delay cap, if it overrides the configured one} */
  public Optional<Duration> retryMaxDelay() {
    return Optional.ofNullable(retryMaxDelay);
  }

  /** {@return how often a job may snooze, if it overrides the configured cap} */
  public OptionalInt maxSnoozes() {
    return maxSnoozes == null ? OptionalInt.empty() : OptionalInt.of(maxSnoozes);
  }

  /**
   * How many of the handler's jobs with one concurrency key may run at once in their queue, across
   * all nodes, if it overrides the queue's per-key limit. The count is over the queue's running
   * jobs with that key, whatever their type; the limit is this one.
   *
   * @return the limit, or empty
   */
  public OptionalInt maxRunningPerKey() {
    return maxRunningPerKey == null ? OptionalInt.empty() : OptionalInt.of(maxRunningPerKey);
  }

  @Override
  public String toString() {
    return "JobPolicy[queue="
        + queue
        + ", maxRetries="
        + maxRetries
        + ", timeoutSeconds="
        + timeoutSeconds
        + ", retryStrategy="
        + retryStrategy
        + ", retryBaseDelay="
        + retryBaseDelay
        + ", retryMaxDelay="
        + retryMaxDelay
        + ", maxSnoozes="
        + maxSnoozes
        + ", maxRunningPerKey="
        + maxRunningPerKey
        + "]";
  }

  /** Builds a {@link JobPolicy}. Not thread-safe. */
  public static final class Builder {
    private String queue;
    private Integer maxRetries;
    private Integer timeoutSeconds;
    private RetryStrategy retryStrategy;
    private Duration retryBaseDelay;
    private Duration retryMaxDelay;
    private Integer maxSnoozes;
    private Integer maxRunningPerKey;

    private Builder() {}

    /**
     * Sets the queue the handler's jobs go to.
     *
     * @param queue a name matching {@link QueueOptions#NAME_PATTERN}
     * @return this builder
     * @throws IllegalArgumentException if the name does not match
     */
    public Builder queue(String queue) {
      Objects.requireNonNull(queue, "queue must not be null");
      if (!QueueOptions.NAME_PATTERN.matcher(queue).matches()) {
        throw new IllegalArgumentException(
            "queue must match " + QueueOptions.NAME_PATTERN.pattern() + " (was '" + queue + "')");
      }
      this.queue = queue;
      return this;
    }

    /**
     * Sets the retry budget: 0 to {@value CreateJobOptions#MAX_RETRIES_LIMIT}.
     *
     * @param maxRetries the budget
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = checked("maxRetries", maxRetries, 0, CreateJobOptions.MAX_RETRIES_LIMIT);
      return this;
    }

    /**
     * Sets the per-attempt timeout, in whole seconds: 1 s to 7 days.
     *
     * @param timeout the timeout
     * @return this builder
     * @throws IllegalArgumentException if it is out of range or not whole seconds
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout must not be null");
      if (timeout.toMillis() % 1_000 != 0
          || timeout.getSeconds() < 1
          || timeout.getSeconds() > CreateJobOptions.MAX_TIMEOUT_SECONDS) {
        throw new IllegalArgumentException(
            "timeout must be whole seconds between 1 s and "
                + CreateJobOptions.MAX_TIMEOUT_SECONDS
                + " s (was "
                + timeout
                + ")");
      }
      this.timeoutSeconds = (int) timeout.getSeconds();
      return this;
    }

    /**
     * Sets the retry strategy and its delays.
     *
     * @param strategy the strategy
     * @param baseDelay the base delay: 0 or more
     * @param maxDelay the cap: at least {@code baseDelay}
     * @return this builder
     * @throws IllegalArgumentException if a delay is negative or the cap is below the base
     */
    public Builder retryStrategy(RetryStrategy strategy, Duration baseDelay, Duration maxDelay) {
      Objects.requireNonNull(strategy, "strategy must not be null");
      Objects.requireNonNull(baseDelay, "baseDelay must not be null");
      Objects.requireNonNull(maxDelay, "maxDelay must not be null");
      if (baseDelay.isNegative()) {
        throw new IllegalArgumentException("retryBaseDelay must be >= 0 (was " + baseDelay + ")");
      }
      if (maxDelay.compareTo(baseDelay) < 0) {
        throw new IllegalArgumentException(
            "retryMaxDelay must be >= retryBaseDelay (was " + maxDelay + " < " + baseDelay + ")");
      }
      this.retryStrategy = strategy;
      this.retryBaseDelay = baseDelay;
      this.retryMaxDelay = maxDelay;
      return this;
    }

    /**
     * Sets how often one job may snooze: 0 to {@value JobPolicy#MAX_SNOOZES_LIMIT}.
     *
     * @param maxSnoozes the cap
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxSnoozes(int maxSnoozes) {
      this.maxSnoozes = checked("maxSnoozes", maxSnoozes, 0, MAX_SNOOZES_LIMIT);
      return this;
    }

    /**
     * Sets how many of the handler's jobs with one concurrency key may run at once in their queue,
     * across all nodes: 1 to {@value JobPolicy#MAX_RUNNING_PER_KEY_LIMIT}.
     *
     * @param maxRunningPerKey the limit
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxRunningPerKey(int maxRunningPerKey) {
      this.maxRunningPerKey =
          checked("maxRunningPerKey", maxRunningPerKey, 1, MAX_RUNNING_PER_KEY_LIMIT);
      return this;
    }

    /** {@return the policy} */
    public JobPolicy build() {
      return new JobPolicy(this);
    }

    private static int checked(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            name + " must be between " + min + " and " + max + " (was " + value + ")");
      }
      return value;
    }
  }
}
