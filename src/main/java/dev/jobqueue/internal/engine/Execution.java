package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.store.ClaimedJob;
import dev.jobqueue.internal.store.HeldJob;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One claimed job on this node, from the claim until its outcome is written.
 *
 * <p>Exactly one party writes the outcome of an attempt. The state moves from {@code QUEUED} or
 * {@code RUNNING} by compare-and-set: the worker wins with {@link #finish()}, or a preemption
 * (timeout, cancellation, lost lease, shutdown) wins with {@link #preempt(Preemption)}. The loser
 * writes nothing. That is what keeps a late handler from overwriting a timeout, and a timeout from
 * overwriting a success.
 */
final class Execution {

  static final int QUEUED = 0;
  static final int RUNNING = 1;
  static final int COMMITTING = 2;
  static final int DONE = 3;
  static final int PREEMPTED = 4;

  /** Why an attempt was taken away from its worker. */
  enum Preemption {
    /** Its {@code timeoutSeconds} passed: counts as a failed attempt. */
    TIMEOUT,
    /** Its lease expired or was taken over: nothing is written by this node. */
    LOST,
    /** The job was cancelled: nothing is written by this node. */
    CANCELLED,
    /** The pool is shutting down: the job goes back to pending without counting an attempt. */
    RELEASED
  }

  final ClaimedJob job;
  final HeldJob held;

  /** The queue the job was claimed from, whose workers run it. */
  final LocalQueue local;

  private final AtomicInteger state = new AtomicInteger(QUEUED);
  private volatile Thread thread;
  private volatile Worker worker;
  private volatile long startedNanos;
  private volatile long deadlineNanos;
  private volatile Preemption preemption;
  private volatile long preemptedNanos;
  private volatile long leaseExpiresNanos;
  private volatile boolean committedInTransaction;

  /**
   * @param job the claimed row
   * @param leaseExpiresNanos when the lease ends by this JVM's monotonic clock: the time just
   *     before the claim was sent plus the lease, so never later than the database's own expiry
   * @param local the queue it was claimed from
   */
  Execution(ClaimedJob job, long leaseExpiresNanos, LocalQueue local) {
    this.job = job;
    this.local = local;
    this.held = new HeldJob(job.id(), job.token());
    this.leaseExpiresNanos = leaseExpiresNanos;
  }

  /** A renewal succeeded: the lease now ends at {@code expiresNanos} by this JVM's clock. */
  void leaseRenewed(long expiresNanos) {
    leaseExpiresNanos = expiresNanos;
  }

  long leaseExpiresNanos() {
    return leaseExpiresNanos;
  }

  /** The worker starts running the job; false if it was preempted while queued. */
  boolean start(Worker worker, Thread thread) {
    this.worker = worker;
    this.thread = thread;
    this.startedNanos = System.nanoTime();
    this.deadlineNanos = startedNanos + job.timeoutSeconds() * 1_000_000_000L;
    return state.compareAndSet(QUEUED, RUNNING);
  }

  /** The worker's handler returned or threw; true if the worker now owns the outcome. */
  boolean finish() {
    return state.compareAndSet(RUNNING, DONE);
  }

  /** {@code completeInTransaction} is about to commit: no preemption may start meanwhile. */
  boolean beginCommit() {
    return state.compareAndSet(RUNNING, COMMITTING);
  }

  /** The transaction committed: the outcome is written. */
  void committed() {
    committedInTransaction = true;
    state.set(DONE);
  }

  /** The transaction was fenced out and rolled back: there is nothing to write. */
  void lostOnCommit() {
    state.set(DONE);
  }

  boolean committedInTransaction() {
    return committedInTransaction;
  }

  /** The transaction failed before committing: the attempt runs on as usual. */
  void commitFailed() {
    state.compareAndSet(COMMITTING, RUNNING);
  }

  /**
   * Takes the attempt away from its worker; true if this call won and must write the outcome that
   * {@code reason} implies. A running handler's thread is interrupted.
   */
  boolean preempt(Preemption reason) {
    if (!(state.compareAndSet(RUNNING, PREEMPTED) || state.compareAndSet(QUEUED, PREEMPTED))) {
      return false;
    }
    preemption = reason;
    preemptedNanos = System.nanoTime();
    Thread running = thread;
    if (running != null) {
      running.interrupt();
    }
    return true;
  }

  int state() {
    return state.get();
  }

  boolean isRunning() {
    return state.get() == RUNNING;
  }

  boolean isPreempted() {
    return state.get() == PREEMPTED;
  }

  Preemption preemption() {
    return preemption;
  }

  long startedNanos() {
    return startedNanos;
  }

  long deadlineNanos() {
    return deadlineNanos;
  }

  long preemptedNanos() {
    return preemptedNanos;
  }

  Worker worker() {
    return worker;
  }

  String id() {
    return Long.toString(job.id());
  }
}
