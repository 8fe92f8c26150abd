package dev.jobqueue;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One execution slot of a {@link WorkerPool}: a thread that takes claimed jobs from the pool and
 * runs them one at a time. The pool creates, scales and retires workers; this class is the view of
 * one of them, from {@link WorkerPool#getWorkers()}.
 *
 * <p>Thread-safe.
 */
public final class JobWorker {
  private final String id;
  private final AtomicLong processed = new AtomicLong();
  private volatile Execution current;
  private volatile boolean retiring;
  private volatile long idleSinceNanos = System.nanoTime();
  private volatile Thread thread;

  JobWorker(String id) {
    this.id = id;
  }

  /**
   * The worker's id, unique in its pool, for example {@code worker-3}. It is also the MDC {@code
   * workerId} prefix and part of its thread's name.
   *
   * @return the id
   */
  public String getId() {
    return id;
  }

  /**
   * Whether the worker is running a job right now.
   *
   * @return true while a handler runs
   */
  public boolean isBusy() {
    return current != null;
  }

  /**
   * The job the worker is running.
   *
   * @return its id, or empty when idle
   */
  public Optional<String> getCurrentJobId() {
    Execution running = current;
    return running == null ? Optional.empty() : Optional.of(running.id());
  }

  /**
   * How many jobs this worker has run, whatever their outcome.
   *
   * @return the count
   */
  public long getJobsProcessed() {
    return processed.get();
  }

  /**
   * Asks the worker to finish its current job, if any, and then stop. The pool starts another if it
   * needs one.
   */
  public void stop() {
    retiring = true;
  }

  boolean isRetiring() {
    return retiring;
  }

  void begin(Execution execution) {
    current = execution;
  }

  void end() {
    current = null;
    processed.incrementAndGet();
    idleSinceNanos = System.nanoTime();
  }

  Execution current() {
    return current;
  }

  long idleSinceNanos() {
    return idleSinceNanos;
  }

  void attach(Thread thread) {
    this.thread = thread;
  }

  Thread thread() {
    return thread;
  }

  @Override
  public String toString() {
    Execution running = current;
    return "JobWorker[" + id + (running == null ? ", idle" : ", job " + running.id()) + "]";
  }
}
