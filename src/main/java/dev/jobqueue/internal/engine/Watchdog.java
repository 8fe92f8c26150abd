package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every 50 ms, on a thread of its own (it must not wait behind anything that hangs on an
 * unreachable database): abandons attempts whose lease ran out by this JVM's clock (self-fencing),
 * interrupts attempts past their timeout, and replaces workers stuck in a handler that ignores its
 * interruption.
 */
final class Watchdog extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
  static final long INTERVAL_MILLIS = 50;

  private final HeldJobs held;
  private final Queues queues;
  private final Executor executor;

  Watchdog(HeldJobs held, Queues queues, Executor executor) {
    super(
        Loop.named("watchdog")
            .logTo(log, "Watchdog")
            .backoff(INTERVAL_MILLIS, INTERVAL_MILLIS)
            .initialDelay(INTERVAL_MILLIS),
        1_000);
    this.held = held;
    this.queues = queues;
    this.executor = executor;
  }

  @Override
  protected long runOnce() {
    long now = System.nanoTime();
    for (Execution execution : held.all()) {
      // Self-fencing: if renewals have not got through (database unreachable, this JVM paused),
      // another node may rescue the job as soon as the lease runs out. Stop first.
      if (LeaseKeeper.expired(execution, now) && execution.preempt(Execution.Preemption.LOST)) {
        held.drop(execution);
        log.error(
            "Job {} (claim {}): this node could not renew its lease in time; the attempt was"
                + " abandoned so that no other node runs it at the same time",
            execution.id(),
            execution.job.token());
        continue;
      }
      if (execution.isRunning()
          && now - execution.deadlineNanos() > 0
          && execution.preempt(Execution.Preemption.TIMEOUT)) {
        executor.timedOut(execution, now);
      }
    }
    for (QueueRunner runner : queues.all()) {
      runner.slots.replaceStuck(now);
    }
    return INTERVAL_MILLIS;
  }
}
