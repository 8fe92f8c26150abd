package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WorkerProcess;
import dev.jobqueue.testing.WorkerProcess.Hold;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node dies with SIGKILL while it holds jobs: a node in another JVM is killed, and a manager in
 * this JVM rescues its jobs once their leases expire and runs them to completion.
 */
class RescueIT {

  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final Duration RESCUE_INTERVAL = Duration.ofMillis(500);

  /** Lease plus rescue interval plus a margin for claiming and writing the completion. */
  private static final Duration MAX_RESCUE_DELAY = Duration.ofSeconds(6);

  /** The enqueuer migrates the schema before the child starts. */
  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perTest().withManager(holdHandler());

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private WorkerProcess.Child child;

  /** Job id to the attempt number the rescuing node ran it with. */
  private final Map<String, Integer> rescuerRuns = new ConcurrentHashMap<>();

  private final AtomicInteger rescuerRunCount = new AtomicInteger();

  /** The child JVM first; the extension then stops the rescuer and the enqueuer. */
  @AfterEach
  void stopChild() {
    if (child != null) {
      child.close();
    }
  }

  @Test
  void jobsOfAKilledNodeAreRescuedAndCompletedElsewhere() throws Exception {
    child = WorkerProcess.launch(db, schema, "child-" + System.nanoTime() % 100_000, LEASE, 4, 1);
    child.awaitReady(Duration.ofSeconds(30));

    List<CreateJobOptions> options = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      options.add(CreateJobOptions.of(WorkerProcess.HOLD_TYPE, new Hold(i)));
    }
    List<String> ids = jobqueue.manager().createJobs(options);

