package dev.jobqueue.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.JobContext;
import dev.jobqueue.internal.store.ClaimedJob;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Regression test for a defect the freeze scenario of the reliability suite found: after a JVM
 * pause longer than the lease (SIGSTOP), a cooperative handler resumed before the watchdog and
 * {@link JobContext#isCancellationRequested()} still said false, so it did a unit of work while
 * another node already ran the job. A lease that ran out by the local clock now counts at once.
 */
class ExecutionContextLeaseTest {

  private static ClaimedJob job() {
    Instant now = Instant.EPOCH;
    return new ClaimedJob(1, "t", "{}", 1, 0, 3, 60, 2, now, now, false, 0, null, null);
  }

  @Test
  void cancellationIsRequestedAsSoonAsTheLocalLeaseRanOut() {
    Execution execution = new Execution(job(), System.nanoTime() - 1, new LocalQueue("default"));
    assertThat(execution.start(null, Thread.currentThread())).isTrue();
    ExecutionContext context = new ExecutionContext(execution, "w", null, null);
    // The watchdog has not preempted it: only the lease's expiry says so.
    assertThat(execution.isPreempted()).isFalse();
    assertThat(context.isCancellationRequested()).isTrue();
  }

  @Test
  void aLiveLeaseRequestsNoCancellation() {
    Execution execution =
        new Execution(
            job(), System.nanoTime() + TimeUnit.SECONDS.toNanos(60), new LocalQueue("default"));
    assertThat(execution.start(null, Thread.currentThread())).isTrue();
    ExecutionContext context = new ExecutionContext(execution, "w", null, null);
    assertThat(context.isCancellationRequested()).isFalse();
    execution.preempt(Execution.Preemption.LOST);
    Thread.interrupted();
    assertThat(context.isCancellationRequested()).isTrue();
  }
}
