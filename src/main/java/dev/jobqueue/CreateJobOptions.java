package dev.jobqueue;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What to enqueue: a job type, its payload, and optional overrides of the configured defaults.
 *
 * <p>The options are checked when the job is created, not when they are built: {@code createJob}
 * throws a {@link JobValidationException} naming every field that is out of range. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * CreateJobOptions options = CreateJobOptions.builder("email-notification", payload)
 *     .priority(JobPriority.HIGH)
 *     .maxRetries(5)
 *     .scheduledAt(Instant.now().plusSeconds(3600))
 *     .build();
 * }</pre>
 */
public final class CreateJobOptions {

  /** The largest {@code maxRetries} a job may have. */
  public static final int MAX_RETRIES_LIMIT = 1_000;

  /** The largest {@code timeoutSeconds} a job may have: 7 days. */
  public static final int MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

  private final String type;
  private final Object payload;
  private final JobPriority priority;
  private final Integer maxRetries;
  private final Integer timeoutSeconds;
  private final Instant scheduledAt;
  private final String queue;
  private final String concurrencyKey;
  private final UniqueOptions unique;

  private CreateJobOptions(Builder builder) {
    this.type = builder.type;
    this.payload = builder.payload;
    this.priority = builder.priority;
    this.maxRetries = builder.maxRetries;
    this.timeoutSeconds = builder.timeoutSeconds;
    this.scheduledAt = builder.scheduledAt;
    this.queue = builder.queue;
    this.concurrencyKey = builder.concurrencyKey;
    this.unique = builder.unique;
  }

  /**
   * Options with every default: normal priority, the configured retries and timeout, due now.
   *
   * @param type the job type
   * @param payload the payload: an instance of the handler's payload class, a {@code Map}, or any
   *     object Jackson serializes to a JSON object
   * @return the options
   */
  public static CreateJobOptions of(String type, Object payload) {
    return builder(type, payload).build();
  }

  /**
   * Starts building options.
   *
   * @param type the job type
   * @param payload the payload; see {@link #of(String, Object)}
   * @return a builder
   */
  public static Builder builder(String type, Object payload) {
    return new Builder(type, payload);
  }

  /**
   * The job type.
   *
   * @return the type, never null
   */
  public String type() {
    return type;
  }

  /**
   * The payload as given.
   *
   * @return the payload, never null
   */
  public Object payload() {
    return payload;
  }

  /**
   * The priority.
   *
   * @return the priority; {@link JobPriority#NORMAL} unless set
   */
  public JobPriority priority() {
    return priority;
  }

  /**
   * The retry budget, if set; otherwise the configured {@code defaultMaxRetries} applies.
   *
   * @return the override, or empty
   */
  public OptionalInt maxRetries() {
    return maxRetries == null ? OptionalInt.empty() : OptionalInt.of(maxRetries);
  }

  /**
   * The per-attempt timeout in seconds, if set; otherwise the configured {@code
   * defaultTimeoutSeconds} applies.
   *
   * @return the override, or empty
   */
  public OptionalInt timeoutSeconds() {
    return timeoutSeconds == null ? OptionalInt.empty() : OptionalInt.of(timeoutSeconds);
  }

  /**
   * When the job may first run, if set; otherwise it is due at once (by the database clock).
   *
   * @return the scheduled time, or empty
   */
  public Optional<Instant> scheduledAt() {
    return Optional.ofNullable(scheduledAt);
  }

  /**
   * The queue to run in, if set; otherwise the handler's {@link JobPolicy#queue()} applies, and
   * without one the {@value JobQueueConfig#DEFAULT_QUEUE} queue.
   *
   * @return the queue name, or empty
   */
  public Optional<String> queue() {
    return Optional.ofNullable(queue);
  }

  /**
   * The concurrency key, if set: jobs of one queue with the same key count together against the
   * queue's (or their type's) per-key limits, for example {@code "tenant:42"}.
   *
   * @return the key, or empty
   */
  public Optional<String> concurrencyKey() {
    return Optional.ofNullable(concurrencyKey);
  }

