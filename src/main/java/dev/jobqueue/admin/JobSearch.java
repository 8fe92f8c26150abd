package dev.jobqueue.admin;

import dev.jobqueue.JobPriority;
import dev.jobqueue.JobStatus;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which jobs {@link JobQueueAdmin#findJobs}, {@link JobQueueAdmin#countJobs} and a {@link
 * JobSelection} look at. Every filter is optional; the ones given must all match. Pages are read
 * newest first ({@code created_at}, then id), and {@link #cursor()} continues after the last job of
 * the previous page, so a page costs the same however deep it is.
 *
 * <p>Immutable; build with {@link #builder()}. The builder checks every value and names it in its
 * error.
 */
public final class JobSearch {
  /** The page size when none is given. */
  public static final int DEFAULT_LIMIT = 50;

  /** The largest page. */
  public static final int MAX_LIMIT = 500;

  /** The longest type or queue name accepted as a filter. */
  public static final int MAX_NAME_LENGTH = 255;

  private final Set<JobStatus> statuses;
  private final String type;
  private final String queue;
  private final JobPriority priority;
  private final Instant createdAfter;
  private final Instant createdBefore;
  private final String payloadContainsJson;
  private final JobCursor cursor;
  private final int limit;

  private JobSearch(Builder b) {
    this.statuses = Collections.unmodifiableSet(EnumSet.copyOf(b.statuses));
    this.type = b.type;
    this.queue = b.queue;
    this.priority = b.priority;
    this.createdAfter = b.createdAfter;
    this.createdBefore = b.createdBefore;
    this.payloadContainsJson = b.payloadContainsJson;
    this.cursor = b.cursor;
    this.limit = b.limit;
  }

  /**
   * Every job, first page, {@value #DEFAULT_LIMIT} per page.
   *
   * @return the search
   */
  public static JobSearch all() {
    return builder().build();
  }

  /**
   * Starts a search.
   *
   * @return a builder with no filter
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this search's values, to change some.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.statuses = statuses.isEmpty() ? EnumSet.noneOf(JobStatus.class) : EnumSet.copyOf(statuses);
    b.type = type;
    b.queue = queue;
    b.priority = priority;
    b.createdAfter = createdAfter;
    b.createdBefore = createdBefore;
    b.payloadContainsJson = payloadContainsJson;
    b.cursor = cursor;
    b.limit = limit;
    return b;
  }

  /**
   * The statuses to match.
   *
   * @return the statuses; empty matches every status
   */
  public Set<JobStatus> statuses() {
    return statuses;
  }

  /**
   * The job type to match.
   *
   * @return the type, or empty
   */
  public Optional<String> type() {
    return Optional.ofNullable(type);
  }

  /**
   * The queue to match.
   *
   * @return the queue, or empty
   */
  public Optional<String> queue() {
    return Optional.ofNullable(queue);
  }

  /**
   * The priority to match.
   *
   * @return the priority, or empty
   */
  public Optional<JobPriority> priority() {
    return Optional.ofNullable(priority);
  }

  /**
   * Inclusive lower bound on the creation time.
   *
   * @return the bound, or empty
   */
  public Optional<Instant> createdAfter() {
    return Optional.ofNullable(createdAfter);
  }

  /**
   * Exclusive upper bound on the creation time.
   *
   * @return the bound, or empty
   */
  public Optional<Instant> createdBefore() {
    return Optional.ofNullable(createdBefore);
  }

  /**
   * A JSON object the payload must contain ({@code @>} in PostgreSQL).
   *
   * @return the JSON text, or empty
   */
  public Optional<String> payloadContainsJson() {
    return Optional.ofNullable(payloadContainsJson);
  }

  /**
   * Where the page starts: after the job this cursor was taken from.
   *
   * @return the cursor, or empty for the first page
   */
  public Optional<JobCursor> cursor() {
    return Optional.ofNullable(cursor);
  }

  /**
   * The most jobs a page holds.
   *
   * @return 1 to {@value #MAX_LIMIT}
   */
  public int limit() {
    return limit;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JobSearch other
        && statuses.equals(other.statuses)
        && Objects.equals(type, other.type)
        && Objects.equals(queue, other.queue)
        && priority == other.priority
        && Objects.equals(createdAfter, other.createdAfter)
        && Objects.equals(createdBefore, other.createdBefore)
        && Objects.equals(payloadContainsJson, other.payloadContainsJson)
        && Objects.equals(cursor, other.cursor)
        && limit == other.limit;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        statuses,
        type,
        queue,
        priority,
        createdAfter,
        createdBefore,
        payloadContainsJson,
        cursor,
        limit);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("JobSearch[");
    if (!statuses.isEmpty()) {
      s.append("statuses=").append(statuses).append(", ");
    }
    append(s, "type", type);
    append(s, "queue", queue);
    append(s, "priority", priority);
    append(s, "createdAfter", createdAfter);
    append(s, "createdBefore", createdBefore);
    append(s, "payloadContains", payloadContainsJson);
    append(s, "cursor", cursor);
    return s.append("limit=").append(limit).append(']').toString();
  }

  private static void append(StringBuilder s, String name, Object value) {
    if (value != null) {
      s.append(name).append('=').append(value).append(", ");
    }
  }

  /** Builds a {@link JobSearch}; each setter checks its value. Not thread-safe. */
  public static final class Builder {
    private EnumSet<JobStatus> statuses = EnumSet.noneOf(JobStatus.class);
    private String type;
    private String queue;
    private JobPriority priority;
    private Instant createdAfter;
    private Instant createdBefore;
    private String payloadContainsJson;
    private JobCursor cursor;
    private int limit = DEFAULT_LIMIT;

    private Builder() {}

    /**
     * Matches jobs in any of these statuses.
     *
     * @param statuses the statuses; none matches every status
     * @return this builder
     */
    public Builder statuses(Set<JobStatus> statuses) {
      Objects.requireNonNull(statuses, "statuses must not be null");
      this.statuses =
          statuses.isEmpty() ? EnumSet.noneOf(JobStatus.class) : EnumSet.copyOf(statuses);
      return this;
    }

    /**
     * Matches jobs in this status.
     *
     * @param status the status, or null for every status
     * @return this builder
     */
    public Builder status(JobStatus status) {
      this.statuses = status == null ? EnumSet.noneOf(JobStatus.class) : EnumSet.of(status);
      return this;
    }

    /**
     * Matches jobs of this type.
     *
     * @param type the type, or null or blank for every type
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is longer than {@value
     *     #MAX_NAME_LENGTH} characters
     */
    public Builder type(String type) {
      this.type = name("type", type);
      return this;
    }

    /**
     * Matches jobs in this queue.
     *
     * @param queue the queue, or null or blank for every queue
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is longer than {@value
     *     #MAX_NAME_LENGTH} characters
     */
    public Builder queue(String queue) {
      this.queue = name("queue", queue);
      return this;
    }

    /**
     * Matches jobs with this priority.
     *
     * @param priority the priority, or null for every priority
     * @return this builder
     */
    public Builder priority(JobPriority priority) {
      this.priority = priority;
      return this;
    }

    /**
     * Matches jobs created at or after this time.
     *
     * @param createdAfter the bound, or null
     * @return this builder
     */
    public Builder createdAfter(Instant createdAfter) {
      this.createdAfter = createdAfter;
      return this;
    }

    /**
     * Matches jobs created before this time.
     *
     * @param createdBefore the bound, or null
     * @return this builder
     */
    public Builder createdBefore(Instant createdBefore) {
      this.createdBefore = createdBefore;
      return this;
    }

    /**
     * Matches jobs whose payload contains this JSON object: {@code {"customerId": 42}} matches
     * every payload with that member, whatever else it holds.
     *
     * @param json a JSON object, or null or blank for any payload
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is not a JSON object, or longer
     *     than 10,000 characters
     */
    public Builder payloadContainsJson(String json) {
      this.payloadContainsJson =
          json == null || json.isBlank() ? null : AdminQueries.requireObject(json);
      return this;
    }

    /**
     * Starts the page after the job this cursor was taken from.
     *
     * @param cursor a cursor from {@link JobPage#nextCursor()}, or null for the first page
     * @return this builder
     */
    public Builder cursor(JobCursor cursor) {
      this.cursor = cursor;
      return this;
    }

    /**
     * Sets the page size.
     *
     * @param limit 1 to {@value #MAX_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is out of range
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
     * Builds the search.
     *
     * @return the search
     * @throws IllegalArgumentException when {@code createdAfter} is not before {@code
     *     createdBefore}, naming both
     */
    public JobSearch build() {
      if (createdAfter != null && createdBefore != null && !createdAfter.isBefore(createdBefore)) {
        throw new IllegalArgumentException(
            "createdAfter must be before createdBefore (was "
                + createdAfter
                + " and "
                + createdBefore
                + ")");
      }
      return new JobSearch(this);
    }

    private static String name(String field, String value) {
      if (value == null || value.isBlank()) {
        return null;
      }
      String trimmed = value.trim();
      if (trimmed.length() > MAX_NAME_LENGTH) {
        throw new IllegalArgumentException(
            field
                + " must be at most "
                + MAX_NAME_LENGTH
                + " characters (was "
                + trimmed.length()
                + ")");
      }
      return trimmed;
    }
  }
}
