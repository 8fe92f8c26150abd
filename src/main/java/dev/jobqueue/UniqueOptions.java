package dev.jobqueue;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Makes a job unique: while one job of a type holds a key, {@code createJob} with the same key
 * creates nothing and returns the id of the job that holds it. Set with {@link
 * CreateJobOptions.Builder#unique(UniqueOptions)}.
 *
 * <pre>{@code
 * // At most one pending or running "sync-account" job per account:
 * CreateJobOptions.builder("sync-account", new Sync("acct-42"))
 *     .unique(UniqueOptions.byPayload("accountId"))
 *     .build();
 *
 * // At most one report per customer and day, even once it has completed:
 * CreateJobOptions.builder("daily-report", new Report("cust-7"))
 *     .unique(UniqueOptions.byKey("cust-7")
 *         .period(Duration.ofDays(1))
 *         .countingCompletedWithin(Duration.ofDays(1)))
 *     .build();
 *
 * // Debounce: a new request replaces the payload and run time of the pending one.
 * CreateJobOptions.builder("reindex", new Reindex("doc-9", 3))
 *     .scheduledAt(Instant.now().plusSeconds(30))
 *     .unique(UniqueOptions.byPayload("documentId").replacingPending())
 *     .build();
 * }</pre>
 *
 * <p><b>The key</b> is scoped to the job type: two types never share keys. It is either given
 * ({@link #byKey(String)}) or derived from the payload after its conversion to the handler's class
 * ({@link #byPayload(String...)}). A {@link #period(Duration) period} adds the time bucket of the
 * call to the key, so the key frees itself when the next bucket starts.
 *
 * <p><b>The states in which a job holds its key</b> are pending and running, always; {@link
 * #countingCompletedWithin(Duration)}, {@link #countingFailed()} and {@link #countingCancelled()}
 * add completed, failed and cancelled. They are stored with each job. A job that arrives with a key
 * held by a job in a state the arrival does not count (a completed job without {@code
 * countingCompletedWithin}, or completed longer ago than its duration) takes the key over: the old
 * job keeps its row and history, but no longer holds the key.
 *
 * <p>Uniqueness is enforced by a unique index in PostgreSQL, so it holds across every node and
 * transaction: of concurrent calls with one key exactly one creates the job. The values are checked
 * by {@code createJob}, which throws a {@link JobValidationException} naming {@code unique.key},
 * {@code unique.fields}, {@code unique.period} or {@code unique.completedWithin} and the value.
 *
 * <p>Immutable and thread-safe: every method that adds an option returns a new instance.
 */
public final class UniqueOptions {

  /** The longest key {@link #byKey(String)} accepts, and the longest key that is stored as is. */
  public static final int MAX_KEY_LENGTH = 255;

  private final String key;
  private final List<String> fields;
  private final Duration period;
  private final Duration completedWithin;
  private final boolean countingFailed;
  private final boolean countingCancelled;
  private final boolean replacingPending;

  private UniqueOptions(
      String key,
      List<String> fields,
      Duration period,
      Duration completedWithin,
      boolean countingFailed,
      boolean countingCancelled,
      boolean replacingPending) {
    this.key = key;
    this.fields = fields;
    this.period = period;
    this.completedWithin = completedWithin;
    this.countingFailed = countingFailed;
    this.countingCancelled = countingCancelled;
    this.replacingPending = replacingPending;
  }

  /**
   * A key given by the caller: 1 to {@value #MAX_KEY_LENGTH} characters, none of them a control
   * character. Stored as is, unless a {@link #period(Duration) period} is added to it.
   *
   * @param key the key, for example {@code "invoice:2024-117"}
   * @return the options
   */
  public static UniqueOptions byKey(String key) {
    return new UniqueOptions(
        Objects.requireNonNull(key, "key must not be null"),
        List.of(),
        null,
        null,
        false,
        false,
        false);
  }

  /**
   * A key derived from top-level fields of the payload, as converted to the handler's class (so a
   * {@code Map} and a record with the same values give the same key). With no fields, the whole
   * payload is the key. The derived key is the canonical JSON of the named fields (keys sorted, no
   * spaces, numbers without trailing zeros), for example {@code {"accountId":"acct-42"}}; a key
   * longer than {@value #MAX_KEY_LENGTH} characters is stored as {@code sha256:} and the hex digest
   * of that text. A field the payload lacks is refused; a field whose value is null counts as null.
   *
   * @param fields the names of top-level payload fields; none for the whole payload
   * @return the options
   */
  public static UniqueOptions byPayload(String... fields) {
    Objects.requireNonNull(fields, "fields must not be null");
    for (String field : fields) {
      Objects.requireNonNull(field, "fields must not contain null");
    }
    return new UniqueOptions(null, List.of(fields), null, null, false, false, false);
  }

  /**
   * Adds a time bucket to the key: jobs conflict only when created in the same bucket, {@code
   * floor(now / period)} counted from the epoch (UTC). With a period of one day, one job per key
   * and UTC day. The bucket is taken from this JVM's clock when {@code createJob} runs, unlike
   * schedules, which follow the database clock. The stored key ends with {@code @}, the bucket's
   * start and the period, for example {@code cust-7@2026-03-01T00:00:00Z/P1D} ({@code sha256:} and
   * its digest when that is longer than {@value #MAX_KEY_LENGTH} characters).
   *
   * @param period the bucket's length: 1 millisecond to 3650 days
   * @return new options with the bucket
   */
  public UniqueOptions period(Duration period) {
    return new UniqueOptions(
        key,
        fields,
        Objects.requireNonNull(period, "period must not be null"),
        completedWithin,
        countingFailed,
        countingCancelled,
        replacingPending);
  }

  /**
   * Also counts completed jobs with the key, as long as they completed within {@code within} (by
   * the database clock). A completed job older than that gives its key up to the next job that
   * arrives with it.
   *
   * @param within 1 millisecond to 3650 days
   * @return new options that count recently completed jobs
   */
  public UniqueOptions countingCompletedWithin(Duration within) {
    return new UniqueOptions(
        key,
        fields,
        period,
        Objects.requireNonNull(within, "within must not be null"),
        countingFailed,
        countingCancelled,
        replacingPending);
  }

  /**
   * Also counts failed jobs with the key: after a job with the key failed, no other is created
   * until it is retried with {@link JobQueueManager#retryJob(String)} and completes, or it is
   * deleted by retention.
   *
   * @return new options that count failed jobs
   */
  public UniqueOptions countingFailed() {
    return new UniqueOptions(
        key, fields, period, completedWithin, true, countingCancelled, replacingPending);
  }

  /**
   * Also counts cancelled jobs with the key, until they are deleted by retention.
   *
   * @return new options that count cancelled jobs
   */
  public UniqueOptions countingCancelled() {
    return new UniqueOptions(
        key, fields, period, completedWithin, countingFailed, true, replacingPending);
  }

  /**
   * Debounces instead of refusing: when a <em>pending</em> job holds the key, its payload and run
   * time ({@code scheduledAt}, due now when not set) are replaced by this job's, and the call
   * reports {@link EnqueueResult.Outcome#REPLACED} with that job's id. Its other options (priority,
   * retries, timeout, queue) stay as they were. A job that is already running, or in a counted
   * final state, is reported as a duplicate and left alone.
   *
   * @return new options that replace a pending job
   */
  public UniqueOptions replacingPending() {
    return new UniqueOptions(
        key, fields, period, completedWithin, countingFailed, countingCancelled, true);
  }

  /**
   * The key given to {@link #byKey(String)}.
   *
   * @return the key, or empty when it is derived from the payload
   */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }

  /**
   * The payload fields the key is derived from.
   *
   * @return an unmodifiable list, in the order given; empty for a given key or the whole payload
   */
  public List<String> fields() {
    return fields;
  }

  /**
   * Whether the key is derived from the payload.
   *
   * @return true for {@link #byPayload(String...)}
   */
  public boolean derivedFromPayload() {
    return key == null;
  }

  /**
   * The time bucket added to the key.
   *
   * @return the period, or empty
   */
  public Optional<Duration> period() {
    return Optional.ofNullable(period);
  }

  /**
   * How long completed jobs keep holding the key.
   *
   * @return the duration, or empty when completed jobs do not count
   */
  public Optional<Duration> completedWithin() {
    return Optional.ofNullable(completedWithin);
  }

  /**
   * The states in which a job with these options holds its key: always pending and running.
   *
   * @return an unmodifiable set
   */
  public Set<JobStatus> states() {
    EnumSet<JobStatus> states = EnumSet.of(JobStatus.PENDING, JobStatus.RUNNING);
    if (completedWithin != null) {
      states.add(JobStatus.COMPLETED);
    }
    if (countingFailed) {
      states.add(JobStatus.FAILED);
    }
    if (countingCancelled) {
      states.add(JobStatus.CANCELLED);
    }
    return Collections.unmodifiableSet(states);
  }

  /**
   * Whether a pending job with the key is replaced rather than reported as a duplicate.
   *
   * @return true after {@link #replacingPending()}
   */
  public boolean replacesPending() {
    return replacingPending;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof UniqueOptions o
        && Objects.equals(key, o.key)
        && fields.equals(o.fields)
        && Objects.equals(period, o.period)
        && Objects.equals(completedWithin, o.completedWithin)
        && countingFailed == o.countingFailed
        && countingCancelled == o.countingCancelled
        && replacingPending == o.replacingPending;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        key, fields, period, completedWithin, countingFailed, countingCancelled, replacingPending);
  }

  @Override
  public String toString() {
    return "UniqueOptions["
        + (key != null ? "key=" + key : "fields=" + Arrays.toString(fields.toArray()))
        + (period != null ? ", period=" + period : "")
        + ", states="
        + states()
        + (completedWithin != null ? ", completedWithin=" + completedWithin : "")
        + (replacingPending ? ", replacingPending" : "")
        + "]";
  }
}
