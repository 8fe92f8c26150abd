package dev.jobqueue.internal.engine;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Service;
import dev.jobqueue.internal.lifecycle.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker slots of one queue and their scaling: starts the queue's {@code minWorkers} workers,
 * adds one whenever claimed jobs of the queue wait and no worker is idle (up to its {@code
 * maxWorkers}), retires workers idle for {@code workerIdleTimeout} (down to {@code minWorkers}),
 * and gives the slot of a worker stuck in a handler to a fresh one. On stop it waits up to {@code
 * gracefulShutdownTimeout} for running jobs, then interrupts the rest and gives them back to
 * pending. Thread-safe.
 */
final class WorkerSlots implements Service {
  private static final Logger log = LoggerFactory.getLogger(WorkerSlots.class);
  private static final long STUCK_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final JobQueueConfig config;
  private final QueueWorkers bounds;
  private final LocalQueue local;
  private final HeldJobs held;
  private final Executor executor;
  private final Runnable queueLow;
  private final Set<Worker> workers = ConcurrentHashMap.newKeySet();
  private final Set<Worker> abandoned = ConcurrentHashMap.newKeySet();
  private final AtomicInteger sequence = new AtomicInteger();
  private final Object scaling = new Object();
  private volatile boolean running;
  private volatile boolean stopped;
  private ThreadFactory threads;

  /**
   * @param bounds how many workers the queue has here
   * @param local the queue's claimed jobs, which these workers run
   * @param queueLow told when a worker took a job and fewer jobs than workers are left queued
   */
  WorkerSlots(
      JobQueueConfig config,
      QueueWorkers bounds,
      LocalQueue local,
      HeldJobs held,
      Executor executor,
      Runnable queueLow) {
    this.config = config;
    this.bounds = bounds;
    this.local = local;
    this.held = held;
    this.executor = executor;
    this.queueLow = queueLow;
  }

  @Override
  public String name() {
    return "workers";
  }

  /** {@return how many workers the queue has here} */
  QueueWorkers bounds() {
    return bounds;
  }

  /**
   * Starts {@code minWorkers} workers.
   *
   * @throws IllegalStateException if virtual threads were asked for on a runtime older than Java 21
   */
  @Override
  public void start() {
    synchronized (scaling) {
      if (running || stopped) {
        return;
      }
      threads =
          config.useVirtualThreads()
              ? Threads.virtual("jobqueue-worker-")
              : Threads.platform("jobqueue-worker-");
      running = true;
      for (int i = 0; i < bounds.min(); i++) {
        spawn();
      }
    }
  }

  /**
   * Waits for the queue's running jobs up to the graceful timeout (or the deadline), then
   * interrupts the rest and gives them back to pending without counting an attempt; then the
   * workers end.
   */
  @Override
  public void stop(Deadline deadline) {
    synchronized (scaling) {
      if (!running) {
        stopped = true;
        return;
      }
    }
    Deadline grace = deadline.atMost(config.gracefulShutdownTimeout().toMillis());
    while (held.anyRunning(local) && !grace.passed()) {
      sleepQuietly(5);
    }
    List<Execution> interrupted = new ArrayList<>();
    for (Execution execution : held.all()) {
      if (execution.local == local && execution.preempt(Execution.Preemption.RELEASED)) {
        interrupted.add(execution);
      }
    }
    if (!interrupted.isEmpty()) {
      log.warn(
          "{} job(s) still running after the graceful timeout of {} ms were interrupted and"
              + " given back to pending",
          interrupted.size(),
          config.gracefulShutdownTimeout().toMillis());
      held.release(interrupted);
    }
    synchronized (scaling) {
      running = false;
      stopped = true;
      for (Worker worker : workers) {
        worker.retire();
      }
    }
  }

  /** How many more workers to start: enough for the jobs no idle worker takes, within the cap. */
  static int toAdd(int maxWorkers, int live, int queued, int idle) {
    return Math.max(0, Math.min(maxWorkers - live, queued - idle));
  }

