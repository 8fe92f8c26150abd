package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.JobRows.JobRow;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pickup without polling: every worker here polls once a minute, so a job that starts within a few
 * seconds was woken by NOTIFY or by its own JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WakeupIT {

  record Ping(int n) {}

  private static final Duration POLL_EVERY_MINUTE = Duration.ofSeconds(60);
  private static final long PICKUP_LIMIT_MILLIS = 3_000;

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  /** When each job's handler started, by job id (System.nanoTime). */
  private final Map<String, Long> startedAt = new ConcurrentHashMap<>();

  private final JobHandler<Ping> ping =
      JobHandler.of(
          "ping",
          Ping.class,
          (payload, ctx) -> {
            startedAt.put(ctx.jobId(), System.nanoTime());
            return null;
          });

  private JobQueueConfig.Builder slowPolling() {
    return EngineTestSupport.fastConfig(schema).pollInterval(POLL_EVERY_MINUTE).maxWorkers(2);
  }

  private JobQueueManager listeningWorker() {
    JobQueueManager worker = jobqueue.start("worker", slowPolling().build(), ping);
    await().atMost(Duration.ofSeconds(5)).until(() -> worker.workerPool().isListening());
    return worker;
  }

  private JobQueueManager enqueuer() {
    return jobqueue.start("enqueuer", slowPolling().runWorkers(false).build(), ping);
  }

  /** Waits for the job's handler to start; returns the pickup latency in milliseconds. */
  private long awaitStart(String id, long createdNanos) {
    await()
        .atMost(Duration.ofMillis(PICKUP_LIMIT_MILLIS))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> startedAt.containsKey(id));
    return TimeUnit.NANOSECONDS.toMillis(startedAt.get(id) - createdNanos);
  }

  @BeforeEach
  void clear() {
    startedAt.clear();
  }

  @Test
  void jobCreatedByAnotherManagerStartsWithinSecondsThroughNotify() throws Exception {
    JobQueueManager worker = listeningWorker();
    JobQueueManager enqueuer = enqueuer();

    long created = System.nanoTime();
    String first = enqueuer.createJob(CreateJobOptions.of("ping", new Ping(0)));
    long firstLatency = awaitStart(first, created);
    assertThat(firstLatency).isLessThan(PICKUP_LIMIT_MILLIS);

    // Twenty more, 50 ms apart (a fixed-rate schedule paces the inserts; nothing waits on it).
    int count = 20;
    List<String> ids = new ArrayList<>();
    List<Long> createdNanos = new ArrayList<>();
    CountDownLatch allCreated = new CountDownLatch(count);
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger sent = new AtomicInteger();
    try {
      pacer.scheduleAtFixedRate(
          () -> {
            if (sent.getAndIncrement() >= count) {
              return;
            }
            long now = System.nanoTime();
            String id = enqueuer.createJob(CreateJobOptions.of("ping", new Ping(sent.get())));
            synchronized (ids) {
              ids.add(id);
              createdNanos.add(now);
            }
            allCreated.countDown();
          },
          0,
          50,
          TimeUnit.MILLISECONDS);
      assertThat(allCreated.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      pacer.shutdownNow();
    }
    List<Long> latencies = new ArrayList<>();
    synchronized (ids) {
      for (int i = 0; i < count; i++) {
        latencies.add(awaitStart(ids.get(i), createdNanos.get(i)));
      }
    }
    System.out.printf(
        "NOTIFY pickup latency over %d jobs created 50 ms apart by another manager (pollInterval"
            + " 60 s): p50 %d ms, max %d ms (first job: %d ms)%n",
        count,
        EngineTestSupport.percentile(latencies, 50),
        EngineTestSupport.percentile(latencies, 100),
        firstLatency);
    assertThat(latencies).allSatisfy(ms -> assertThat(ms).isLessThan(PICKUP_LIMIT_MILLIS));
    assertThat(worker.workerPool().isListening()).isTrue();
  }

  @Test
  void burstOfJobsFromAnotherManagerIsAllPickedUpDespiteDebouncedNotifications() {
    listeningWorker();
    JobQueueManager enqueuer = enqueuer();

    // One createJob after another: most fall inside a debounce window and send no notification
    // of their own; the trailing notification must still announce the last of them.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      ids.add(enqueuer.createJob(CreateJobOptions.of("ping", new Ping(i))));
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> rows.count("status = 'completed'") == ids.size());
    assertThat(startedAt.keySet()).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void jobsThatBecomeDueLaterStartOnTimeWithoutWaitingForThePoll() {
    AtomicInteger attempts = new AtomicInteger();
    JobQueueManager worker =
        jobqueue.start(
            "worker",
            slowPolling().retryBaseDelay(Duration.ofMillis(200)).build(),
            ping,
            JobHandler.of(
                "flaky",
                Ping.class,
                (payload, ctx) -> {
                  if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("first attempt fails");
                  }
                  return null;
                }));
    await().atMost(Duration.ofSeconds(5)).until(() -> worker.workerPool().isListening());

    String retried = worker.createJob(CreateJobOptions.of("flaky", new Ping(1)));
    String scheduled =
        worker.createJob(
            CreateJobOptions.builder("ping", new Ping(2))
                .scheduledAt(rows.dbNow().plusSeconds(1))
                .build());

    // Due after 200 ms and after 1 s respectively; the poll comes only after 60 s.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                worker.getJob(retried).orElseThrow().status() == JobStatus.COMPLETED
                    && worker.getJob(scheduled).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(rows.holds(scheduled, "started_at >= scheduled_at")).isTrue();
  }

  @Test
  void createJobWakesItsOwnPoolWithoutNotify() {
    // LISTEN fails on this manager's connections, so neither NOTIFY nor polling (once a minute)
    // can explain a prompt pickup: only the direct wake-up from createJob in this JVM.
    HikariDataSource pool = jobqueue.newPool("no-listen", 12);
    JobQueueManager manager =
        jobqueue.start(slowPolling().build(), EngineTestSupport.refusingListen(pool), ping);
    assertThat(manager.workerPool().isListening()).isFalse();

    List<Long> latencies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long created = System.nanoTime();
      String id = manager.createJob(CreateJobOptions.of("ping", new Ping(i)));
      latencies.add(awaitStart(id, created));
    }
    System.out.printf(
        "Same-JVM wake-up latency without NOTIFY (pollInterval 60 s): %s ms%n", latencies);
    assertThat(manager.workerPool().isListening()).isFalse();
  }

  @Test
  void jobCreatedInTheCallersTransactionIsPickedUpPromptlyAfterCommitAndNeverBefore()
      throws Exception {
    listeningWorker();
    HikariDataSource callerPool = jobqueue.newPool("caller", 2);
    JobQueueManager enqueuer = enqueuer();

    try (Connection transaction = callerPool.getConnection()) {
      transaction.setAutoCommit(false);
      String id = enqueuer.createJob(transaction, CreateJobOptions.of("ping", new Ping(1)));

      // A job committed later is picked up and run meanwhile; the uncommitted one is not.
      long markerCreated = System.nanoTime();
      String marker = enqueuer.createJob(CreateJobOptions.of("ping", new Ping(2)));
      awaitStart(marker, markerCreated);
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> enqueuer.getJob(marker).orElseThrow().status() == JobStatus.COMPLETED);
      assertThat(startedAt).doesNotContainKey(id);
      JobRow row = rows.get(transaction, id); // not committed: only this transaction sees it
      assertThat(row.status()).isEqualTo("pending");
      assertThat(row.attempt()).isZero();
      assertThat(row.startedAt()).isNull();

      long committed = System.nanoTime();
      transaction.commit();

      long latency = awaitStart(id, committed);
      System.out.printf("Pickup after the caller's commit: %d ms%n", latency);
      assertThat(startedAt.get(id)).isGreaterThan(committed);
    }
  }
}
