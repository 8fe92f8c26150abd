package dev.jobqueue.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.Schedule;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.store.ScheduleStore;
import dev.jobqueue.internal.store.ScheduleStore.ScheduleRow;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.ScheduleNode;
import dev.jobqueue.testing.ScheduleNode.Tick;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node that declares schedules starts while the leader is in the middle of a look: its {@code
 * initialize()} brings the declared schedules in line (a table lock, then every row) while the look
 * holds one schedule's row and has still to move it on. Both must succeed. With the reconciler's
 * table lock in {@code share row exclusive} mode (which a look's row lock does not conflict with)
 * the two deadlocked: the reconciler waited for the look's row, the look's update for the
 * reconciler's table lock, and PostgreSQL aborted one of them, failing a look or a node's start.
 * Regression test of the schedule kill -9 scenario (docs/reliability.md), where a JVM's start
 * failed with "deadlock detected".
 */
class ReconcileWhileTheLeaderLooksIT {

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final JobHandler<Tick> tick =
      JobHandler.of(ScheduleNode.TYPE, Tick.class, (t, c) -> null);

  private JobQueueManager.Builder declaring() {
    return jobqueue
        .db()
        .managerBuilder(jobqueue.schema())
        .handler(tick)
        .schedule(
            Schedule.every(
                    "declared", Duration.ofSeconds(1), CreateJobOptions.of("tick", new Tick(1)))
                .build());
  }

  @Test
  void aNodeStartsWhileALookHoldsAScheduleAndBothSucceed() throws Exception {
    jobqueue.start(declaring());
    Thread.sleep(1_200); // The schedule is due.
    ScheduleStore store =
        new JobRepository(jobqueue.newPool("look", 2), jobqueue.schema()).schedules();

    CountDownLatch locked = new CountDownLatch(1);
    CompletableFuture<Boolean> look =
        CompletableFuture.supplyAsync(
            () ->
                store.inTransaction(
                    "enqueue a due schedule",
                    tx -> {
                      ScheduleRow row = tx.lockNextDue(List.of()).orElseThrow();
                      locked.countDown();
                      awaitALockWait();
                      tx.advance(
                          row.definition().name(),
                          row.nextRunAt().plusSeconds(1),
                          null,
                          null,
                          null,
                          0,
                          0,
                          1);
                      return true;
                    }));
    assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();

    JobQueueManager starting = jobqueue.build(declaring());
    starting.initialize(); // Threw "deadlock detected", or the look did.

    assertThat(look.get(20, TimeUnit.SECONDS)).isTrue();
    assertThat(starting.getSchedule("declared").orElseThrow().skips()).isEqualTo(1);
  }

  /** Waits until another session waits for a lock: the starting node's reconcile. */
  private static void awaitALockWait() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline
        && jobqueue
                .db()
                .queryLong(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                        + " and datname = current_database()")
            == 0) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    try {
      Thread.sleep(200); // Let it settle in its wait.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
