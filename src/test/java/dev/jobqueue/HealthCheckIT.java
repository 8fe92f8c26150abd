package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.OutageDataSource;
import dev.jobqueue.testing.StuckHandlers;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link JobQueueManager#healthCheck()}: the healthy shape against a known workload, its JSON, the
 * unhealthy cases (database refusing or hanging, manager not running) and each documented degraded
 * rule, and estimated counts on a large table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthCheckIT {

  record Work(int n) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  private final StuckHandlers stuck = new StuckHandlers();

  @AfterEach
  void stopManagers() throws InterruptedException {
    stuck.release();
    jobqueue.support().close();
    stuck.releaseAndAwait();
    rows.truncate();
    db.execute("truncate table \"" + schema + "\".nodes, \"" + schema + "\".job_stats");
    // Back to the queues table as migrated: the default queue's row, unpaused.
    db.execute("delete from \"" + schema + "\".queues where name <> 'default'");
    db.execute("update \"" + schema + "\".queues set paused = false, paused_at = null");
    // Fresh statistics, so that no test sees estimates left by the large-table test.
    db.execute("analyze \"" + schema + "\".jobs");
  }

  private JobQueueConfig.Builder config() {
    return EngineTestSupport.fastConfig(schema).pollInterval(Duration.ofMillis(50));
  }

  private static JobHandler<Work> ok() {
    return JobHandler.of("ok", Work.class, (payload, ctx) -> null);
  }

  private static JobHandler<Work> failing() {
    return JobHandler.of("fail", Work.class, (payload, ctx) -> JobResult.failure("always fails"));
  }

  private HealthCheckResult awaitHealth(
      JobQueueManager manager, java.util.function.Predicate<HealthCheckResult> condition) {
    AtomicReference<HealthCheckResult> last = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              HealthCheckResult result = manager.healthCheck();
              last.set(result);
              assertThat(condition.test(result)).as("health: %s", result).isTrue();
            });
    return last.get();
  }

  /** Runs a known workload: 30 completed, 5 failed, 4 cancelled, 6 pending in the future. */
  private JobQueueManager runKnownWorkload() {
    JobQueueManager manager =
        jobqueue.start("worker", config().minWorkers(2).maxWorkers(4).build(), ok(), failing());
    List<CreateJobOptions> batch = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      batch.add(CreateJobOptions.of("ok", new Work(i)));
    }
    for (int i = 0; i < 5; i++) {
      batch.add(CreateJobOptions.builder("fail", new Work(i)).maxRetries(0).build());
    }
    Instant later = Instant.now().plus(1, ChronoUnit.HOURS);
    List<String> future = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      future.add(
          manager.createJob(
              CreateJobOptions.builder("ok", new Work(i)).scheduledAt(later).build()));
    }
    for (int i = 0; i < 4; i++) {
      assertThat(manager.cancelJob(future.get(i))).isTrue();
    }
    manager.createJobs(batch);
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> rows.count("status in ('completed', 'failed')") == 35);
    return manager;
  }

  @Test
  void healthyWithAWorkingPoolReportsTheKnownWorkload() {
    JobQueueManager manager = runKnownWorkload();

    // Attempts are counted just after their outcome is queued, and the node heartbeat and the
    // listener connect in the background: wait for all three.
    HealthCheckResult health =
        awaitHealth(
            manager,
            h ->
                h.metrics().totalJobsProcessed() == 35
                    && h.cluster().liveNodes() >= 1
                    && h.cluster().listening());

    assertThat(health.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(health.reasons()).isEmpty();
    HealthCheckResult.Workers workers = health.workers();
    assertThat(workers.active() + workers.idle()).isEqualTo(workers.total());
    assertThat(workers.total()).isBetween(2, 4);
    assertThat(workers.total()).isEqualTo(manager.workerPool().getWorkers().size());
    assertThat(workers.active()).isZero();
    assertThat(workers.stuck()).isZero();
    assertThat(health.jobs()).isEqualTo(new HealthCheckResult.Jobs(6, 0, 30, 5, 4, false));
    assertThat(health.metrics().totalJobsProcessed()).isEqualTo(35);
    assertThat(health.metrics().averageProcessingTime()).isNotNegative();
    assertThat(health.metrics().registeredTypes()).containsExactly("fail", "ok");
    assertThat(health.queue().lagMillis()).isZero();
    assertThat(health.queue().duePending()).isZero();
    assertThat(health.queues())
        .containsExactly(Map.entry("default", new HealthCheckResult.QueueHealth(false, 0, 0, 0)));
    assertThat(health.cluster().liveNodes()).isGreaterThanOrEqualTo(1);
    assertThat(health.cluster().listening()).isTrue();
    assertThat(health.cluster().wakeup()).isEqualTo("notify");
    assertThat(Duration.between(health.checkedAt(), Instant.now()).abs())
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void serializesToTheSpecShapeWithAPlainObjectMapper() throws Exception {
    JobQueueManager manager = runKnownWorkload();
    HealthCheckResult health =
        awaitHealth(
            manager, h -> h.metrics().totalJobsProcessed() == 35 && h.cluster().liveNodes() >= 1);

    String json = new ObjectMapper().writeValueAsString(health);
    System.out.println("healthCheck() JSON: " + json);
    JsonNode root = new ObjectMapper().readTree(json);

    assertThat(root.get("status").isTextual()).isTrue();
    assertThat(root.get("status").asText()).isEqualTo("healthy");
    JsonNode workers = root.get("workers");
    for (String field : List.of("total", "active", "idle")) {
      assertThat(workers.get(field)).as("workers.%s", field).isNotNull();
      assertThat(workers.get(field).isIntegralNumber()).isTrue();
    }
    assertThat(workers.get("total").asInt())
        .isEqualTo(workers.get("active").asInt() + workers.get("idle").asInt());
    JsonNode jobs = root.get("jobs");
    assertThat(jobs.get("pending").asLong()).isEqualTo(6);
    assertThat(jobs.get("running").asLong()).isZero();
    assertThat(jobs.get("completed").asLong()).isEqualTo(30);
    assertThat(jobs.get("failed").asLong()).isEqualTo(5);
    for (String field : List.of("pending", "running", "completed", "failed")) {
      assertThat(jobs.get(field).isIntegralNumber()).as("jobs.%s", field).isTrue();
    }
    JsonNode metrics = root.get("metrics");
    assertThat(metrics.get("totalJobsProcessed").isIntegralNumber()).isTrue();
    assertThat(metrics.get("totalJobsProcessed").asLong()).isEqualTo(35);
    assertThat(metrics.get("averageProcessingTime").isNumber()).isTrue();
    assertThat(metrics.get("registeredTypes").isArray()).isTrue();
    assertThat(metrics.get("registeredTypes").toString()).isEqualTo("[\"fail\",\"ok\"]");
    assertThat(root.get("checkedAt").isTextual()).isTrue();
    assertThat(Instant.parse(root.get("checkedAt").asText())).isEqualTo(health.checkedAt());
    assertThat(root.get("reasons").isArray()).isTrue();
    assertThat(root.get("reasons")).isEmpty();
    assertThat(root.at("/queue/lagMillis").isIntegralNumber()).isTrue();
    assertThat(root.at("/queue/duePending").isIntegralNumber()).isTrue();
    assertThat(root.get("queues").toString())
        .isEqualTo(
            "{\"default\":{\"paused\":false,\"duePending\":0,\"lagMillis\":0,\"running\":0}}");
  }

  @Test
  void everyQueueHasItsFiguresAndAPausedQueueWaitsWithoutDegrading() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    JobQueueManager manager =
        jobqueue.start(
            "worker",
            config()
                .queues(
                    QueueOptions.of("default"),
                    QueueOptions.of("emails"),
                    QueueOptions.of("reports"))
                .healthMaxQueueLag(Duration.ofSeconds(1))
                .build(),
            ok(),
            JobHandler.of(
                "blocker",
                Work.class,
                (payload, ctx) -> {
                  blocking.countDown();
                  release.await(30, TimeUnit.SECONDS);
                  return null;
                }));
    try {
      manager.pauseQueue("reports");
      for (int i = 0; i < 3; i++) {
        manager.createJob(CreateJobOptions.builder("ok", new Work(i)).queue("reports").build());
      }
      manager.createJob(CreateJobOptions.builder("blocker", new Work(1)).queue("emails").build());
      assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
      Instant later = Instant.now().plus(1, ChronoUnit.HOURS);
      for (int i = 0; i < 2; i++) {
        manager.createJob(CreateJobOptions.builder("ok", new Work(i)).scheduledAt(later).build());
      }
      // A queue with a row (its limits) and no job.
      manager.setQueueLimits("limited", QueueLimits.builder().maxRunning(2).build());

      HealthCheckResult health =
          awaitHealth(
              manager,
              h ->
                  h.queues().containsKey("reports")
                      && h.queues().get("reports").lagMillis() > 1_500
                      && h.cluster().liveNodes() >= 1);

      assertThat(health.status())
          .as("a paused queue's lag is on purpose")
          .isEqualTo(HealthStatus.HEALTHY);
      assertThat(health.reasons()).isEmpty();
      assertThat(health.queues().keySet())
          .containsExactly("default", "emails", "limited", "reports");
      HealthCheckResult.QueueHealth reports = health.queues().get("reports");
      assertThat(reports.paused()).isTrue();
      assertThat(reports.duePending()).isEqualTo(3);
      assertThat(reports.running()).isZero();
      assertThat(health.queues().get("emails"))
          .isEqualTo(new HealthCheckResult.QueueHealth(false, 0, 0, 1));
      assertThat(health.queues().get("default"))
          .as("scheduled jobs are not due")
          .isEqualTo(new HealthCheckResult.QueueHealth(false, 0, 0, 0));
      assertThat(health.queues().get("limited"))
          .isEqualTo(new HealthCheckResult.QueueHealth(false, 0, 0, 0));
      assertThat(health.queue())
          .as("the overall figures leave the paused queue out")
          .isEqualTo(new HealthCheckResult.Queue(0, 0));
      assertThat(health.jobs().pending()).isEqualTo(5);
      assertThat(health.jobs().running()).isEqualTo(1);

      JsonNode root = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(health));
      assertThat(root.at("/queues/reports/paused").asBoolean()).isTrue();
      assertThat(root.at("/queues/reports/duePending").asLong()).isEqualTo(3);
      assertThat(root.at("/queues/reports/lagMillis").asLong()).isGreaterThan(1_500);
      assertThat(root.at("/queues/emails/running").asLong()).isEqualTo(1);

      // Resumed, the queue's jobs run, and its figures drop to zero.
      manager.resumeQueue("reports");
      HealthCheckResult resumed =
          awaitHealth(
              manager,
              h -> h.queues().get("reports").duePending() == 0 && h.jobs().completed() == 3);
      assertThat(resumed.queues().get("reports"))
          .isEqualTo(new HealthCheckResult.QueueHealth(false, 0, 0, 0));
      assertThat(resumed.status()).isEqualTo(HealthStatus.HEALTHY);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aLaggingQueueIsNamedAndPausingItEndsTheDegradation() {
    JobQueueManager manager =
        jobqueue.start("worker", config().healthMaxQueueLag(Duration.ofSeconds(1)).build(), ok());
    // No node serves "archive": its jobs stay due, and it has no row in the queues table.
    manager.createJob(CreateJobOptions.builder("ok", new Work(1)).queue("archive").build());
    manager.createJob(CreateJobOptions.builder("ok", new Work(2)).queue("archive").build());
    assertThat(rows.count("queue = 'archive' and status = 'pending'")).isEqualTo(2);

    HealthCheckResult lagging = awaitHealth(manager, h -> h.status() == HealthStatus.DEGRADED);
    assertThat(lagging.reasons())
        .singleElement()
        .satisfies(
            reason ->
                assertThat(reason)
                    .startsWith("queue archive: the oldest due job has waited")
                    .endsWith("over the limit of 1000 ms"));
    HealthCheckResult.QueueHealth archive = lagging.queues().get("archive");
    assertThat(archive.paused()).isFalse();
    assertThat(archive.duePending()).isEqualTo(2);
    assertThat(archive.lagMillis()).isGreaterThan(1_000);
    assertThat(lagging.queue().duePending()).isEqualTo(2);
    assertThat(lagging.queue().lagMillis()).isEqualTo(archive.lagMillis());

    manager.pauseQueue("archive");
    HealthCheckResult paused = manager.healthCheck();
    assertThat(paused.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(paused.reasons()).isEmpty();
    assertThat(paused.queues().get("archive").paused()).isTrue();
    assertThat(paused.queues().get("archive").lagMillis()).isGreaterThan(1_000);
    assertThat(paused.queue()).isEqualTo(new HealthCheckResult.Queue(0, 0));
  }

  @Test
  void unreachableDatabaseIsUnhealthyWithinTheTimeoutAndNeverThrows() {
    OutageDataSource dataSource = new OutageDataSource(jobqueue.newPool("switchable", 4 + 8));
    JobQueueManager manager =
        jobqueue.start(
            config().maxWorkers(4).healthCheckTimeout(Duration.ofSeconds(1)).build(),
            dataSource,
            ok());
    awaitHealth(manager, h -> h.status() == HealthStatus.HEALTHY);
    try {
      for (OutageDataSource.Mode mode :
          List.of(OutageDataSource.Mode.DOWN, OutageDataSource.Mode.HUNG)) {
        dataSource.set(mode);
        // Twice: a check whose database thread is still stuck must not delay the next one.
        for (int round = 1; round <= 2; round++) {
          AtomicReference<HealthCheckResult> result = new AtomicReference<>();
          long started = System.nanoTime();
          assertThatCode(() -> result.set(manager.healthCheck())).doesNotThrowAnyException();
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          HealthCheckResult health = result.get();
          System.out.printf(
              "healthCheck() with the database %s (round %d, timeout 1000 ms): %s in %d ms,"
                  + " reasons %s%n",
              mode, round, health.status(), millis, health.reasons());
          assertThat(health.status()).isEqualTo(HealthStatus.UNHEALTHY);
          assertThat(health.reasons())
              .anySatisfy(reason -> assertThat(reason).containsIgnoringCase("database"));
          assertThat(millis).as("answered within timeout + 1 s").isLessThan(2_000);
          assertThat(health.jobs()).isEqualTo(new HealthCheckResult.Jobs(0, 0, 0, 0, 0, false));
        }
        dataSource.set(OutageDataSource.Mode.UP);
        HealthCheckResult back = awaitHealth(manager, h -> h.status() == HealthStatus.HEALTHY);
        assertThat(back.reasons()).isEmpty();
      }
    } finally {
      dataSource.set(OutageDataSource.Mode.UP);
    }
  }

  @Test
  void notInitializedAndShutDownManagersAreUnhealthy() {
    JobQueueManager manager =
        jobqueue.build(config().build(), jobqueue.newPool("lifecycle", 12), ok());

    HealthCheckResult before = manager.healthCheck();
    assertThat(before.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(before.reasons())
        .anySatisfy(reason -> assertThat(reason).contains("not initialized"));
    assertThat(before.workers()).isEqualTo(new HealthCheckResult.Workers(0, 0, 0, 0));
    assertThat(before.cluster().wakeup()).isEqualTo("none");

    manager.initialize();
    awaitHealth(manager, h -> h.status() == HealthStatus.HEALTHY);

    manager.shutdown();
    HealthCheckResult after = manager.healthCheck();
    assertThat(after.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(after.reasons()).anySatisfy(reason -> assertThat(reason).contains("shut down"));
    assertThat(after.workers().total()).isZero();
  }

  @Test
  void degradedWhenTheOldestDueJobWaitsLongerThanTheLimit() {
    JobQueueManager manager =
        jobqueue.start(
            "worker",
            config().allowUnknownTypes(true).healthMaxQueueLag(Duration.ofSeconds(1)).build(),
            ok());
    // No node has a handler for "orphan": it stays due and pending.
    manager.createJob(CreateJobOptions.of("orphan", new Work(1)));
    assertThat(manager.healthCheck().reasons()).isEmpty();

    HealthCheckResult health =
        awaitHealth(
            manager, h -> h.status() == HealthStatus.DEGRADED && h.queue().lagMillis() > 1_000);

    assertThat(health.queue().lagMillis()).isGreaterThan(1_000);
    assertThat(health.queue().duePending()).isGreaterThanOrEqualTo(1);
    assertThat(health.cluster().liveNodes()).isGreaterThanOrEqualTo(1);
    assertThat(health.reasons())
        .singleElement()
        .satisfies(
            reason ->
                assertThat(reason)
                    .startsWith("queue default: the oldest due job has waited")
                    .contains("1000 ms"));
    assertThat(health.queues().get("default").lagMillis()).isEqualTo(health.queue().lagMillis());
    assertThat(health.jobs().pending()).isEqualTo(1);
  }

  @Test
  void degradedWhileAWorkerThreadIsStuck() {
    CountDownLatch started = new CountDownLatch(1);
    JobQueueManager manager =
        jobqueue.start(
            "worker",
            config().build(),
            JobHandler.of(
                "stubborn",
                Work.class,
                (payload, ctx) -> {
                  started.countDown();
                  stuck.hold(Duration.ofSeconds(20));
                  return null;
                }));
    awaitHealth(manager, h -> h.status() == HealthStatus.HEALTHY);

    manager.createJob(
        CreateJobOptions.builder("stubborn", new Work(1)).timeoutSeconds(1).maxRetries(0).build());

    HealthCheckResult health =
        awaitHealth(manager, h -> h.status() == HealthStatus.DEGRADED && h.workers().stuck() >= 1);
    assertThat(started.getCount()).isZero();
    assertThat(health.workers().stuck()).isEqualTo(1);
    assertThat(health.reasons()).anySatisfy(reason -> assertThat(reason).contains("stuck"));
    assertThat(manager.workerPool().getStuckWorkerCount()).isEqualTo(1);

    // Once the handler returns, the thread is no longer stuck and health recovers.
    stuck.release();
    HealthCheckResult recovered = awaitHealth(manager, h -> h.status() == HealthStatus.HEALTHY);
    assertThat(recovered.workers().stuck()).isZero();
  }

  @Test
  void degradedWhenJobsAreDueAndNoWorkerNodeIsAlive() {
    JobQueueManager reader = jobqueue.start("reader", config().runWorkers(false).build(), ok());
    assertThat(reader.healthCheck().status()).isEqualTo(HealthStatus.HEALTHY);

    reader.createJob(CreateJobOptions.of("ok", new Work(1)));
    HealthCheckResult health = reader.healthCheck();

    assertThat(health.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(health.reasons()).containsExactly("jobs are due but no worker node is alive");
    assertThat(health.cluster().liveNodes()).isZero();
    assertThat(health.cluster().wakeup()).isEqualTo("none");
    assertThat(health.cluster().listening()).isFalse();
    assertThat(health.queue().duePending()).isEqualTo(1);
    assertThat(health.workers()).isEqualTo(new HealthCheckResult.Workers(0, 0, 0, 0));
  }

  @Test
  void largeTableCountsComeFromStatisticsAndTheOthersStayExact() {
    String jobs = rows.table();
    db.execute(
        "insert into "
            + jobs
            + "(type, status, payload, max_retries, timeout_seconds, completed_at)"
            + " select 't', 'completed', '{}'::jsonb, 0, 60, now() from generate_series(1, 20000)");
    db.execute(
        "insert into "
            + jobs
            + "(type, status, payload, max_retries, timeout_seconds, completed_at)"
            + " select 't', 'failed', '{}'::jsonb, 0, 60, now() from generate_series(1, 7)");
    db.execute(
        "insert into "
            + jobs
            + "(type, status, payload, max_retries, timeout_seconds, run_at, scheduled_at)"
            + " select 't', 'pending', '{}'::jsonb, 0, 60, now() + interval '1 hour',"
            + " now() + interval '1 hour' from generate_series(1, 3)");
    db.execute("analyze " + jobs);
    JobQueueManager reader = jobqueue.start("reader", config().runWorkers(false).build());

    long started = System.nanoTime();
    HealthCheckResult health = reader.healthCheck();
    long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started);
    System.out.printf("healthCheck() on 20,010 rows: %d us, jobs %s%n", micros, health.jobs());

    assertThat(health.jobs().estimated()).isTrue();
    assertThat(health.jobs().completed()).isBetween(17_000L, 23_000L);
    assertThat(health.jobs().pending()).isEqualTo(3);
    assertThat(health.jobs().failed()).isEqualTo(7);
    assertThat(health.jobs().running()).isZero();
    assertThat(health.jobs().cancelled()).isZero();
    assertThat(health.status()).isEqualTo(HealthStatus.HEALTHY);
  }
}
