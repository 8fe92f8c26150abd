package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link JobQueueManager#retryJob(String)} in each state. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetryJobIT {

  record Work(String name) {}

  /** A failure without a stack trace, so that the expected failures do not flood the log. */
  static final class QuietFailure extends RuntimeException {
    QuietFailure(String message) {
      super(message, null, false, false);
    }
  }

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  private JobQueueConfig.Builder config() {
    return EngineTestSupport.fastConfig(schema).pollInterval(Duration.ofMillis(50));
  }

  private JobQueueManager reader() {
    return jobqueue.start(
        "reader",
        config().runWorkers(false).build(),
        fragile(new AtomicBoolean(true), new AtomicInteger()));
  }

  /** Fails while {@code failing} is set; counts its calls. */
  private static JobHandler<Work> fragile(AtomicBoolean failing, AtomicInteger calls) {
    return JobHandler.of(
        "fragile",
        Work.class,
        (payload, ctx) -> {
          calls.incrementAndGet();
          if (failing.get()) {
            throw new QuietFailure("broken on attempt " + ctx.attempt());
          }
          return "fixed on attempt " + ctx.attempt();
        });
  }

  @Test
  void failedJobGoesBackToPendingWithAFreshBudgetKeepsItsHistoryAndRunsAgain() {
    AtomicBoolean failing = new AtomicBoolean(true);
    AtomicInteger calls = new AtomicInteger();
    JobQueueManager worker = jobqueue.start("worker", config().build(), fragile(failing, calls));
    String id =
        worker.createJob(CreateJobOptions.builder("fragile", new Work("w")).maxRetries(1).build());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.FAILED);
    worker.shutdown();
    assertThat(calls).hasValue(2);

    // Retried while no worker runs, so that the pending state can be read before a claim.
    JobQueueManager reader = reader();
    Job failed = reader.getJob(id).orElseThrow();
    assertThat(failed.retryCount()).isEqualTo(1);
    assertThat(failed.errors()).hasSize(2);

    assertThat(reader.retryJob(id)).isTrue();

    Job pending = reader.getJob(id).orElseThrow();
    assertThat(pending.status()).isEqualTo(JobStatus.PENDING);
    assertThat(pending.retryCount()).isZero();
    assertThat(pending.maxRetries()).isEqualTo(1);
    assertThat(pending.errors()).isEqualTo(failed.errors());
    assertThat(pending.completedAt()).isEmpty();
    assertThat(pending.attempt()).as("attempts are never renumbered").isEqualTo(2);
    assertThat(rows.holds(id, "run_at <= now()")).as("due now").isTrue();
    assertThat(rows.holds(id, "locked_by is null and lease_expires_at is null")).isTrue();
    // A second call finds it pending.
    assertThat(reader.retryJob(id)).isFalse();

    failing.set(false);
    JobQueueManager fixed = jobqueue.start("fixed", config().build(), fragile(failing, calls));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fixed.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    Job completed = fixed.getJob(id).orElseThrow();
    assertThat(calls).hasValue(3);
    assertThat(completed.attempt()).isEqualTo(3);
    assertThat(completed.retryCount()).isZero();
    // The handler's attempt number counts against the fresh budget: 1 again.
    assertThat(completed.resultAs(String.class)).hasValue("fixed on attempt 1");
    assertThat(completed.completedAt()).isPresent();
    assertThat(completed.errors())
        .extracting(JobError::attempt, JobError::message)
        .containsExactly(
            tuple(1, "QuietFailure: broken on attempt 1"),
            tuple(2, "QuietFailure: broken on attempt 2"));
  }

  @Test
  void cancelledJobGoesBackToPendingAndIsDueNow() {
    JobQueueManager reader = reader();
    String id =
        reader.createJob(
            CreateJobOptions.builder("fragile", new Work("later"))
                .scheduledAt(Instant.now().plus(1, ChronoUnit.HOURS))
                .build());
    assertThat(reader.cancelJob(id)).isTrue();

    assertThat(reader.retryJob(id)).isTrue();

    Job job = reader.getJob(id).orElseThrow();
    assertThat(job.status()).isEqualTo(JobStatus.PENDING);
    assertThat(job.retryCount()).isZero();
    assertThat(job.completedAt()).isEmpty();
    assertThat(rows.holds(id, "run_at <= now()")).as("due now, not in an hour").isTrue();

    AtomicInteger calls = new AtomicInteger();
    JobQueueManager worker =
        jobqueue.start("worker", config().build(), fragile(new AtomicBoolean(false), calls));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(calls).hasValue(1);
  }

  @Test
  void pendingRunningAndCompletedJobsAreLeftUnchanged() {
    JobQueueManager reader = reader();
    String pending = reader.createJob(CreateJobOptions.of("fragile", new Work("p")));
    String running = reader.createJob(CreateJobOptions.of("fragile", new Work("r")));
    String completed = reader.createJob(CreateJobOptions.of("fragile", new Work("c")));
    db.execute(
        "update "
            + rows.table()
            + " set status = 'running', locked_by = 'some-node', attempt = 1,"
            + " lease_expires_at = now() + interval '1 hour', started_at = now() where id = "
            + running);
    db.execute(
        "update "
            + rows.table()
            + " set status = 'completed', attempt = 1, started_at = now(), completed_at = now(),"
            + " result = '{\"done\": true}' where id = "
            + completed);

    for (String id : new String[] {pending, running, completed}) {
      String before = rows.json(id);
      assertThat(reader.retryJob(id)).as("retryJob(%s)", id).isFalse();
      assertThat(rows.json(id)).as("row %s unchanged", id).isEqualTo(before);
    }
  }

  @Test
  void unknownAndMalformedIdsReturnFalse() {
    JobQueueManager reader = reader();
    String id = reader.createJob(CreateJobOptions.of("fragile", new Work("x")));
    String before = rows.json(id);
    for (String bad :
        new String[] {
          "999999999",
          "9223372036854775807",
          "0",
          "-1",
          "abc",
          "",
          " 1",
          "1.0",
          "99999999999999999999"
        }) {
      assertThat(reader.retryJob(bad)).as("retryJob(\"%s\")", bad).isFalse();
    }
    assertThat(reader.retryJob(null)).isFalse();
    assertThat(rows.json(id)).isEqualTo(before);
  }
}
