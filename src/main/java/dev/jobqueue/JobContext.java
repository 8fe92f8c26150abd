package dev.jobqueue;

import java.time.Instant;

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
   * Which attempt this is: 1 for the first run, 2 for the first retry, and so on.
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
   * When the job was scheduled to run, by the database clock.
   *
   * @return the scheduled time
   */
  Instant scheduledAt();

  /**
   * The id of the worker running this attempt, for example {@code node-a1b2/worker-3}.
   *
   * @return the worker id
   */
  String workerId();

  /**
   * Whether the attempt should stop as soon as it can: the job was cancelled, its timeout passed,
   * its lease was lost, or the pool is shutting down. Long-running handlers should check this (or
   * respond to thread interruption) between units of work.
   *
   * @return true once stopping was requested
   */
  boolean isCancellationRequested();
}
