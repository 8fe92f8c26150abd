package dev.jobqueue.internal.engine;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker slot: a thread that takes claimed jobs from the local queue and runs them. {@code
 * dev.jobqueue.JobWorker} shows it to users. Thread-safe. <strong>Not API.</strong>
 */
public final class Worker {
  private final String id;
  private final AtomicLong processed = new AtomicLong();
  private volatile Execution current;
  private volatile boolean retiring;
  private volatile long idleSinceNanos = System.nanoTime();
  private volatile Thread thread;

  Worker(String id) {
    this.id = id;
  }

  /**
   * The worker's id, unique within its pool.
   *
   * @return for example {@code worker-3}
   */
  public String id() {
    return id;
  }

  /**
   * Whether it runs a job right now.
   *
   * @return true while busy
   */
  public boolean isBusy() {
    return current != null;
  }

  /**
   * The job it runs.
   *
   * @return the job's id, or empty when idle
   */
  public Optional<String> currentJobId() {
    Execution running = current;
    return running == null ? Optional.empty() : Optional.of(running.id());
  }

  /**
   * Attempts it has finished.
   *
   * @return the count
   */
  public long jobsProcessed() {
    return processed.get();
  }

  /** Asks it to retire after its current job; the pool replaces it if it needs the slot. */
  public void retire() {
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
