package dev.jobqueue;

import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.store.JobRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of one job as stored, read by {@link JobQueueManager#getJob(String)} or {@link
 * JobQueueManager#getJobs(JobFilters)}. All times are from the database clock. Immutable and
 * thread-safe; it does not change when the job does.
 */
public final class Job {
  private final String id;
  private final String type;
  private final JobStatus status;
  private final JobPriority priority;
  private final String payloadJson;
  private final String resultJson;
  private final String errorMessage;
  private final List<JobError> errors;
  private final int retryCount;
  private final int maxRetries;
  private final int attempt;
  private final int timeoutSeconds;
  private final Instant createdAt;
  private final Instant updatedAt;
  private final Instant scheduledAt;
  private final Instant startedAt;
  private final Instant completedAt;
  private final String queue;
  private final String concurrencyKey;
  private final int snoozeCount;
  private final String uniqueKey;
  private final String scheduleName;
  private final Instant occurrenceAt;
  private final Instant runAt;
  private final String lockedBy;
  private final Instant leaseExpiresAt;
  private final JobProgress progress;

  private Job(JobRecord row) {
    this.id = Long.toString(row.id());
    this.type = row.type();
    this.status = JobStatus.fromWireName(row.status());
    this.priority = JobPriority.fromRank(row.priority());
    this.payloadJson = row.payloadJson();
    this.resultJson = row.resultJson();
    this.errorMessage = row.errorMessage();
    this.errors = Json.readErrors(row.errorsJson());
    this.retryCount = row.retryCount();
    this.maxRetries = row.maxRetries();
    this.attempt = row.attempt();
    this.timeoutSeconds = row.timeoutSeconds();
    this.createdAt = row.createdAt();
    this.updatedAt = row.updatedAt();
    this.scheduledAt = row.scheduledAt();
    this.startedAt = row.startedAt();
    this.completedAt = row.completedAt();
    this.queue = row.queue();
    this.concurrencyKey = row.concurrencyKey();
    this.snoozeCount = row.snoozeCount();
    this.uniqueKey = row.uniqueKey();
    this.scheduleName = row.scheduleName();
    this.occurrenceAt = row.occurrenceAt();
    this.runAt = row.runAt();
    this.lockedBy = row.lockedBy();
    this.leaseExpiresAt = row.leaseExpiresAt();
    this.progress =
        row.progressPercent() == null
            ? null
            : new JobProgress(
                row.progressPercent(),
                row.progressMessage() == null ? "" : row.progressMessage(),
                row.progressAt());
  }

  static Job from(JobRecord row) {
    return new Job(row);
  }

  /**
   * The job's id, as returned by {@code createJob}.
   *
   * @return the id: a positive decimal number
   */
  public String id() {
    return id;
  }

  /**
   * The job's type.
   *
   * @return the type
   */
  public String type() {
    return type;
  }

  /**
   * The job's state.
   *
   * @return the status
   */
  public JobStatus status() {
    return status;
  }

  /**
   * The job's priority.
   *
   * @return the priority
   */
  public JobPriority priority() {
    return priority;
  }

  /**
   * The queue the job runs in: the one {@code createJob} named, else its handler's policy's, else
   * {@value JobQueueConfig#DEFAULT_QUEUE}.
   *
   * @return the queue name
   */
  public String queue() {
    return queue;
  }

  /**
   * The key the job counts against in its queue's per-key limits.
   *
   * @return the key, or empty when {@code createJob} gave none
   */
  public Optional<String> concurrencyKey() {
    return Optional.ofNullable(concurrencyKey);
  }

  /**
   * The payload decoded as a JSON object: maps, lists, strings, numbers, booleans and nulls. A new
   * map is decoded on each call.
   *
   * @return the payload
   */
  public Map<String, Object> payload() {
    return Json.readMap(payloadJson);
  }

  /**
   * The payload converted to a class.
   *
   * @param type the class to convert to
   * @param <T> the class
   * @return the converted payload
   * @throws JobQueueException if the payload does not convert
   */
  public <T> T payloadAs(Class<T> type) {
    return Json.read(payloadJson, type, "payload of job " + id);
  }

  /**
   * The payload as stored, in JSON.
   *
   * @return the JSON text
   */
  public String payloadJson() {
    return payloadJson;
  }

  /**
   * The handler's result as stored, in JSON.
   *
   * @return the JSON text, or empty when there is none (yet)
   */
  public Optional<String> resultJson() {
    return Optional.ofNullable(resultJson);
  }

  /**
   * The handler's result converted to a class.
   *
   * @param type the class to convert to
   * @param <T> the class
   * @return the converted result, or empty when there is none
   * @throws JobQueueException if the result does not convert
   */
  public <T> Optional<T> resultAs(Class<T> type) {
    return resultJson == null
        ? Optional.empty()
        : Optional.ofNullable(Json.read(resultJson, type, "result of job " + id));
  }

  /**
   * The message of the latest failed attempt.
   *
   * @return the message, or empty when no attempt has failed
   */
  public Optional<String> errorMessage() {
    return Optional.ofNullable(errorMessage);
  }

  /**
   * Every failed attempt, oldest first.
   *
   * @return an unmodifiable list, empty when no attempt has failed
   */
  public List<JobError> errors() {
    return errors;
  }

  /**
   * How many retries the job has used.
   *
   * @return 0 until the first retry
   */
  public int retryCount() {
    return retryCount;
  }

  /**
   * How many retries the job may use after its first attempt.
   *
   * @return the retry budget
   */
  public int maxRetries() {
    return maxRetries;
  }

  /**
   * How many attempts have started.
   *
   * @return 0 until the job first runs
   */
  public int attempt() {
    return attempt;
  }

  /**
   * How often a handler snoozed the job ({@link SnoozeJobException}). Snoozes spend no retry, so
   * they are not in {@link #retryCount()}; each snoozed run counts in {@link #attempt()}.
   *
   * @return 0 until the first snooze
   */
  public int snoozeCount() {
    return snoozeCount;
  }

  /**
   * How long one attempt may run.
   *
   * @return the timeout in seconds
   */
  public int timeoutSeconds() {
    return timeoutSeconds;
  }

  /**
   * When the job was created.
   *
   * @return the creation time
   */
  public Instant createdAt() {
    return createdAt;
  }

  /**
   * When the job last changed.
   *
   * @return the update time
   */
  public Instant updatedAt() {
    return updatedAt;
  }

  /**
   * When the job was scheduled to run: the requested time, or its creation time.
   *
   * @return the scheduled time
   */
  public Instant scheduledAt() {
    return scheduledAt;
  }

  /**
   * When the latest attempt started.
   *
   * @return the start time, or empty before the first attempt
   */
  public Optional<Instant> startedAt() {
    return Optional.ofNullable(startedAt);
  }

  /**
   * When the job reached a terminal state.
   *
   * @return the completion time, or empty while it is pending or running
   */
  public Optional<Instant> completedAt() {
    return Optional.ofNullable(completedAt);
  }

  /**
   * The unique key the job was created with (see {@link UniqueOptions}), as stored: a given key, or
   * the canonical JSON of payload fields, either with a time bucket, or {@code sha256:} and a
   * digest. The job holds it only while it is in one of the states its options count.
   *
   * @return the key, or empty for a job created without one, or one that gave it up to a later job
   */
  public Optional<String> uniqueKey() {
    return Optional.ofNullable(uniqueKey);
  }

  /**
   * The schedule whose occurrence created the job ({@link Schedule}).
   *
   * @return the schedule's name, or empty for a job created by {@code createJob}
   */
  public Optional<String> scheduleName() {
    return Optional.ofNullable(scheduleName);
  }

  /**
   * The time of the schedule's occurrence the job stands for, by the database clock.
   *
   * @return the occurrence's time, or empty for a job created by {@code createJob}
   */
  public Optional<Instant> occurrenceAt() {
    return Optional.ofNullable(occurrenceAt);
  }

  /**
   * When the job may next be claimed: its scheduled time at first, then the time its retry or
   * snooze waits for; for a running job, when its attempt was claimed.
   *
   * @return the time, by the database clock
   */
  public Instant runAt() {
    return runAt;
  }

  /**
   * The node whose worker holds the job, while it runs.
   *
   * @return the node's id, or empty when the job is not running
   */
  public Optional<String> lockedBy() {
    return Optional.ofNullable(lockedBy);
  }

  /**
   * When the running attempt's lease ends unless its node renews it.
   *
   * @return the time, or empty when the job is not running
   */
  public Optional<Instant> leaseExpiresAt() {
    return Optional.ofNullable(leaseExpiresAt);
  }

  /**
   * The progress its handler last reported ({@link JobContext#reportProgress}), kept after the job
   * ends.
   *
   * @return the progress, or empty when none was reported
   */
  public Optional<JobProgress> progress() {
    return Optional.ofNullable(progress);
  }

  @Override
  public String toString() {
    return "Job[id="
        + id
        + ", type="
        + type
        + ", status="
        + status.wireName()
        + ", priority="
        + priority.wireName()
        + ", attempt="
        + attempt
        + ", retryCount="
        + retryCount
        + "/"
        + maxRetries
        + "]";
  }
}
