package dev.jobqueue;

import dev.jobqueue.internal.store.QueueStore;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue methods of {@link JobQueueManager} (pause, resume, limits, listing), kept apart so that
 * {@code JobQueueManager.java} stays short; {@code ManagerEnqueueing}, and through it the manager,
 * are its only subclasses. As with {@code ManagerSetters}, javac gives the public manager a public
 * bridge method for each, so applications, reflection and Javadoc see them as members of {@code
 * JobQueueManager}.
 */
abstract class ManagerQueues extends ManagerSchedules {
  private static final Logger log = LoggerFactory.getLogger("dev.jobqueue.JobQueueManager");

  ManagerQueues() {}

  /**
   * The queues' store, once the manager runs.
   *
   * @throws IllegalStateException if the manager is not running
   */
  abstract QueueStore queueStore();

  /** Wakes this JVM's pool for {@code queue}, if it runs one. */
  abstract void wakeLocalPool(String queue);

  /**
   * Pauses a queue on every node, durably: no node claims its jobs once this returns (claims check
   * the stored state), and the state survives restarts until {@link #resumeQueue(String)}. Jobs
   * that run go on to their end; jobs may still be created in it. Pausing a paused queue changes
   * nothing.
   *
   * @param queue a queue name matching {@link QueueOptions#NAME_PATTERN}
   * @throws IllegalArgumentException naming the value, if the name does not match
   * @throws JobStoreException if the database fails
   */
  public void pauseQueue(String queue) {
    queueStore().setPaused(checkedQueue(queue), true);
    log.info("Queue {} paused", queue);
  }

  /**
   * Resumes a paused queue on every node, and wakes the nodes that serve it. Resuming a queue that
   * runs changes nothing.
   *
   * @param queue a queue name matching {@link QueueOptions#NAME_PATTERN}
   * @throws IllegalArgumentException naming the value, if the name does not match
   * @throws JobStoreException if the database fails
   */
  public void resumeQueue(String queue) {
    queueStore().setPaused(checkedQueue(queue), false);
    wakeLocalPool(queue);
    log.info("Queue {} resumed", queue);
  }

  /**
   * Stores a queue's cluster-wide limits, replacing those it had; every node applies them from its
   * next claim of the queue.
   *
   * @param queue a queue name matching {@link QueueOptions#NAME_PATTERN}
   * @param limits the limits; {@link QueueLimits#none()} removes them
   * @throws IllegalArgumentException naming the value, if the name does not match
   * @throws JobStoreException if the database fails
   */
  public void setQueueLimits(String queue, QueueLimits limits) {
    Objects.requireNonNull(limits, "limits must not be null");
    queueStore().setLimits(checkedQueue(queue), limits);
    log.info("Queue {} limits set to {}", queue, limits);
  }

  /**
   * Every queue that was declared, paused or limited, or that holds pending or running jobs, by
   * name, with its state, limits and counts. Counting reads the queues' pending and running jobs.
   *
   * @return the queues
   * @throws JobStoreException if the database fails
   */
  public List<QueueInfo> getQueues() {
    return queueStore().list();
  }

  static String checkedQueue(String queue) {
    Objects.requireNonNull(queue, "queue must not be null");
    if (!QueueOptions.NAME_PATTERN.matcher(queue).matches()) {
      throw new IllegalArgumentException(
          "queue must match " + QueueOptions.NAME_PATTERN.pattern() + " (was '" + queue + "')");
    }
    return queue;
  }
}
