package dev.jobqueue.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.NonRetryableJobException;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Micrometer binder against a {@link SimpleMeterRegistry} and the real engine. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobQueueMetricsIT {

  record Work(int n) {}

  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  // ---- counters and the timer -------------------------------------------------------------------

  @Test
  void countsCreatedCompletedRetriedAndFailedJobsPerTypeIncludingThoseBeforeBind() {
    JobQueueMetrics metrics = new JobQueueMetrics(Tags.of("app", "test"), Duration.ofSeconds(10));
    JobQueueManager jobs =
        start(
            metrics,
            EngineTestSupport.fastConfig(schema).minWorkers(2).maxWorkers(2).build(),
            jobqueue.newPool("counters", 10),
            handlers());

    // Before bindTo: counted all the same.
    List<String> early = List.of(jobs.createJob(ok(1)), jobs.createJob(ok(2))); // two "ok" jobs
    early.forEach(id -> awaitStatus(jobs, id, JobStatus.COMPLETED));

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.monitor(jobs);
    metrics.bindTo(registry);

    String flaky =
        jobs.createJob(CreateJobOptions.builder("flaky", new Work(1)).maxRetries(2).build());
    String broken =
        jobs.createJob(CreateJobOptions.builder("broken", new Work(1)).maxRetries(3).build());
    List<String> late = jobs.createJobs(List.of(ok(3), ok(4), ok(5)));
    late.forEach(id -> awaitStatus(jobs, id, JobStatus.COMPLETED));
    awaitStatus(jobs, flaky, JobStatus.COMPLETED);
    awaitStatus(jobs, broken, JobStatus.FAILED);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(count(registry, "jobqueue.jobs.created", "ok")).isEqualTo(5);
              assertThat(count(registry, "jobqueue.jobs.completed", "ok")).isEqualTo(5);
              assertThat(count(registry, "jobqueue.jobs.completed", "flaky")).isEqualTo(1);
              assertThat(count(registry, "jobqueue.jobs.retried", "flaky")).isEqualTo(1);
              assertThat(count(registry, "jobqueue.jobs.failed", "broken")).isEqualTo(1);
            });
    assertThat(count(registry, "jobqueue.jobs.created", "flaky")).isEqualTo(1);
    assertThat(count(registry, "jobqueue.jobs.created", "broken")).isEqualTo(1);
    assertThat(count(registry, "jobqueue.jobs.retried", "ok")).isZero();
    assertThat(count(registry, "jobqueue.jobs.failed", "ok")).isZero();
    assertThat(count(registry, "jobqueue.jobs.retried", "broken")).isZero();
    // A registered type that never ran has its counters, at zero, since monitor().
    assertThat(count(registry, "jobqueue.jobs.created", "idle-type")).isZero();

    // The timer counts from bindTo: the three late "ok" jobs, not the two early ones.
    assertThat(timer(registry, "ok", "succeeded").count()).isEqualTo(3);
    assertThat(timer(registry, "ok", "succeeded").max(TimeUnit.MILLISECONDS)).isGreaterThan(10);
    assertThat(timer(registry, "flaky", "retried").count()).isEqualTo(1);
    assertThat(timer(registry, "flaky", "succeeded").count()).isEqualTo(1);
    assertThat(timer(registry, "broken", "failed").count()).isEqualTo(1);
    assertThat(timer(registry, "broken", "succeeded").count()).isZero();

    // Every meter carries the constructor's tags; the per-type ones carry "type".
    Set<String> names =
        registry.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
    assertThat(names)
        .containsExactlyInAnyOrder(
            "jobqueue.jobs.created",
            "jobqueue.jobs.completed",
            "jobqueue.jobs.failed",
            "jobqueue.jobs.retried",
            "jobqueue.jobs.snoozed",
            "jobqueue.job.duration",
            "jobqueue.queue.depth",
            "jobqueue.queue.lag",
            "jobqueue.queues.due",
            "jobqueue.queues.lag",
            "jobqueue.queues.running",
            "jobqueue.queues.paused",
            "jobqueue.workers.active",
            "jobqueue.workers.idle",
            "jobqueue.workers.stuck");
    for (Meter meter : registry.getMeters()) {
      assertThat(meter.getId().getTag("app")).as(meter.getId().toString()).isEqualTo("test");
      String name = meter.getId().getName();
      if (name.startsWith("jobqueue.job")) {
        assertThat(meter.getId().getTag("type")).as(meter.getId().toString()).isNotNull();
      }
      // Per-attempt meters and the per-queue gauges carry the queue; jobs.created does not.
      if (name.startsWith("jobqueue.job") && !name.equals("jobqueue.jobs.created")
          || name.startsWith("jobqueue.queues.")) {
        assertThat(meter.getId().getTag("queue")).as(meter.getId().toString()).isEqualTo("default");
      } else {
        assertThat(meter.getId().getTag("queue")).as(meter.getId().toString()).isNull();
      }
    }
    for (String lag : List.of("jobqueue.queue.lag", "jobqueue.queues.lag")) {
      assertThat(registry.get(lag).gauge().getId().getBaseUnit()).isEqualTo(BaseUnits.MILLISECONDS);
    }
  }

  @Test
  void aSecondRegistrySeesTheSameTotalsAndBindingTwiceDoesNotDoubleCount() {
    // No database needed: events alone.
    JobQueueMetrics metrics = new JobQueueMetrics();
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    metrics.bindTo(first);
    metrics.bindTo(first);
    metrics.jobsCreated("mail", 3);
    metrics.attemptFinished("default", "mail", AttemptOutcome.SUCCEEDED, Duration.ofMillis(7));
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    metrics.bindTo(second);
    metrics.attemptFinished("default", "mail", AttemptOutcome.SUCCEEDED, Duration.ofMillis(9));

    assertThat(count(first, "jobqueue.jobs.created", "mail")).isEqualTo(3);
    assertThat(count(second, "jobqueue.jobs.created", "mail")).isEqualTo(3);
    assertThat(count(first, "jobqueue.jobs.completed", "mail")).isEqualTo(2);
    assertThat(count(second, "jobqueue.jobs.completed", "mail")).isEqualTo(2);
    assertThat(timer(first, "mail", "succeeded").count()).isEqualTo(2);
    assertThat(timer(second, "mail", "succeeded").count()).isEqualTo(1);
    // A snooze has a counter and a timer outcome of its own: not a completion, not a failure.
    metrics.attemptFinished("default", "mail", AttemptOutcome.SNOOZED, Duration.ofMillis(3));
    assertThat(count(first, "jobqueue.jobs.snoozed", "mail")).isEqualTo(1);
    assertThat(timer(first, "mail", "snoozed").count()).isEqualTo(1);
    assertThat(count(first, "jobqueue.jobs.completed", "mail")).isEqualTo(2);
    assertThat(count(first, "jobqueue.jobs.failed", "mail")).isZero();
    assertThat(count(first, "jobqueue.jobs.retried", "mail")).isZero();
    // The same type in another queue has meters of its own.
    metrics.attemptFinished("bulk", "mail", AttemptOutcome.FAILED, Duration.ofMillis(5));
    assertThat(count(first, "jobqueue.jobs.failed", "bulk", "mail")).isEqualTo(1);
    assertThat(count(first, "jobqueue.jobs.failed", "default", "mail")).isZero();
    assertThat(count(second, "jobqueue.jobs.completed", "bulk", "mail")).isZero();
    assertThat(timer(second, "bulk", "mail", "failed").count()).isEqualTo(1);
    // Nothing monitored: the gauges have no value.
    assertThat(first.get("jobqueue.queue.depth").gauge().value()).isNaN();
    assertThat(first.get("jobqueue.workers.active").gauge().value()).isNaN();

    assertThatThrownBy(() -> new JobQueueMetrics(Tags.empty(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("queueRefresh must be positive (was PT0S)");
  }

  // ---- gauges -----------------------------------------------------------------------------------

  @Test
  void gaugesReflectThePoolAndTheQueue() throws Exception {
    AtomicLong clock = new AtomicLong();
    JobQueueMetrics metrics = new JobQueueMetrics(Tags.empty(), Duration.ofSeconds(10), clock::get);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    JobHandler<Work> blocker =
        JobHandler.of(
            "blocker",
            Work.class,
            (payload, ctx) -> {
              started.countDown();
              release.await(30, TimeUnit.SECONDS);
              return null;
            });
    JobQueueManager jobs =
        start(
            metrics,
            EngineTestSupport.fastConfig(schema).minWorkers(2).maxWorkers(2).build(),
            jobqueue.newPool("gauges", 10),
            blocker,
            JobHandler.of("later", Work.class, (payload, ctx) -> null));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    metrics.monitor(jobs);

    try {
      assertThat(gauge(registry, "jobqueue.workers.active")).isZero();
      assertThat(gauge(registry, "jobqueue.workers.idle")).isEqualTo(2);
      assertThat(gauge(registry, "jobqueue.workers.stuck")).isZero();

      jobs.createJob(CreateJobOptions.of("blocker", new Work(1)));
      assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      // The worker gauges are read live from the pool.
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(gauge(registry, "jobqueue.workers.active")).isEqualTo(1);
                assertThat(gauge(registry, "jobqueue.workers.idle")).isEqualTo(1);
              });

      // Seven pending jobs not due yet, and one due an hour ago that no node runs.
      Instant inAnHour = Instant.now().plus(Duration.ofHours(1));
      for (int i = 0; i < 7; i++) {
        jobs.createJob(
            CreateJobOptions.builder("later", new Work(i)).scheduledAt(inAnHour).build());
      }
      db.execute(
          "insert into "
              + rows.table()
              + " (type, payload, max_retries, timeout_seconds, scheduled_at, run_at)"
              + " values ('nobody-runs-this', '{}', 0, 60, now() - interval '1 hour',"
              + " now() - interval '1 hour')");
      clock.addAndGet(Duration.ofSeconds(11).toNanos());

      assertThat(gauge(registry, "jobqueue.queue.depth")).isEqualTo(8);
      assertThat(gauge(registry, "jobqueue.queue.lag"))
          .isBetween(3_600_000.0, 3_600_000.0 + WAIT.toMillis());
      // All in the default queue, the one this node serves.
      assertThat(queueGauge(registry, "jobqueue.queues.lag", "default"))
          .isEqualTo(gauge(registry, "jobqueue.queue.lag"));
      assertThat(queueGauge(registry, "jobqueue.queues.due", "default")).isEqualTo(1);
      assertThat(queueGauge(registry, "jobqueue.queues.running", "default")).isEqualTo(1);
      assertThat(queueGauge(registry, "jobqueue.queues.paused", "default")).isZero();
      assertThat(jobs.healthCheck().status()).isEqualTo(HealthStatus.DEGRADED);
    } finally {
      release.countDown();
    }
  }

  @Test
  void attemptsAreCountedPerQueueAndEachQueueHasItsGaugesAPausedOneIncluded() throws Exception {
    AtomicLong clock = new AtomicLong();
    JobQueueMetrics metrics = new JobQueueMetrics(Tags.empty(), Duration.ofSeconds(10), clock::get);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    JobHandler<?>[] handlers = {
      handlers()[0], // ok
      handlers()[2], // broken
      JobHandler.of(
          "blocker",
          Work.class,
          (payload, ctx) -> {
            blocking.countDown();
            release.await(30, TimeUnit.SECONDS);
            return null;
          })
    };
    JobQueueManager jobs =
        start(
            metrics,
            EngineTestSupport.fastConfig(schema)
                .queues(QueueOptions.of("default"), QueueOptions.of("emails"))
                .maxWorkers(3)
                .build(),
            jobqueue.newPool("per-queue", 11),
            handlers);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.monitor(jobs).bindTo(registry);
    try {
      // The served queues have their gauges from monitor() on; "reports" not yet.
      assertThat(registry.find("jobqueue.queues.due").tag("queue", "emails").gauge()).isNotNull();
      assertThat(registry.find("jobqueue.queues.due").tag("queue", "reports").gauge()).isNull();

      jobs.pauseQueue("reports");
      List<String> done = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        done.add(jobs.createJob(ok(i)));
        jobs.createJob(CreateJobOptions.builder("ok", new Work(i)).queue("reports").build());
      }
      for (int i = 0; i < 3; i++) {
        done.add(
            jobs.createJob(CreateJobOptions.builder("ok", new Work(i)).queue("emails").build()));
      }
      String broken =
          jobs.createJob(
              CreateJobOptions.builder("broken", new Work(1))
                  .queue("emails")
                  .maxRetries(0)
                  .build());
      done.forEach(id -> awaitStatus(jobs, id, JobStatus.COMPLETED));
      awaitStatus(jobs, broken, JobStatus.FAILED);
      jobs.createJob(CreateJobOptions.builder("blocker", new Work(1)).queue("emails").build());
      assertThat(blocking.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(count(registry, "jobqueue.jobs.completed", "default", "ok"))
                    .isEqualTo(2);
                assertThat(count(registry, "jobqueue.jobs.completed", "emails", "ok")).isEqualTo(3);
                assertThat(count(registry, "jobqueue.jobs.failed", "emails", "broken"))
                    .isEqualTo(1);
              });
      assertThat(timer(registry, "emails", "ok", "succeeded").count()).isEqualTo(3);
      assertThat(timer(registry, "default", "ok", "succeeded").count()).isEqualTo(2);
      assertThat(registry.find("jobqueue.jobs.completed").tag("queue", "reports").meters())
          .as("nothing ran in the paused queue")
          .isEmpty();
      // Created jobs are counted per type, whatever their queue.
      assertThat(count(registry, "jobqueue.jobs.created", "ok")).isEqualTo(7);
      assertThat(registry.get("jobqueue.jobs.created").tag("type", "ok").meters()).hasSize(1);

      // The first check after the interval finds "reports" (it has a row since the pause) and
      // registers its gauges; one check serves every gauge.
      Thread.sleep(1_200); // so that the paused jobs' lag is over a second
      clock.addAndGet(Duration.ofSeconds(11).toNanos());
      assertThat(gauge(registry, "jobqueue.queue.depth")).isEqualTo(2);
      assertThat(queueGauge(registry, "jobqueue.queues.paused", "reports")).isEqualTo(1);
      assertThat(queueGauge(registry, "jobqueue.queues.due", "reports")).isEqualTo(2);
      assertThat(queueGauge(registry, "jobqueue.queues.lag", "reports")).isGreaterThan(1_000);
      assertThat(queueGauge(registry, "jobqueue.queues.running", "reports")).isZero();
      assertThat(queueGauge(registry, "jobqueue.queues.running", "emails")).isEqualTo(1);
      assertThat(queueGauge(registry, "jobqueue.queues.due", "emails")).isZero();
      assertThat(queueGauge(registry, "jobqueue.queues.paused", "emails")).isZero();
      assertThat(queueGauge(registry, "jobqueue.queues.paused", "default")).isZero();
      // The overall lag leaves the paused queue out.
      assertThat(gauge(registry, "jobqueue.queue.lag")).isZero();

      // A second registry bound now gets every queue's gauges, "reports" included.
      SimpleMeterRegistry late = new SimpleMeterRegistry();
      metrics.bindTo(late);
      assertThat(queueGauge(late, "jobqueue.queues.due", "reports")).isEqualTo(2);
      assertThat(count(late, "jobqueue.jobs.completed", "emails", "ok")).isEqualTo(3);
    } finally {
      release.countDown();
      db.execute("delete from \"" + schema + "\".queues where name <> 'default'");
    }
  }

  @Test
  void aScrapeStormRunsOneHealthCheckPerRefreshInterval() throws Exception {
    CountingDataSource counting = new CountingDataSource(jobqueue.newPool("storm", 4));
    JobQueueMetrics metrics = new JobQueueMetrics(); // the real clock, the default 10 s
    JobQueueManager jobs = start(metrics, enqueueOnly(), counting.dataSource(), handlers());
    for (int i = 0; i < 5; i++) {
      jobs.createJob(
          CreateJobOptions.builder("ok", new Work(i))
              .scheduledAt(Instant.now().plus(Duration.ofHours(1)))
              .build());
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.monitor(jobs).bindTo(registry);
    Gauge depth = registry.get("jobqueue.queue.depth").gauge();
    Gauge lag = registry.get("jobqueue.queue.lag").gauge();
    counting.healthChecks.set(0);

    // 1,000 gauge reads from 8 threads at once.
    int threads = 8;
    ExecutorService scrapers = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Double>> results = new ArrayList<>();
    long started = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      results.add(
          scrapers.submit(
              () -> {
                go.await();
                double last = Double.NaN;
                for (int i = 0; i < 1_000 / threads / 2; i++) {
                  last = depth.value();
                  lag.value();
                }
                return last;
              }));
    }
    go.countDown();
    for (Future<Double> result : results) {
      result.get(30, TimeUnit.SECONDS);
    }
    scrapers.shutdown();
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.printf(
        "JobQueueMetricsIT: 1,000 gauge reads in %d ms ran %d health check(s)%n",
        elapsedMillis, counting.healthChecks.get());

    assertThat(elapsedMillis).as("the storm must fit in one refresh interval").isLessThan(10_000);
    assertThat(counting.healthChecks.get()).isBetween(1, 2);
    assertThat(depth.value()).isEqualTo(5);
  }

  @Test
  void theQueueGaugesRefreshAfterTheIntervalAndKeepTheirValuesWhenACheckFails() {
    AtomicLong clock = new AtomicLong();
    CountingDataSource counting = new CountingDataSource(jobqueue.newPool("refresh", 4));
    JobQueueMetrics metrics = new JobQueueMetrics(Tags.empty(), Duration.ofSeconds(10), clock::get);
    JobQueueManager jobs = start(metrics, enqueueOnly(), counting.dataSource(), handlers());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    Instant inAnHour = Instant.now().plus(Duration.ofHours(1));
    jobs.createJob(CreateJobOptions.builder("ok", new Work(1)).scheduledAt(inAnHour).build());

    // Not monitored yet: no value, and no check.
    assertThat(gauge(registry, "jobqueue.queue.depth")).isNaN();
    assertThat(counting.healthChecks.get()).isZero();
    metrics.monitor(jobs);
    assertThat(gauge(registry, "jobqueue.queue.depth")).isEqualTo(1);
    assertThat(counting.healthChecks.get()).isEqualTo(1);

    // Within the interval the cached value stands, even though the table changed.
    jobs.createJob(CreateJobOptions.builder("ok", new Work(2)).scheduledAt(inAnHour).build());
    clock.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(gauge(registry, "jobqueue.queue.depth")).isEqualTo(1);
    assertThat(counting.healthChecks.get()).isEqualTo(1);

    // Past it, the next read checks again.
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(gauge(registry, "jobqueue.queue.depth")).isEqualTo(2);
    assertThat(counting.healthChecks.get()).isEqualTo(2);

    // A failing database: the check runs, fails, and the gauges keep their values...
    jobs.createJob(CreateJobOptions.builder("ok", new Work(3)).scheduledAt(inAnHour).build());
    counting.failing.set(true);
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(gauge(registry, "jobqueue.queue.depth")).isEqualTo(2);
    int afterFailure = counting.healthChecks.get();
    assertThat(afterFailure).as("connections tried by the failed check").isGreaterThan(2);
    // ...and the next check waits for the next interval.
    assertThat(gauge(registry, "jobqueue.queue.lag")).isZero();
    assertThat(counting.healthChecks.get()).isEqualTo(afterFailure);
    assertThat(jobs.healthCheck().status()).isEqualTo(HealthStatus.UNHEALTHY);

    counting.failing.set(false);
    int beforeRecovery = counting.healthChecks.get();
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(gauge(registry, "jobqueue.queue.depth")).isEqualTo(3);
    assertThat(counting.healthChecks.get()).isEqualTo(beforeRecovery + 1);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private JobQueueManager start(
      JobQueueMetrics metrics,
      JobQueueConfig config,
      DataSource dataSource,
      JobHandler<?>... handlers) {
    JobQueueManager.Builder builder =
        JobQueueManager.builder().config(config).dataSource(dataSource).listener(metrics);
    for (JobHandler<?> handler : handlers) {
      builder.handler(handler);
    }
    return jobqueue.start(builder);
  }

  private JobQueueConfig enqueueOnly() {
    return EngineTestSupport.fastConfig(schema).runWorkers(false).build();
  }

  private static JobHandler<?>[] handlers() {
    return new JobHandler<?>[] {
      JobHandler.of(
          "ok",
          Work.class,
          (payload, ctx) -> {
            Thread.sleep(20); // a handler that takes some time, for the timer
            return Map.of("n", payload.n());
          }),
      JobHandler.of(
          "flaky",
          Work.class,
          (payload, ctx) -> {
            if (ctx.attempt() == 1) {
              throw new IllegalStateException("first attempt fails");
            }
            return null;
          }),
      JobHandler.of(
          "broken",
          Work.class,
          (payload, ctx) -> {
            throw new NonRetryableJobException("never works");
          }),
      JobHandler.of("idle-type", Work.class, (payload, ctx) -> null)
    };
  }

  private static CreateJobOptions ok(int n) {
    return CreateJobOptions.of("ok", new Work(n));
  }

  private static void awaitStatus(JobQueueManager jobs, String id, JobStatus status) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> jobs.getJob(id).orElseThrow().status() == status);
  }

  private static double count(SimpleMeterRegistry registry, String name, String type) {
    FunctionCounter counter = registry.get(name).tag("type", type).functionCounter();
    return counter.count();
  }

  private static Timer timer(SimpleMeterRegistry registry, String type, String outcome) {
    return registry.get("jobqueue.job.duration").tag("type", type).tag("outcome", outcome).timer();
  }

  private static double count(
      SimpleMeterRegistry registry, String name, String queue, String type) {
    return registry.get(name).tag("queue", queue).tag("type", type).functionCounter().count();
  }

  private static Timer timer(
      SimpleMeterRegistry registry, String queue, String type, String outcome) {
    return registry
        .get("jobqueue.job.duration")
        .tag("queue", queue)
        .tag("type", type)
        .tag("outcome", outcome)
        .timer();
  }

  private static double gauge(SimpleMeterRegistry registry, String name) {
    return registry.get(name).gauge().value();
  }

  private static double queueGauge(SimpleMeterRegistry registry, String name, String queue) {
    return registry.get(name).tag("queue", queue).gauge().value();
  }
}