    // The child has 4 workers and claims one job per worker: it holds exactly 4.
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> child.startedJobs().size() == 4 && heldBy(child.nodeId()).size() == 4);
    Set<String> held = heldBy(child.nodeId());
    assertThat(held).isEqualTo(child.startedJobs());
    Set<String> neverHeld = new HashSet<>(ids);
    neverHeld.removeAll(held);

    // The surviving node runs the jobs the child never claimed right away.
    startRescuer();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> neverHeld.stream().allMatch(id -> status(id) == JobStatus.COMPLETED));
    assertThat(held).allMatch(id -> status(id) == JobStatus.RUNNING);

    Instant killedAt = databaseNow();
    long killNanos = System.nanoTime();
    child.process().destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no release
    assertThat(child.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
    System.out.printf(
        "RescueIT: child %s killed, exit code %d after %d ms%n",
        child.nodeId(),
        child.process().exitValue(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killNanos));
    assertThat(child.process().exitValue()).isEqualTo(137);

    await()
        .atMost(MAX_RESCUE_DELAY.plusSeconds(4))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> ids.stream().allMatch(id -> status(id) == JobStatus.COMPLETED));

    // Nothing lost: every job completed, each exactly once on the surviving node.
    assertThat(rescuerRuns.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(rescuerRunCount).hasValue(ids.size());
    for (String id : neverHeld) {
      Job job = jobqueue.manager().getJob(id).orElseThrow();
      assertThat(job.retryCount()).isZero();
      assertThat(job.errors()).isEmpty();
      assertThat(rescuerRuns.get(id)).isEqualTo(1);
    }
    long maxCompletionMillis = 0;
    for (String id : held) {
      Job job = jobqueue.manager().getJob(id).orElseThrow();
      assertThat(job.retryCount()).as("retryCount of rescued job %s", id).isEqualTo(1);
      assertThat(job.errors()).hasSize(1);
      JobError lost = job.errors().get(0);
      assertThat(lost.attempt()).isEqualTo(1);
      assertThat(lost.message()).contains("lease").contains(child.nodeId());
      assertThat(job.resultJson()).hasValueSatisfying(r -> assertThat(r).contains("rescuer"));
      // The lost attempt counts: the rescuing node ran the job as its second attempt.
      assertThat(rescuerRuns.get(id)).isEqualTo(2);
      long pendingAfter = Duration.between(killedAt, lost.occurredAt()).toMillis();
      long completedAfter = Duration.between(killedAt, job.completedAt().orElseThrow()).toMillis();
      maxCompletionMillis = Math.max(maxCompletionMillis, completedAfter);
      System.out.printf(
          "RescueIT: job %s back to pending %d ms after the kill, completed after %d ms%n",
          id, pendingAfter, completedAfter);
    }
    System.out.printf(
        "RescueIT: rescue delay (kill to completion, database clock) max %d ms; lease %d ms,"
            + " rescue interval %d ms%n",
        maxCompletionMillis, LEASE.toMillis(), RESCUE_INTERVAL.toMillis());
    assertThat(maxCompletionMillis).isLessThanOrEqualTo(MAX_RESCUE_DELAY.toMillis());
    assertThat(rows.count("status = 'running'")).isZero();
  }

  @Test
  void aJobWithoutRetriesLeftThatKilledItsNodeEndsFailed() throws Exception {
    child = WorkerProcess.launch(db, schema, "child-" + System.nanoTime() % 100_000, LEASE, 2, 1);
    child.awaitReady(Duration.ofSeconds(30));

    String poison =
        jobqueue
            .manager()
            .createJob(
                CreateJobOptions.builder(WorkerProcess.HOLD_TYPE, new Hold(0))
                    .maxRetries(0)
                    .build());
    String retryable =
        jobqueue
            .manager()
            .createJob(
                CreateJobOptions.builder(WorkerProcess.HOLD_TYPE, new Hold(1))
                    .maxRetries(3)
                    .build());
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                heldBy(child.nodeId()).equals(Set.of(poison, retryable))
                    && child.startedJobs().equals(Set.of(poison, retryable)));

    child.process().destroyForcibly();
    assertThat(child.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(child.process().exitValue()).isEqualTo(137);
    startRescuer();

    await()
        .atMost(MAX_RESCUE_DELAY.plusSeconds(4))
        .until(
            () -> status(poison) == JobStatus.FAILED && status(retryable) == JobStatus.COMPLETED);

    Job failed = jobqueue.manager().getJob(poison).orElseThrow();
    assertThat(failed.retryCount()).isZero(); // no retry was granted
    assertThat(failed.completedAt()).isPresent();
    assertThat(failed.errorMessage()).hasValueSatisfying(m -> assertThat(m).contains("lease"));
    assertThat(failed.errors()).hasSize(1);
    assertThat(failed.errors().get(0).message()).contains(child.nodeId());
    assertThat(rescuerRuns).doesNotContainKey(poison).containsEntry(retryable, 2);
    assertThat(jobqueue.manager().getJob(retryable).orElseThrow().retryCount()).isEqualTo(1);
    assertThat(rows.count("status in ('running', 'pending')")).isZero();
  }

  private void startRescuer() {
    jobqueue.start(
        JobQueueManager.builder()
            .config(
                JobQueueConfig.builder()
                    .schema(schema)
                    .nodeId("survivor")
                    .maxWorkers(4)
                    .leaseDuration(LEASE)
                    .rescueInterval(RESCUE_INTERVAL)
                    .build())
            .dataSource(jobqueue.newPool("rescue-survivor", 10))
            .handler(
                JobHandler.of(
                    WorkerProcess.HOLD_TYPE,
                    Hold.class,
                    (payload, ctx) -> {
                      rescuerRunCount.incrementAndGet();
                      rescuerRuns.put(ctx.jobId(), ctx.attempt());
                      return Map.of("by", "rescuer");
                    })));
  }

  private static JobHandler<Hold> holdHandler() {
    return JobHandler.of(WorkerProcess.HOLD_TYPE, Hold.class, (payload, ctx) -> null);
  }

  private JobStatus status(String id) {
    return jobqueue.manager().getJob(id).orElseThrow().status();
  }

  private Set<String> heldBy(String node) {
    return new HashSet<>(rows.ids("status = 'running' and locked_by = '" + node + "'"));
  }

  private Instant databaseNow() throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("select clock_timestamp()");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      Timestamp now = rs.getTimestamp(1);
      return now.toInstant();
    }
  }
}
