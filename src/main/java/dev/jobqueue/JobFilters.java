package dev.jobqueue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which jobs {@link JobQueueManager#getJobs(JobFilters)} returns. Every filter is optional; filters
 * combine with AND. Results are newest first (by creation time, then id).
 *
 * <p>Values are checked when set or built, and every value reaches the database as a bound
 * parameter. Immutable and thread-safe.
 *
 * <pre>{@code
 * JobFilters filters = JobFilters.builder()
 *     .status(JobStatus.PENDING)
 *     .type("email-notification")
 *     .payloadContains(Map.of("userId", "user123"))
 *     .limit(50)
 *     .build();
 * }</pre>
 */
public final class JobFilters {

  /** The limit when none is set. */
  public static final int DEFAULT_LIMIT = 100;

  /** The largest limit accepted. */
  public static final int MAX_LIMIT = 1_000;

  /** The largest offset accepted. Page by {@code createdBefore} to go deeper. */
  public static final int MAX_OFFSET = 1_000_000;

  private static final JobFilters ALL = builder().build();

  private final JobStatus status;
  private final String type;
  private final JobPriority priority;
  private final Instant createdAfter;
  private final Instant createdBefore;
  private final Map<String, Object> payloadContains;
  private final int limit;
  private final int offset;

  private JobFilters(Builder builder) {
    this.status = builder.status;
    this.type = builder.type;
    this.priority = builder.priority;
    this.createdAfter = builder.createdAfter;
    this.createdBefore = builder.createdBefore;
    this.payloadContains =
        builder.payloadContains == null
            ? null
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.payloadContains));
    this.limit = builder.limit;
    this.offset = builder.offset;
  }

  /**
   * No filter: the newest {@value #DEFAULT_LIMIT} jobs.
   *
   * @return the filters
   */
  public static JobFilters all() {
    return ALL;
  }

  /**
   * Starts building filters.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The status filter.
   *
   * @return the status, or empty for any
   */
  public Optional<JobStatus> status() {
    return Optional.ofNullable(status);
  }

  /**
   * The type filter.
   *
   * @return the type, or empty for any
   */
  public Optional<String> type() {
    return Optional.ofNullable(type);
  }

  /**
   * The priority filter.
   *
   * @return the priority, or empty for any
   */
  public Optional<JobPriority> priority() {
    return Optional.ofNullable(priority);
  }

  /**
   * Only jobs created at or after this instant.
   *
   * @return the lower bound (inclusive), or empty
   */
  public Optional<Instant> createdAfter() {
    return Optional.ofNullable(createdAfter);
  }

  /**
   * Only jobs created strictly before this instant.
   *
   * @return the upper bound (exclusive), or empty
   */
  public Optional<Instant> createdBefore() {
    return Optional.ofNullable(createdBefore);
  }

  /**
   * A JSON object the payload must contain (PostgreSQL's {@code @>}).
   *
   * @return the object, or empty
   */
  public Optional<Map<String, Object>> payloadContains() {
    return Optional.ofNullable(payloadContains);
  }

  /**
   * The most jobs to return.
   *
   * @return 1 to {@value #MAX_LIMIT}; {@value #DEFAULT_LIMIT} unless set
   */
  public int limit() {
    return limit;
  }

  /**
   * How many matching jobs to skip.
   *
   * @return 0 to {@value #MAX_OFFSET}; 0 unless set
   */
  public int offset() {
    return offset;
  }

  @Override
  public String toString() {
    return "JobFilters[status="
        + status
        + ", type="
        + type
        + ", priority="
        + priority
        + ", createdAfter="
        + createdAfter
        + ", createdBefore="
        + createdBefore
        + ", payloadContains="
        + (payloadContains == null ? null : payloadContains.keySet())
        + ", limit="
        + limit
        + ", offset="
        + offset
        + "]";
  }

  /** Builds {@link JobFilters}. Not thread-safe. */
  public static final class Builder {
    private JobStatus status;
    private String type;
    private JobPriority priority;
    private Instant createdAfter;
    private Instant createdBefore;
    private Map<String, ?> payloadContains;
    private int limit = DEFAULT_LIMIT;
    private int offset;

    private Builder() {}

    /**
     * Only jobs in this status.
     *
     * @param status the status
     * @return this builder
     */
    public Builder status(JobStatus status) {
      this.status = Objects.requireNonNull(status, "status must not be null");
      return this;
    }

    /**
     * Only jobs of this type.
     *
     * @param type a well-formed job type name
     * @return this builder
     * @throws IllegalArgumentException if the name is malformed
     */
    public Builder type(String type) {
      if (!JobHandlerRegistry.isValidTypeName(type)) {
        throw new IllegalArgumentException(
            "type filter must match "
                + JobHandlerRegistry.TYPE_PATTERN.pattern()
                + " (was "
                + (type == null ? "null" : "'" + type + "'")
                + ")");
      }
      this.type = type;
      return this;
    }

    /**
     * Only jobs with this priority.
     *
     * @param priority the priority
     * @return this builder
     */
    public Builder priority(JobPriority priority) {
      this.priority = Objects.requireNonNull(priority, "priority must not be null");
      return this;
    }

    /**
     * Only jobs created at or after this instant.
     *
     * @param createdAfter the lower bound, inclusive
     * @return this builder
     */
    public Builder createdAfter(Instant createdAfter) {
      this.createdAfter = Objects.requireNonNull(createdAfter, "createdAfter must not be null");
      return this;
    }

    /**
     * Only jobs created strictly before this instant.
     *
     * @param createdBefore the upper bound, exclusive
     * @return this builder
     */
    public Builder createdBefore(Instant createdBefore) {
      this.createdBefore = Objects.requireNonNull(createdBefore, "createdBefore must not be null");
      return this;
    }

    /**
     * Only jobs whose payload contains this JSON object, for example {@code Map.of("userId",
     * "user123")}. Nested maps and lists match as PostgreSQL's {@code jsonb @>} does. The object is
     * checked like a payload when the query runs.
     *
     * @param payloadContains the object to contain
     * @return this builder
     */
    public Builder payloadContains(Map<String, ?> payloadContains) {
      this.payloadContains =
          Objects.requireNonNull(payloadContains, "payloadContains must not be null");
      return this;
    }

    /**
     * The most jobs to return.
     *
     * @param limit 1 to {@value #MAX_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder limit(int limit) {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "limit must be between 1 and " + MAX_LIMIT + " (was " + limit + ")");
      }
      this.limit = limit;
      return this;
    }

    /**
     * How many matching jobs to skip.
     *
     * @param offset 0 to {@value #MAX_OFFSET}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder offset(int offset) {
      if (offset < 0 || offset > MAX_OFFSET) {
        throw new IllegalArgumentException(
            "offset must be between 0 and " + MAX_OFFSET + " (was " + offset + ")");
      }
      this.offset = offset;
      return this;
    }

    /**
     * Builds the filters.
     *
     * @return the filters
     * @throws IllegalArgumentException if {@code createdAfter} is later than {@code createdBefore}
     */
    public JobFilters build() {
      if (createdAfter != null && createdBefore != null && createdAfter.isAfter(createdBefore)) {
        throw new IllegalArgumentException(
            "createdAfter must not be later than createdBefore (was "
                + createdAfter
                + " > "
                + createdBefore
                + ")");
      }
      return new JobFilters(this);
    }
  }
}
