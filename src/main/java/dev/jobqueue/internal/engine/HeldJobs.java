package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.store.ClaimOrder;
import dev.jobqueue.internal.store.ExecutionStore;
import dev.jobqueue.internal.store.HeldJob;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs this node holds, from their claim until their outcome is written: those running and
 * those waiting in the local queue for a worker. Thread-safe.
 */
final class HeldJobs {
  private static final Logger log = LoggerFactory.getLogger(HeldJobs.class);

  private final ExecutionStore repository;
  private final String nodeId;
  private final Map<Long, Execution> held = new ConcurrentHashMap<>();

  /** Claimed jobs waiting for a worker, in {@link ClaimOrder#LOCAL} even across claims. */
  private final PriorityBlockingQueue<Execution> ready =
      new PriorityBlockingQueue<>(
          64, Comparator.comparing((Execution e) -> e.job, ClaimOrder.LOCAL));

  /** Set when claiming has stopped: workers take no more jobs from the queue. */
  private volatile boolean closed;

  /** Told whenever a held job is settled: the producer may claim another. */
  private volatile Runnable onSettled = () -> {};

  HeldJobs(ExecutionStore repository, String nodeId) {
    this.repository = repository;
    this.nodeId = nodeId;
  }

  void onSettled(Runnable callback) {
    this.onSettled = callback;
  }

  /** A claimed job: held, and queued for a worker. */
  void add(Execution execution) {
    held.put(execution.job.id(), execution);
    ready.add(execution);
  }

  /** The next queued job, waiting up to {@code millis}; null if none came or it is closed. */
  Execution take(long millis) throws InterruptedException {
    return closed ? null : ready.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** Claiming has stopped: no worker starts another queued job. */
  void close() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  /** How many jobs wait for a worker. */
  int queued() {
    return ready.size();
  }

  /** How many jobs this node holds, queued or running. */
  int size() {
    return held.size();
  }

  /** A live view of the held jobs. */
  Collection<Execution> all() {
    return held.values();
  }

  Execution get(long id) {
    return held.get(id);
  }

  /** The outcome of {@code execution} is written (or was not ours to write): forget it. */
  void settle(Execution execution) {
    held.remove(execution.job.id(), execution);
    onSettled.run();
  }

  /** A preemption took the job away and writes nothing (lost, cancelled): forget it. */
  void drop(Execution execution) {
    ready.remove(execution);
    settle(execution);
  }

  /** Whether a held job is running or committing its outcome. */
  boolean anyRunning() {
    for (Execution execution : held.values()) {
      int state = execution.state();
      if (state == Execution.RUNNING || state == Execution.COMMITTING) {
        return true;
      }
    }
    return false;
  }

  /** Gives every queued job that never started back to pending. */
  void releaseQueued() {
    List<Execution> queued = new ArrayList<>();
    Execution execution;
    while ((execution = ready.poll()) != null) {
      if (execution.preempt(Execution.Preemption.RELEASED)) {
        queued.add(execution);
      }
    }
    if (!queued.isEmpty()) {
      log.info("Giving {} claimed job(s) that never started back to pending", queued.size());
      release(queued);
    }
  }

  /**
   * Gives preempted jobs back to pending without counting an attempt, then forgets them. If the
   * write fails they are rescued when their lease expires.
   */
  void release(List<Execution> executions) {
    List<HeldJob> jobs = new ArrayList<>(executions.size());
    for (Execution execution : executions) {
      jobs.add(execution.held);
    }
    try {
      repository.release(nodeId, jobs);
    } catch (RuntimeException e) {
      log.warn(
          "Could not give {} job(s) back to pending; they will be rescued when their lease"
              + " expires: {}",
          jobs.size(),
          e.getMessage());
    }
    for (Execution released : executions) {
      settle(released);
    }
  }
}
