package dev.jobqueue.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scaling rules of the worker slots, without threads or a database. */
class WorkerSlotsScalingTest {

  @Test
  void addsAWorkerForEachQueuedJobNoIdleWorkerTakes() {
    assertThat(WorkerSlots.toAdd(10, 2, 5, 0)).isEqualTo(5);
    assertThat(WorkerSlots.toAdd(10, 2, 5, 2)).isEqualTo(3);
    assertThat(WorkerSlots.toAdd(10, 2, 1, 2)).isZero();
  }

  @Test
  void neverGrowsPastMaxWorkers() {
    assertThat(WorkerSlots.toAdd(4, 3, 50, 0)).isEqualTo(1);
    assertThat(WorkerSlots.toAdd(4, 4, 50, 0)).isZero();
  }

  @Test
  void retiresOnlyAfterTheIdleTimeoutAndOnlyAboveMinWorkers() {
    long timeout = TimeUnit.SECONDS.toNanos(60);
    assertThat(WorkerSlots.mayRetire(timeout, timeout, 3, 1)).isTrue();
    assertThat(WorkerSlots.mayRetire(timeout - 1, timeout, 3, 1)).isFalse();
    assertThat(WorkerSlots.mayRetire(timeout, timeout, 1, 1)).isFalse();
  }
}
