package dev.jobqueue.internal.engine;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.QueueOptions;

/**
 * How many workers one queue has on this node, and what their ids start with.
 *
 * @param queue the queue's name
 * @param min workers kept when idle
 * @param max most workers at once
 */
record QueueWorkers(String queue, int min, int max) {

  /**
   * A queue's workers: its own bounds where it sets them, else the configured {@code maxWorkers},
   * and {@code minWorkers} capped at that.
   */
  static QueueWorkers of(QueueOptions options, JobQueueConfig config) {
    int max = options.maxWorkers().orElse(config.maxWorkers());
    int min = options.minWorkers().orElse(Math.min(config.minWorkers(), max));
    return new QueueWorkers(options.name(), min, max);
  }

  /** {@code worker-} in the default queue, {@code <queue>-worker-} in the others. */
  String workerPrefix() {
    return queue.equals(JobQueueConfig.DEFAULT_QUEUE) ? "worker-" : queue + "-worker-";
  }
}
