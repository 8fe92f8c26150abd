package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.JobRows.JobRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Snoozes: back to pending after the delay (database clock) without spending a retry, counted and
 * capped, fenced like every other outcome, and batched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnoozeIT {

  record Work(int n) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final JobRows rows = jobqueue.rows();

  /** Every finished attempt's outcome, as listeners hear it. */
  private final List<AttemptOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());

  private final JobEventListener listener =
      new JobEventListener() {
        @Override
        public void attemptFinished(String type, AttemptOutcome outcome, Duration duration) {
          outcomes.add(outcome);
        }
      };

  private JobQueueManager worker(JobQueueConfig.Builder config, JobHandler<?>... handlers) {
    outcomes.clear();
    JobQueueManager.Builder builder =
        JobQueueManager.builder()
            .config(config.pollInterval(Duration.ofMillis(50)).build())
            .dataSource(jobqueue.newPool("snooze-worker", config.build().maxWorkers() + 8))
            .listener(listener);
    for (JobHandler<?> handler : handlers) {
      builder.handler(handler);
    }
    return jobqueue.start(builder);
  }

  private static void awaitStatus(JobQueueManager manager, String id, JobStatus status) {
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> manager.getJob(id).orElseThrow().status() == status);
  }

  @Test
  void aSnoozedJobWaitsItsDelayWithoutSpendingARetryThenRunsAndCompletes() {
    List<String> runs = Collections.synchronizedList(new ArrayList<>());
    JobQueueManager worker =
        worker(
            jobqueue.fastConfig().maxWorkers(2),
            JobHandler.of(
                "report",
                Work.class,
                (payload, ctx) -> {
                  runs.add("attempt " + ctx.attempt() + ", snoozed " + ctx.snoozeCount());
                  if (ctx.snoozeCount() == 0) {
                    throw new SnoozeJobException(Duration.ofSeconds(2));
                  }
                  return Map.of("ran", true);
                }));

    String id =
        worker.createJob(CreateJobOptions.builder("report", new Work(1)).maxRetries(3).build());

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> rows.valueOf(id, "snooze_count") == 1);
    JobRow snoozed = rows.get(id);
    assertThat(snoozed.status()).isEqualTo("pending");
    assertThat(snoozed.retryCount()).isZero();
    assertThat(snoozed.attempt()).isEqualTo(1);
    assertThat(snoozed.lockedBy()).isNull();
    assertThat(snoozed.leaseExpiresAt()).isNull();
    assertThat(snoozed.completedAt()).isNull();
    assertThat(snoozed.errorMessage()).isNull();
    assertThat(snoozed.errors()).isEqualTo("[]");
    // run_at and updated_at are one statement's now(): the delay is added to the database clock.
    assertThat(rows.millisBetween(id, "updated_at", "run_at")).isEqualTo(2_000);
    Job pending = worker.getJob(id).orElseThrow();
    assertThat(pending.status()).isEqualTo(JobStatus.PENDING);
    assertThat(pending.snoozeCount()).isEqualTo(1);
    assertThat(pending.retryCount()).isZero();

    awaitStatus(worker, id, JobStatus.COMPLETED);
    Job done = worker.getJob(id).orElseThrow();
    assertThat(done.snoozeCount()).isEqualTo(1);
    assertThat(done.retryCount()).isZero();
    assertThat(done.attempt()).as("claims, the snoozed one included").isEqualTo(2);
    assertThat(done.errors()).isEmpty();
    assertThat(done.errorMessage()).isEmpty();
    assertThat(done.resultAs(Map.class)).hasValue(Map.of("ran", true));
    // Claimed again only once the database clock reached the snooze's run_at.
    assertThat(rows.get(id).startedAt()).isAfterOrEqualTo(snoozed.runAt());
    // The snooze did not advance the attempt number the handler sees.
    assertThat(runs).containsExactly("attempt 1, snoozed 0", "attempt 1, snoozed 1");

    await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 2);
    assertThat(outcomes).containsExactly(AttemptOutcome.SNOOZED, AttemptOutcome.SUCCEEDED);
    // The statistics count the success only: processed = succeeded + failed + retried.
    TypeStats stats = worker.getProcessingStats().node().byType().get("report");
    assertThat(stats.processed()).isEqualTo(1);
    assertThat(stats.succeeded()).isEqualTo(1);
    assertThat(stats.failed() + stats.retried()).isZero();
  }

  @Test
  void aSnoozeBeyondTheCapIsAnOrdinaryFailureNamingTheCap() {
    JobHandler<Work> policyCap =
        new SnoozingHandler("policy-cap", JobPolicy.builder().maxSnoozes(2).build());
    JobHandler<Work> configuredCap = new SnoozingHandler("configured-cap", JobPolicy.defaults());
    JobQueueManager worker =
        worker(jobqueue.fastConfig().maxWorkers(2).maxSnoozes(1), policyCap, configuredCap);

    String policy =
        worker.createJob(CreateJobOptions.builder("policy-cap", new Work(1)).maxRetries(1).build());
    awaitStatus(worker, policy, JobStatus.FAILED);
    // Two snoozes; the third is a failure that spends the one retry; the next one fails the job.
    Job job = worker.getJob(policy).orElseThrow();
    String capReached = "snooze cap reached: the job has already snoozed 2 times (maxSnoozes = 2)";
    assertThat(job.snoozeCount()).isEqualTo(2);
    assertThat(job.retryCount()).isEqualTo(1);
    assertThat(job.attempt()).isEqualTo(4);
    assertThat(job.errorMessage()).hasValue(capReached);
    assertThat(job.errors())
        .extracting(JobError::attempt, JobError::message)
        .containsExactly(tuple(1, capReached), tuple(2, capReached));
    await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 4);
    assertThat(outcomes)
        .containsExactly(
            AttemptOutcome.SNOOZED,
            AttemptOutcome.SNOOZED,
            AttemptOutcome.RETRIED,
            AttemptOutcome.FAILED);

    // Without a policy the configured cap applies.
    String configured =
        worker.createJob(
            CreateJobOptions.builder("configured-cap", new Work(2)).maxRetries(0).build());
    awaitStatus(worker, configured, JobStatus.FAILED);
    Job other = worker.getJob(configured).orElseThrow();
    assertThat(other.snoozeCount()).isEqualTo(1);
    assertThat(other.retryCount()).isZero();
    assertThat(other.errorMessage())
        .hasValue("snooze cap reached: the job has already snoozed 1 times (maxSnoozes = 1)");
  }

  @Test
  void aSnoozeFromAnAttemptWhoseClaimWasTakenOverChangesNothing() throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger completerLog =
        (Logger) LoggerFactory.getLogger("dev.jobqueue.internal.engine.Completer");
    logs.start();
    completerLog.addAppender(logs);
    try {
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch proceed = new CountDownLatch(1);
      // A 60 s lease is renewed every 20 s: the node cannot notice the takeover before the
      // handler snoozes, so the snooze is the stale write under test.
      JobQueueManager nodeA =
          worker(
              jobqueue.fastConfig().maxWorkers(2).leaseDuration(Duration.ofSeconds(60)),
              JobHandler.of(
                  "stale-snooze",
                  Work.class,
                  (payload, ctx) -> {
                    started.countDown();
                    proceed.await(20, TimeUnit.SECONDS);
                    throw new SnoozeJobException(Duration.ofMinutes(5));
                  }));
      String id = nodeA.createJob(CreateJobOptions.of("stale-snooze", new Work(3)));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      takeOver(id);
      String before = rows.json(id);
      proceed.countDown(); // A's handler snoozes after it lost the job

      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> {
                synchronized (logs) {
                  return logs.list.stream()
                      .anyMatch(
                          e ->
                              e.getLevel() == Level.WARN
                                  && e.getFormattedMessage().contains("job " + id + " "));
                }
              });
      nodeA.shutdown(); // writes whatever A still has queued before it returns
      assertThat(rows.json(id)).isEqualTo(before);
      JobRow row = rows.get(id);
      assertThat(row.status()).isEqualTo("running");
      assertThat(row.attempt()).isEqualTo(2);
      assertThat(row.lockedBy()).isEqualTo("node-B");
      assertThat(rows.valueOf(id, "snooze_count")).isZero();
    } finally {
      completerLog.detachAppender(logs);
      logs.stop();
    }
  }

  @Test
  void snoozesInABurstAreWrittenTogetherAndAllLand() {
    int jobs = 20;
    CountDownLatch allRunning = new CountDownLatch(jobs);
    JobQueueManager worker =
        worker(
            jobqueue.fastConfig().minWorkers(jobs).maxWorkers(jobs),
            JobHandler.of(
                "burst",
                Work.class,
                (payload, ctx) -> {
                  if (ctx.snoozeCount() == 0) {
                    // Every job snoozes at the same moment.
                    allRunning.countDown();
                    allRunning.await(10, TimeUnit.SECONDS);
                    throw new SnoozeJobException(Duration.ofMillis(300));
                  }
                  return null;
                }));
    List<CreateJobOptions> options = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      options.add(CreateJobOptions.of("burst", new Work(i)));
    }
    List<String> ids = worker.createJobs(options);

    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> rows.count("status = 'completed'") == jobs);
    assertThat(allRunning.getCount()).isZero();
    assertThat(rows.count("snooze_count = 1 and retry_count = 0 and errors = '[]'"))
        .isEqualTo(jobs);
    for (String id : ids) {
      assertThat(worker.getJob(id).orElseThrow().snoozeCount()).isEqualTo(1);
    }
    // One statement writes one now() into every run_at it sets (now() + the same delay), and
    // neither the claim nor the completion changes run_at: fewer distinct values than jobs means
    // the snoozes were written in batches.
    long statements =
        jobqueue
            .db()
            .queryLong("select count(distinct run_at) from " + rows.table() + " where true");
    System.out.printf("SnoozeIT: %d snoozes written by %d statements%n", jobs, statements);
    assertThat(statements).isLessThan(jobs);
    await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 2 * jobs);
    assertThat(outcomes).filteredOn(o -> o == AttemptOutcome.SNOOZED).hasSize(jobs);
    assertThat(outcomes).filteredOn(o -> o == AttemptOutcome.SUCCEEDED).hasSize(jobs);
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  /** A handler that snoozes every time, with a policy of its own. */
  private static final class SnoozingHandler implements JobHandler<Work> {
    private final String type;
    private final JobPolicy policy;

    SnoozingHandler(String type, JobPolicy policy) {
      this.type = type;
      this.policy = policy;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public Class<Work> payloadType() {
      return Work.class;
    }

    @Override
    public Object execute(Work payload, JobContext context) {
      throw new SnoozeJobException(Duration.ZERO);
    }

    @Override
    public JobPolicy policy() {
      return policy;
    }
  }

  /** What a rescue followed by another node's claim does to the row. */
  private void takeOver(String id) throws SQLException {
    try (Connection c = jobqueue.db().dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "update "
                    + rows.table()
                    + " set status = 'running', attempt = attempt + 1, locked_by = 'node-B',"
                    + " lease_expires_at = now() + interval '10 minutes' where id = ?"
                    + " and status = 'running'")) {
      s.setLong(1, Long.parseLong(id));
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }
}
