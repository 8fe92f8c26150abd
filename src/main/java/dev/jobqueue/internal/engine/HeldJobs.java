package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.store.ExecutionStore;
import dev.jobqueue.internal.store.HeldJob;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs this node holds, in every queue it serves, from their claim until their outcome is
 * written: those running and those waiting in their queue's {@link LocalQueue} for a worker.
 * Thread-safe.
 */
final class HeldJobs {
  private static final Logger log = LoggerFactory.getLogger(HeldJobs.class);

  private final ExecutionStore repository;
  private final String nodeId;
  private final Map<Long, Execution> held = new ConcurrentHashMap<>();

  HeldJobs(ExecutionStore repository, String nodeId) {
    this.repository = repository;
    this.nodeId = nodeId;
  }

  /** A claimed job: held, and queued for a worker of its queue. */
  void add(Execution execution) {
    held.put(execution.job.id(), execution);
    execution.local.add(execution);
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
    if (held.remove(execution.job.id(), execution)) {
      execution.local.settled();
    }
  }

  /** A preemption took the job away and writes nothing (lost, cancelled): forget it. */
  void drop(Execution execution) {
    execution.local.remove(execution);
    settle(execution);
  }

  /** Whether a held job of {@code queue} is running or committing its outcome. */
  boolean anyRunning(LocalQueue queue) {
    for (Execution execution : held.values()) {
      int state = execution.state();
      if (execution.local == queue
          && (state == Execution.RUNNING || state == Execution.COMMITTING)) {
        return true;
      }
    }
    return false;
  }

  /** Gives every job of {@code queue} that waits for a worker back to pending. */
  void releaseQueued(LocalQueue queue) {
    List<Execution> queued = new ArrayList<>();
    for (Execution execution : queue.drain()) {
      if (execution.preempt(Execution.Preemption.RELEASED)) {
        queued.add(execution);
      }
    }
    if (!queued.isEmpty()) {
      log.info(
          "Giving {} claimed job(s) of queue {} that never started back to pending",
          queued.size(),
          queue.name());
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
