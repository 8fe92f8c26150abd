package dev.jobqueue;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A queue a node serves: its name, this node's workers for it, and optionally the queue's
 * cluster-wide {@link QueueLimits}. Each queue a node serves has workers of its own, between {@code
 * minWorkers} and {@code maxWorkers}; without them set, the configured {@code minWorkers} and
 * {@code maxWorkers} apply. Immutable and thread-safe.
 *
 * <pre>{@code
 * JobQueueConfig config = JobQueueConfig.builder()
 *     .queues(QueueOptions.of("default"),
 *             QueueOptions.builder("emails").maxWorkers(4).build(),
 *             QueueOptions.builder("payments")
 *                 .maxWorkers(2)
 *                 .limits(QueueLimits.builder().maxRunningPerKey(1).build())
 *                 .build())
 *     .build();
 * }</pre>
 *
 * <p>In the environment ({@code JOB_QUEUE_QUEUES}), a list of {@code name} or {@code
 * name:maxWorkers}, separated by commas: {@code default,emails:4,payments:2}. Limits are set in
 * code, or with {@link JobQueueManager#setQueueLimits(String, QueueLimits)}.
 */
public final class QueueOptions {

  /** The largest {@code maxWorkers} of one queue. */
  public static final int MAX_WORKERS_LIMIT = 10_000;

  /**
   * What a queue name must look like: a lower-case letter, then up to 62 lower-case letters,
   * digits, {@code _} or {@code -}.
   */
  public static final Pattern NAME_PATTERN = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

  private static final Pattern TEXT = Pattern.compile("([^:]*)(?::(\\d{1,9}))?");

  private final String name;
  private final Integer minWorkers;
  private final Integer maxWorkers;
  private final QueueLimits limits;

  private QueueOptions(Builder builder) {
    this.name = builder.name;
    this.minWorkers = builder.minWorkers;
    this.maxWorkers = builder.maxWorkers;
    this.limits = builder.limits;
  }

  /**
   * A queue with the configured workers and no limits of its own.
   *
   * @param name a name matching {@link QueueOptions#NAME_PATTERN}
   * @return the options
   * @throws IllegalArgumentException if the name does not match
   */
  public static QueueOptions of(String name) {
    return builder(name).build();
  }

  /**
   * Starts building options.
   *
   * @param name a name matching {@link QueueOptions#NAME_PATTERN}
   * @return a builder
   * @throws IllegalArgumentException if the name does not match
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Reads the environment's form, {@code name} or {@code name:maxWorkers}.
   *
   * @param text the text
   * @return the options
   * @throws IllegalArgumentException naming the text, if it is malformed
   */
  public static QueueOptions parse(String text) {
    Matcher matcher = TEXT.matcher(text.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "a queue must be written name or name:maxWorkers (was '" + text + "')");
    }
    Builder builder = builder(matcher.group(1));
    if (matcher.group(2) != null) {
      builder.maxWorkers(Integer.parseInt(matcher.group(2)));
    }
    return builder.build();
  }

  /** {@return the queue's name} */
  public String name() {
    return name;
  }

  /** {@return this node's most workers for the queue, if not the configured maxWorkers} */
  public OptionalInt maxWorkers() {
    return maxWorkers == null ? OptionalInt.empty() : OptionalInt.of(maxWorkers);
  }

  /**
   * {@return this node's workers kept for the queue when idle, if not the configured minWorkers}
   */
  public OptionalInt minWorkers() {
    return minWorkers == null ? OptionalInt.empty() : OptionalInt.of(minWorkers);
  }

  /**
   * The limits this node writes for the queue when it starts serving it. Empty leaves the stored
   * limits as they are.
   *
   * @return the limits, or empty
   */
  public Optional<QueueLimits> limits() {
    return Optional.ofNullable(limits);
  }

  /** {@return the environment's form when there are no limits, else a description} */
  @Override
  public String toString() {
    String text = maxWorkers == null ? name : name + ":" + maxWorkers;
    if (minWorkers != null) {
      text += " (min " + minWorkers + ")";
    }
    return limits == null ? text : text + " " + limits;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof QueueOptions that
        && name.equals(that.name)
        && Objects.equals(minWorkers, that.minWorkers)
        && Objects.equals(maxWorkers, that.maxWorkers)
        && Objects.equals(limits, that.limits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, minWorkers, maxWorkers, limits);
  }

  /** Builds {@link QueueOptions}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private Integer minWorkers;
    private Integer maxWorkers;
    private QueueLimits limits;

    private Builder(String name) {
      Objects.requireNonNull(name, "queue name must not be null");
      if (!QueueOptions.NAME_PATTERN.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "queue name must match "
                + QueueOptions.NAME_PATTERN.pattern()
                + " (was '"
                + name
                + "')");
      }
      this.name = name;
    }

    /**
     * Sets this node's most workers for the queue.
     *
     * @param maxWorkers 1 to {@value QueueOptions#MAX_WORKERS_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxWorkers(int maxWorkers) {
      if (maxWorkers < 1 || maxWorkers > MAX_WORKERS_LIMIT) {
        throw new IllegalArgumentException(
            "maxWorkers of queue "
                + name
                + " must be between 1 and "
                + MAX_WORKERS_LIMIT
                + " (was "
                + maxWorkers
                + ")");
      }
      this.maxWorkers = maxWorkers;
      return this;
    }

    /**
     * Sets this node's workers kept for the queue when idle.
     *
     * @param minWorkers 0 to {@value QueueOptions#MAX_WORKERS_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder minWorkers(int minWorkers) {
      if (minWorkers < 0 || minWorkers > MAX_WORKERS_LIMIT) {
        throw new IllegalArgumentException(
            "minWorkers of queue "
                + name
                + " must be between 0 and "
                + MAX_WORKERS_LIMIT
                + " (was "
                + minWorkers
                + ")");
      }
      this.minWorkers = minWorkers;
      return this;
    }

    /**
     * Sets the limits this node writes for the queue when it starts serving it.
     *
     * @param limits the limits; {@link QueueLimits#none()} removes the stored ones
     * @return this builder
     */
    public Builder limits(QueueLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits must not be null");
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException if {@code minWorkers} is above {@code maxWorkers}
     */
    public QueueOptions build() {
      if (minWorkers != null && maxWorkers != null && minWorkers > maxWorkers) {
        throw new IllegalArgumentException(
            "minWorkers of queue "
                + name
                + " must be <= its maxWorkers (was "
                + minWorkers
                + " > "
                + maxWorkers
                + ")");
      }
      return new QueueOptions(this);
    }
  }
}
