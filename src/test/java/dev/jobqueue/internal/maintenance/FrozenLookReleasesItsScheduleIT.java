package dev.jobqueue.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobStoreException;
import dev.jobqueue.Schedule;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.store.ScheduleStore;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.ScheduleNode;
import dev.jobqueue.testing.ScheduleNode.Tick;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A leader frozen inside a look (its JVM paused, its network cut) must not keep the schedule's row
 * locked: the next leader passes over locked rows, so the occurrences of the freeze would be
 * skipped once they are older than {@code missedRunThreshold}. The scheduler's look transaction
 * limits how long it may sit idle to the lease ({@code idle_in_transaction_session_timeout}); the
 * server then ends the session and the row is free. Regression test of the schedule freeze scenario
 * (docs/reliability.md).
 */
class FrozenLookReleasesItsScheduleIT {

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .migrated()
          .withManager(JobHandler.of(ScheduleNode.TYPE, Tick.class, (payload, ctx) -> null));

  @Test
  void theServerEndsALookThatSitsIdlePastItsLimitAndTheRowIsFree() throws Exception {
    jobqueue
        .manager()
        .addSchedule(
            Schedule.every(
                    "frozen",
                    Duration.ofSeconds(1),
                    CreateJobOptions.of(ScheduleNode.TYPE, new Tick(1)))
                .build());
    Thread.sleep(1_200); // Due: its first occurrence has come.
    ScheduleStore store =
        new JobRepository(jobqueue.newPool("frozen-look", 2), jobqueue.schema()).schedules();

    CountDownLatch locked = new CountDownLatch(1);
    CompletableFuture<Void> look =
        CompletableFuture.runAsync(
            () ->
                store.inTransaction(
                    "enqueue a due schedule",
                    Duration.ofMillis(500),
                    tx -> {
                      assertThat(tx.lockNextDue(List.of())).isPresent();
                      locked.countDown();
                      sleep(3_000); // Frozen between two statements, the row locked.
                      return tx.lockNextDue(List.of()); // The session is gone by now.
                    }));
    assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(1_500);
    // Another node's look (FOR UPDATE NOWAIT fails at once on a held lock) gets the row.
    assertThat(lockNowait()).as("the frozen look's row is free").isTrue();
    assertThatThrownBy(() -> look.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(JobStoreException.class)
        .hasStackTraceContaining("idle-in-transaction");
  }

  @Test
  void theLimitEndsWithItsTransaction() {
    // One connection: the next transaction on it, without a limit, may sit idle for longer.
    ScheduleStore store =
        new JobRepository(jobqueue.newPool("one-connection", 1), jobqueue.schema()).schedules();
    store.inTransaction("a look", Duration.ofMillis(500), tx -> tx.now());
    java.time.Instant now =
        store.inTransaction(
            "an operator's change",
            tx -> {
              sleep(1_000);
              return tx.now();
            });
    assertThat(now).isNotNull();
  }

  private static boolean lockNowait() {
    try (Connection c = jobqueue.db().dataSource().getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      try {
        s.executeQuery(
                "select name from "
                    + jobqueue.schema()
                    + ".schedules where name = 'frozen'"
                    + " for update nowait")
            .close();
        return true;
      } catch (SQLException e) {
        return false;
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
