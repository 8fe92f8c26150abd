package dev.jobqueue;

import dev.jobqueue.internal.engine.Worker;
import java.util.Optional;

/**
 * One execution slot of a {@link WorkerPool}: a thread that takes claimed jobs from the pool and
 * runs them one at a time. The pool creates, scales and retires workers; this class is the view of
 * one of them, from {@link WorkerPool#getWorkers()}.
 *
 * <p>Thread-safe.
 */
public final class JobWorker {
  private final Worker worker;

  JobWorker(Worker worker) {
    this.worker = worker;
  }

  /**
   * The worker's id, unique in its pool, for example {@code worker-3}. It is also the MDC {@code
   * workerId} prefix and part of its thread's name.
   *
   * @return the id
   */
  public String getId() {
    return worker.id();
  }

  /**
   * Whether the worker is running a job right now.
   *
   * @return true while a handler runs
   */
  public boolean isBusy() {
    return worker.isBusy();
  }

  /**
   * The job the worker is running.
   *
   * @return its id, or empty when idle
   */
  public Optional<String> getCurrentJobId() {
    return worker.currentJobId();
  }

  /**
   * How many jobs this worker has run, whatever their outcome.
   *
   * @return the count
   */
  public long getJobsProcessed() {
    return worker.jobsProcessed();
  }

  /**
   * Asks the worker to finish its current job, if any, and then stop. The pool starts another if it
   * needs one.
   */
  public void stop() {
    worker.retire();
  }

  /** Two views of the same worker are equal. */
  @Override
  public boolean equals(Object other) {
    return other instanceof JobWorker view && view.worker == worker;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(worker);
  }

  @Override
  public String toString() {
    return worker.toString();
  }
}
