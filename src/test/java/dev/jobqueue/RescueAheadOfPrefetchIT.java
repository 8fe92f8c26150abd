package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression test for a defect the kill -9 scenario of the reliability suite found: a node claims
 * when its local queue runs low (fewer queued jobs than workers), so while it held a deep prefetch
 * (up to {@code maxJobsPerWorker} per worker), a job a rescue had just given back waited in the
 * database until that queue drained, although it keeps its old place in the queue. A dead node's
 * job then ran again later than {@code leaseDuration + rescueInterval} on a busy cluster.
 *
 * <p>Here one pool has 2 workers and a claim bound of 50 per worker. 100 jobs of 50 ms are created,
 * then the job a dead node holds, then 200 more: the pool claims the first 100, so that about 98 of
 * them, all older than the orphan, wait in its local queue, as on a busy cluster where the nodes
 * claimed in turns. The dead node's lease is then made to expire. After its rescue the orphan must
 * start before the jobs queued in the pool: only the jobs that workers took while the pool was
 * claiming it may start between the rescue and the orphan's start (0 to 4 were seen; at most
 * {@value #MAX_AHEAD} are allowed for a slow machine). Before the fix about 95 did: the orphan
 * waited in the database until the local queue ran low, and then behind the older jobs.
 */
class RescueAheadOfPrefetchIT {

  record Step(int n) {}

  private static final int WORKERS = 2;
  private static final int PER_WORKER = 50;
  private static final long JOB_MILLIS = 50;

  /** Jobs that may start after the rescue and before the orphan: 5 per worker. */
  private static final int MAX_AHEAD = 5 * WORKERS;

  /** How the rescue statement starts ({@code JobRepository.rescueExpired}). */
  private static final String RESCUE_SQL = "with expired as materialized";

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final JobRows rows = jobqueue.rows();

  /** The number and start ({@code System.nanoTime()}) of every execution, in start order. */
  private final List<long[]> starts = new CopyOnWriteArrayList<>();

  /** The pool that holds the deep queue rescues the job itself. */
  @Test
  void aJobThisNodeRescuedRunsBeforeItsPrefetchedJobs() throws Exception {
    run(false);
  }

  /**
   * Another node (one that runs other types) rescues the job and announces it by NOTIFY; the pool
   * with the deep queue cannot run its own rescue statement in this test.
   */
  @Test
  void aJobAnotherNodeRescuedRunsBeforeThisNodesPrefetchedJobs() throws Exception {
    run(true);
  }

  private static List<CreateJobOptions> steps(int from, int count) {
    List<CreateJobOptions> steps = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      steps.add(CreateJobOptions.of("step", new Step(i)));
    }
    return steps;
  }

  private void run(boolean remoteRescuer) throws Exception {
    String schema = jobqueue.schema();
    String orphan;
    JobQueueManager enqueuer =
        db.managerBuilder(schema)
            .handler(JobHandler.of("step", Step.class, (p, c) -> null))
            .build();
    enqueuer.initialize();
    try {
      enqueuer.createJobs(steps(0, WORKERS * PER_WORKER));
      orphan = enqueuer.createJob(CreateJobOptions.of("step", new Step(-1)));
      // A node claimed it and died; its lease runs for another hour, until the test ends it.
      db.execute(
          "update "
              + rows.table()
              + " set status = 'running', attempt = attempt + 1, locked_by = 'dead-node',"
              + " started_at = now(), lease_expires_at = now() + interval '1 hour'"
              + " where id = "
              + orphan);
      enqueuer.createJobs(steps(WORKERS * PER_WORKER, 200));
    } finally {
      enqueuer.shutdown();
    }

    if (remoteRescuer) {
      jobqueue.start(
          "rescuer",
          EngineTestSupport.fastConfig(schema)
              .minWorkers(1)
              .maxWorkers(1)
              .rescueInterval(Duration.ofMillis(200))
              .build(),
          JobHandler.of("other", Step.class, (step, ctx) -> null));
    }
    JobQueueConfig config =
        EngineTestSupport.fastConfig(schema)
            .minWorkers(WORKERS)
            .maxWorkers(WORKERS)
            .maxJobsPerWorker(PER_WORKER)
            // Polls only every minute: a claim comes from a wake-up.
            .pollInterval(Duration.ofMinutes(1))
            .rescueInterval(Duration.ofMillis(800))
            .build();
    DataSource pool = jobqueue.newPool("survivor", WORKERS + 8);
    JobQueueManager survivor =
        jobqueue.start(
            config,
            remoteRescuer ? EngineTestSupport.refusingStatements(pool, RESCUE_SQL) : pool,
            JobHandler.of(
                "step",
                Step.class,
                (step, ctx) -> {
                  starts.add(new long[] {step.n(), System.nanoTime()});
                  Thread.sleep(JOB_MILLIS);
                  return null;
                }));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                survivor.workerPool().isListening()
                    && starts.size() >= WORKERS
                    && rows.count("status = 'running' and locked_by <> 'dead-node'")
                        >= WORKERS * PER_WORKER * 4 / 5);
    // The pool claimed exactly the jobs created before the orphan.
    assertThat(rows.count("status = 'pending' and id < " + orphan)).isZero();

    // The dead node's lease runs out now.
    db.execute("update " + rows.table() + " set lease_expires_at = now() where id = " + orphan);
    long rescuedSeen = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (rows.holds(orphan, "locked_by is distinct from 'dead-node'")) {
        rescuedSeen = System.nanoTime();
        break;
      }
      Thread.sleep(2);
    }
    assertThat(rescuedSeen).as("the orphan was rescued").isNotZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                rows.count("status = 'completed'") > 0
                    && starts.stream().anyMatch(s -> s[0] == -1));

    long orphanStart = starts.stream().filter(s -> s[0] == -1).findFirst().orElseThrow()[1];
    long seen = rescuedSeen;
    long jumped =
        starts.stream().filter(s -> s[0] != -1 && s[1] > seen && s[1] < orphanStart).count();
    System.out.printf(
        "RescueAheadOfPrefetchIT (%s rescue): the orphan started %d ms after its rescue was seen,"
            + " %d other jobs started in between; up to %d jobs were queued locally%n",
        remoteRescuer ? "remote" : "local",
        TimeUnit.NANOSECONDS.toMillis(orphanStart - seen),
        jumped,
        WORKERS * PER_WORKER - WORKERS);
    assertThat(jumped)
        .as("jobs started after the rescue, before the orphan")
        .isLessThanOrEqualTo(MAX_AHEAD);
  }
}