  /** Whether an idle worker may retire: idle long enough, and the pool stays at its minimum. */
  static boolean mayRetire(long idleNanos, long idleTimeoutNanos, int live, int minWorkers) {
    return idleNanos >= idleTimeoutNanos && live > minWorkers;
  }

  /** Claimed jobs arrived: start workers for those no idle worker will take. */
  void grow() {
    synchronized (scaling) {
      int wanted = toAdd(bounds.max(), workers.size(), local.size(), idle());
      for (int i = 0; i < wanted && running; i++) {
        spawn();
      }
    }
  }

  int size() {
    return workers.size();
  }

  int active() {
    int active = 0;
    for (Worker worker : workers) {
      if (worker.isBusy()) {
        active++;
      }
    }
    return active;
  }

  int idle() {
    return workers.size() - active();
  }

  List<Worker> workers() {
    return List.copyOf(workers);
  }

  /**
   * Abandoned workers whose handler has not returned yet, plus those busy with one job for longer
   * than {@code workerTimeout}.
   */
  int stuck() {
    abandoned.removeIf(worker -> worker.thread() == null || !worker.thread().isAlive());
    long now = System.nanoTime();
    long limit = config.workerTimeout().toNanos();
    int slow = 0;
    for (Worker worker : workers) {
      Execution current = worker.current();
      if (current != null && now - current.startedNanos() > limit) {
        slow++;
      }
    }
    return abandoned.size() + slow;
  }

  /** Gives the slot of each worker whose handler ignored its interruption for a second away. */
  void replaceStuck(long nowNanos) {
    for (Worker worker : workers) {
      Execution current = worker.current();
      if (current != null
          && current.isPreempted()
          && nowNanos - current.preemptedNanos() > STUCK_GRACE_NANOS) {
        abandon(worker, current);
      }
    }
  }

  private void abandon(Worker worker, Execution execution) {
    synchronized (scaling) {
      if (!workers.remove(worker)) {
        return;
      }
      abandoned.add(worker);
      if (running) {
        spawn();
      }
    }
    log.error(
        "Worker {} has not returned from job {} a second after it was interrupted ({}); the"
            + " thread is abandoned and a new worker took its place",
        worker.id(),
        execution.id(),
        execution.preemption());
  }

  private void spawn() {
    Worker worker = new Worker(bounds.workerPrefix() + sequence.incrementAndGet());
    Thread thread = threads.newThread(() -> work(worker));
    thread.setName("jobqueue-" + worker.id());
    worker.attach(thread);
    workers.add(worker);
    thread.start();
    log.debug("Worker {} started", worker.id());
  }

  private void work(Worker worker) {
    try {
      while (running && !local.isClosed() && !worker.isRetiring() && workers.contains(worker)) {
        Execution execution;
        try {
          execution = local.take(idlePollMillis());
        } catch (InterruptedException e) {
          // A preemption's interrupt can land after its job ended; the loop condition decides.
          continue;
        }
        if (execution == null) {
          if (retireIfIdle(worker)) {
            return;
          }
          continue;
        }
        if (local.size() < workers.size()) {
          queueLow.run();
        }
        executor.execute(worker, execution);
      }
    } finally {
      workers.remove(worker);
      log.debug("Worker {} stopped after {} job(s)", worker.id(), worker.jobsProcessed());
    }
  }

  private long idlePollMillis() {
    return Math.max(10, Math.min(1_000, config.workerIdleTimeout().toMillis()));
  }

  private boolean retireIfIdle(Worker worker) {
    long idleNanos = System.nanoTime() - worker.idleSinceNanos();
    synchronized (scaling) {
      if (mayRetire(
          idleNanos, config.workerIdleTimeout().toNanos(), workers.size(), bounds.min())) {
        workers.remove(worker);
        log.debug("Worker {} retired after being idle", worker.id());
        return true;
      }
    }
    return false;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