  /**
   * What makes the job unique, if set: while another job of the type holds the same key, nothing is
   * created and the call returns that job's id (or, with {@link UniqueOptions#replacingPending()},
   * updates it).
   *
   * @return the unique options, or empty
   */
  public Optional<UniqueOptions> unique() {
    return Optional.ofNullable(unique);
  }

  @Override
  public String toString() {
    // The payload is left out on purpose: it may carry personal data.
    return "CreateJobOptions[type="
        + type
        + ", priority="
        + priority
        + ", maxRetries="
        + maxRetries
        + ", timeoutSeconds="
        + timeoutSeconds
        + ", scheduledAt="
        + scheduledAt
        + ", queue="
        + queue
        + ", concurrencyKey="
        + concurrencyKey
        + (unique == null ? "" : ", unique=" + unique)
        + "]";
  }

  /** Builds {@link CreateJobOptions}. Not thread-safe. */
  public static final class Builder {
    private final String type;
    private final Object payload;
    private JobPriority priority = JobPriority.NORMAL;
    private Integer maxRetries;
    private Integer timeoutSeconds;
    private Instant scheduledAt;
    private String queue;
    private String concurrencyKey;
    private UniqueOptions unique;

    private Builder(String type, Object payload) {
      this.type = Objects.requireNonNull(type, "type must not be null");
      this.payload = Objects.requireNonNull(payload, "payload must not be null");
    }

    /**
     * Sets the priority.
     *
     * @param priority the priority; default {@link JobPriority#NORMAL}
     * @return this builder
     */
    public Builder priority(JobPriority priority) {
      this.priority = Objects.requireNonNull(priority, "priority must not be null");
      return this;
    }

    /**
     * Sets how many retries the job may use after its first attempt: 0 to {@value
     * #MAX_RETRIES_LIMIT}.
     *
     * @param maxRetries the retry budget
     * @return this builder
     */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * Sets how long one attempt may run before it is interrupted: 1 to {@value
     * #MAX_TIMEOUT_SECONDS} seconds.
     *
     * @param timeoutSeconds the timeout in seconds
     * @return this builder
     */
    public Builder timeoutSeconds(int timeoutSeconds) {
      this.timeoutSeconds = timeoutSeconds;
      return this;
    }

    /**
     * Sets when the job may first run. A time in the past means "due now". The database clock
     * decides when the time has come.
     *
     * @param scheduledAt the time
     * @return this builder
     */
    public Builder scheduledAt(Instant scheduledAt) {
      this.scheduledAt = Objects.requireNonNull(scheduledAt, "scheduledAt must not be null");
      return this;
    }

    /**
     * Sets the queue the job runs in. A name is a lower-case letter followed by up to 62 lower-case
     * letters, digits, {@code _} or {@code -}; {@code createJob} rejects any other.
     *
     * @param queue the queue name; default: the handler's {@link JobPolicy#queue()}, else {@value
     *     JobQueueConfig#DEFAULT_QUEUE}
     * @return this builder
     */
    public Builder queue(String queue) {
      this.queue = Objects.requireNonNull(queue, "queue must not be null");
      return this;
    }

    /**
     * Sets the concurrency key: at most the configured number of jobs with one key run at once in
     * the job's queue, across all nodes. 1 to 255 characters.
     *
     * @param concurrencyKey the key, for example {@code "tenant:42"}
     * @return this builder
     */
    public Builder concurrencyKey(String concurrencyKey) {
      this.concurrencyKey =
          Objects.requireNonNull(concurrencyKey, "concurrencyKey must not be null");
      return this;
    }

    /**
     * Makes the job unique by a key: see {@link UniqueOptions}. {@code createJob} checks the key
     * and the options.
     *
     * <pre>{@code
     * .unique(UniqueOptions.byPayload("accountId"))
     * }</pre>
     *
     * @param unique the key and the states that count
     * @return this builder
     */
    public Builder unique(UniqueOptions unique) {
      this.unique = Objects.requireNonNull(unique, "unique must not be null");
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public CreateJobOptions build() {
      return new CreateJobOptions(this);
    }
  }
}
