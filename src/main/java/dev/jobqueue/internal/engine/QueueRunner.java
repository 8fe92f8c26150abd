package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.lifecycle.Deadline;

/**
 * One queue this node serves: its local queue, its workers and its producer. Starts the workers,
 * then the producer; stops in two steps, so that a node stopping several queues stops all their
 * claiming first and then waits for all their running jobs within one graceful timeout.
 */
final class QueueRunner {
  final LocalQueue local;
  final WorkerSlots slots;
  final Producer producer;

  QueueRunner(LocalQueue local, WorkerSlots slots, Producer producer) {
    this.local = local;
    this.slots = slots;
    this.producer = producer;
  }

  String name() {
    return local.name();
  }

  void start() {
    slots.start();
    producer.start();
  }

  /** Stops claiming and gives the queued jobs that never started back to pending. */
  void stopClaiming(Deadline deadline) {
    producer.stop(deadline);
  }

  /** Waits for the running jobs within the graceful timeout, then interrupts and gives back. */
  void stopWorkers(Deadline deadline) {
    slots.stop(deadline);
  }
}
