package dev.jobqueue;

import java.sql.Connection;
import java.time.Instant;
import java.util.Optional;

/**
 * What a running handler knows about the job it is executing.
 *
 * <p>An instance is created for one attempt and is valid only while {@link
 * JobHandler#execute(Object, JobContext)} runs. While it runs, the SLF4J MDC carries the keys
 * {@code jobId}, {@code jobType} and {@code workerId}.
 */
public interface JobContext {

  /**
   * The job's id, as returned by {@code createJob}.
   *
   * @return the id
   */
  String jobId();

  /**
   * The job's type, which is also the handler's {@link JobHandler#type()}.
   *
   * @return the type
   */
  String jobType();

  /**
   * Which try this is against the retry budget: 1 for the first run, 2 for the first retry, and so
   * on ({@code retryCount + 1}). An attempt interrupted by a graceful shutdown does not count, and
   * neither does a snooze ({@link SnoozeJobException}): the next run has the same number.
   *
   * @return the attempt number, at least 1
   */
  int attempt();

  /**
   * How many retries the job may use after its first attempt.
   *
   * @return the job's {@code maxRetries}
   */
  int maxRetries();

  /**
   * How often the job snoozed before this run ({@link SnoozeJobException}): 0 until its first
   * snooze. A snooze beyond the cap ({@link JobPolicy#maxSnoozes()}, else {@link
   * JobQueueConfig#maxSnoozes()}) counts as a failed attempt instead.
   *
   * @return the job's snooze count, at least 0
   */
  int snoozeCount();

  /**
   * When the job was scheduled to run, by the database clock.
   *
   * @return the scheduled time
   */
  Instant scheduledAt();

  /**
   * The schedule whose occurrence created this job ({@link Schedule}).
   *
   * @return the schedule's name, or empty for a job created by {@code createJob}
   */
  default Optional<String> scheduleName() {
    return Optional.empty();
  }

  /**
   * The time of the schedule's occurrence this job stands for, by the database clock: the intended
   * time, also for a catch-up of a missed occurrence that runs long after it ({@link
   * MissedRunPolicy}).
   *
   * @return the occurrence's time, or empty for a job created by {@code createJob}
   */
  default Optional<Instant> occurrenceAt() {
    return Optional.empty();
  }

  /**
   * The id of the worker running this attempt, for example {@code node-a1b2/worker-3}.
   *
   * @return the worker id
   */
  String workerId();

  /**
   * Reports how far the attempt got, for operators: the dashboard shows it on the job's page, and
   * {@link Job#progress()} reads it. Cheap to call often: the engine stores at most one report per
   * second per job, and holds a later one until the next second (or the attempt's end), so the last
   * report is always stored. A report after the attempt lost the job changes nothing.
   *
   * <p>The default implementation, for contexts that are not the engine's, does nothing.
   *
   * @param percent 0 to 100
   * @param message a short message, at most {@value JobProgress#MAX_MESSAGE_LENGTH} characters;
   *     empty for none
   * @throws IllegalArgumentException naming the value when {@code percent} is not 0 to 100 or the
   *     message is too long
   * @throws NullPointerException if {@code message} is null
   */
  default void reportProgress(int percent, String message) {
    JobProgress.check(percent, message);
  }

  /**
   * Whether the attempt should stop as soon as it can: the job was cancelled, its timeout passed,
   * its lease was lost, or the pool is shutting down and its graceful timeout has passed. The
   * worker's thread is interrupted at the same moment. Long-running handlers should check this (or
   * respond to interruption) between units of work; whatever the attempt does afterwards is
   * discarded.
   *
   * @return true once stopping was requested
   */
  boolean isCancellationRequested();

  /**
   * Runs database work and completes this job in the same transaction, so the work's effects and
   * the completion commit together, exactly once.
   *
   * <p>A connection is taken from the library's data source with auto-commit off; {@code work} runs
   * on it; then the job is marked completed, with {@code work}'s return value as its result, fenced
   * by this attempt's claim; then the transaction commits. If {@code work} throws, or this attempt
   * no longer holds the job (cancelled, timed out, or taken over after its lease expired),
   * everything rolls back: in the second case a {@link LeaseLostException} is thrown.
   *
   * <p>After it returns, the job is completed: whatever the handler returns afterwards is ignored.
   * Call it at most once per attempt.
   *
   * <pre>{@code
   * return ctx.completeInTransaction(connection -> {
   *   try (var insert = connection.prepareStatement("insert into ledger(job_id) values (?)")) {
   *     insert.setString(1, ctx.jobId());
   *     insert.executeUpdate();
   *   }
   *   return Map.of("ledger", "written");
   * });
   * }</pre>
   *
   * @param work the database work; its return value becomes the job's result
   * @param <T> the result type
   * @return what {@code work} returned
   * @throws LeaseLostException if this attempt no longer holds the job; nothing was committed
   * @throws Exception whatever {@code work} throws; nothing was committed
   */
  <T> T completeInTransaction(TransactionalWork<T> work) throws Exception;

  /**
   * Database work run by {@link #completeInTransaction(TransactionalWork)}.
   *
   * @param <T> the result type
   */
  @FunctionalInterface
  interface TransactionalWork<T> {
    /**
     * Does the work. Do not commit, roll back or close the connection.
     *
     * @param connection the transaction's connection
     * @return the job's result
     * @throws Exception to roll back
     */
    T execute(Connection connection) throws Exception;
  }
}
