package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.JobRows.JobRow;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Fencing: once a job was taken over by another node, nothing the old node writes about it takes
 * effect.
 *
 * <p>The takeover is done in SQL, exactly as a rescue followed by another node's claim leaves the
 * row: a new attempt number, another {@code locked_by}, a fresh lease. Node A's own lease is long
 * (60 s, renewed every 20 s) in the first two tests, so A cannot notice the takeover before its
 * handler returns: its write is the stale write under test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FencingIT {

  record Step(int n) {}

  private static final String OTHER_NODE = "node-B";

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .withManager(noop("fence-complete"), noop("fence-fail"), noop("fence-renew"));

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private JobQueueManager nodeA;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void captureLogs() {
    logs.list.clear();
    logs.start();
    logger("dev.jobqueue.internal.engine.Completer").addAppender(logs);
    logger("dev.jobqueue.internal.engine.LeaseKeeper").addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    jobqueue.support().close(); // node A and its pool, while its logs are still captured
    nodeA = null;
    logger("dev.jobqueue.internal.engine.Completer").detachAppender(logs);
    logger("dev.jobqueue.internal.engine.LeaseKeeper").detachAppender(logs);
    logs.stop();
  }

  @Test
  void aStaleCompletionChangesNothing() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    startNodeA(
        Duration.ofSeconds(60),
        JobHandler.of(
            "fence-complete",
            Step.class,
            (p, ctx) -> {
              started.countDown();
              proceed.await(20, TimeUnit.SECONDS);
              return Map.of("writtenBy", "stale node A");
            }));
    String id = jobqueue.manager().createJob(CreateJobOptions.of("fence-complete", new Step(1)));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(row(id)).isEqualTo(new Row("running", 1, nodeA.workerPool().getNodeId(), null, 0));

    takeOver(id);
    proceed.countDown(); // A's handler returns a result after it lost the job

    await().atMost(Duration.ofSeconds(5)).until(() -> fencedWarning(id, "Completer"));
    nodeA.shutdown(); // writes whatever A still has queued before it returns
    assertThat(row(id)).isEqualTo(new Row("running", 2, OTHER_NODE, null, 0));
    Job job = jobqueue.manager().getJob(id).orElseThrow();
    assertThat(job.resultJson()).isEmpty();
    assertThat(job.completedAt()).isEmpty();
  }

  @Test
  void aStaleFailureChangesNothing() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    startNodeA(
        Duration.ofSeconds(60),
        JobHandler.of(
            "fence-fail",
            Step.class,
            (p, ctx) -> {
              started.countDown();
              proceed.await(20, TimeUnit.SECONDS);
              throw new IllegalStateException("stale failure from node A");
            }));
    String id =
        jobqueue
            .manager()
            .createJob(CreateJobOptions.builder("fence-fail", new Step(2)).maxRetries(3).build());
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    takeOver(id);
    proceed.countDown(); // A's handler fails after it lost the job

    await().atMost(Duration.ofSeconds(5)).until(() -> fencedWarning(id, "Completer"));
    nodeA.shutdown();
    assertThat(row(id)).isEqualTo(new Row("running", 2, OTHER_NODE, null, 0));
    Job job = jobqueue.manager().getJob(id).orElseThrow();
    assertThat(job.errors()).isEmpty();
    assertThat(job.errorMessage()).isEmpty();
  }

  @Test
  void leaseRenewalNoticesTheTakeoverAndStopsTheAttempt() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch returned = new CountDownLatch(1);
    AtomicBoolean sawCancellation = new AtomicBoolean();
    AtomicBoolean wasInterrupted = new AtomicBoolean();
    // A 1 s lease is renewed every ~333 ms: the first renewal after the takeover finds the job
    // gone.
    startNodeA(
        Duration.ofSeconds(1),
        JobHandler.of(
            "fence-renew",
            Step.class,
            (p, ctx) -> {
              started.countDown();
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
              while (!ctx.isCancellationRequested() && System.nanoTime() < deadline) {
                try {
                  Thread.sleep(10);
                } catch (InterruptedException e) {
                  wasInterrupted.set(true);
                }
              }
              sawCancellation.set(ctx.isCancellationRequested());
              returned.countDown();
              return Map.of("writtenBy", "stale node A");
            }));
    String id = jobqueue.manager().createJob(CreateJobOptions.of("fence-renew", new Step(3)));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    // Let A renew a few times while it still holds the job: renewals alone change nothing.
    String nodeIdA = nodeA.workerPool().getNodeId();
    assertThat(row(id)).isEqualTo(new Row("running", 1, nodeIdA, null, 0));

    long stolen = System.nanoTime();
    takeOver(id);
    assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
    System.out.printf(
        "FencingIT: node A noticed the takeover and stopped the attempt after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stolen));
    assertThat(sawCancellation).isTrue();
    assertThat(wasInterrupted).isTrue();
    await()
        .atMost(Duration.ofSeconds(2))
        .until(
            () ->
                events().stream()
                    .anyMatch(
                        e ->
                            e.getLoggerName().endsWith("LeaseKeeper")
                                && e.getLevel().isGreaterOrEqual(Level.WARN)
                                && e.getFormattedMessage().contains("Job " + id + " ")));

    nodeA.shutdown(); // nothing of A's may be left to write
    assertThat(row(id)).isEqualTo(new Row("running", 2, OTHER_NODE, null, 0));
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  /** The columns a stale write could change. */
  record Row(String status, int attempt, String lockedBy, String result, int retryCount) {}

  private void startNodeA(Duration lease, JobHandler<?> handler) {
    nodeA =
        jobqueue.start(
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .maxWorkers(2)
                        .leaseDuration(lease)
                        .pollInterval(Duration.ofMillis(200))
                        .build())
                .dataSource(jobqueue.newPool("fencing-node-a", 8))
                .handler(handler));
  }

  /** What a rescue followed by node B's claim does to the row. */
  private void takeOver(String id) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "update "
                    + schema
                    + ".jobs set status = 'running', attempt = attempt + 1, locked_by = ?,"
                    + " lease_expires_at = now() + interval '10 minutes' where id = ?"
                    + " and status = 'running'")) {
      s.setString(1, OTHER_NODE);
      s.setLong(2, Long.parseLong(id));
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }

  private Row row(String id) {
    JobRow row = rows.get(id);
    return new Row(row.status(), row.attempt(), row.lockedBy(), row.result(), row.retryCount());
  }

  private static JobHandler<Step> noop(String type) {
    return JobHandler.of(type, Step.class, (p, ctx) -> null);
  }

  private boolean fencedWarning(String id, String loggerSuffix) {
    return events().stream()
        .anyMatch(
            e ->
                e.getLoggerName().endsWith(loggerSuffix)
                    && e.getLevel() == Level.WARN
                    && e.getFormattedMessage().contains("job " + id + " "));
  }

  /** A snapshot: the appender adds from the pool's threads. */
  private List<ILoggingEvent> events() {
    synchronized (logs) {
      return new ArrayList<>(logs.list);
    }
  }

  private static Logger logger(String name) {
    return (Logger) LoggerFactory.getLogger(name);
  }
}
