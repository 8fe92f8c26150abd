package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.Job;
import dev.jobqueue.JobStatus;
import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 9, poison job: one job's handler halts its JVM ({@code Runtime.halt(1)}); a supervisor
 * in the test restarts the JVM whenever it dies. A rescue counts the lost attempt against the job's
 * {@code maxRetries} (JobRepository's rescue SQL: {@code retry_count >= max_retries} marks it
 * failed, otherwise {@code retry_count + 1}), so the job runs {@code maxRetries + 1} times and ends
 * {@code failed}; the other jobs all complete, each with one side effect.
 */
@Tag("reliability")
class PoisonJobIT {

  private static final int POISON_MAX_RETRIES = 2;
  private static final int OTHERS = 300;

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aJobThatKillsItsJvmEndsFailedAndTheOthersComplete() throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    Ledger ledger = cluster.ledger();
    Node base =
        Node.of("poison")
            .withWorkers(4, 1)
            .withLease(Duration.ofSeconds(2), Duration.ofMillis(500));
    int starts = 1;
    Child child = cluster.launchAll(List.of(base.withNodeId("poison-1"))).get(0);

    List<String> others = new ArrayList<>(cluster.enqueue(OTHERS / 2, i -> Task.sleep(i, 20), 3));
    String poison = cluster.enqueueOne(Task.halt(-1), POISON_MAX_RETRIES, null);
    others.addAll(cluster.enqueue(OTHERS / 2, i -> Task.sleep(OTHERS / 2 + i, 20), 3));

    List<Integer> exitCodes = new ArrayList<>();
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(180);
    while (!(status(poison) == JobStatus.FAILED
        && cluster.jobs("status = 'completed'") == OTHERS)) {
      assertThat(System.nanoTime()).as("within 180 s").isLessThan(deadline);
      if (!child.process().isAlive()) {
        Instant seenAt = ledger.dbNow();
        int exit = child.awaitExit(Duration.ofSeconds(10));
        exitCodes.add(exit);
        ledger.nodeDied(child.nodeId(), "exit " + exit, seenAt);
        starts++;
        child = cluster.launch(base.withNodeId("poison-" + starts));
        System.out.printf(
            "PoisonJobIT: %s exited with %d; supervisor started %s%n",
            ledger
                .rows("select node from " + ledger.q("node_deaths") + " order by dead_at desc")
                .get(0),
            exit,
            child.nodeId());
      }
      Thread.sleep(100);
    }
    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    Job job = cluster.enqueuer().getJob(poison).orElseThrow();
    long poisonRuns = ledger.executions("l.job_id = " + poison);
    System.out.printf(
        "RELIABILITY poison: maxRetries %d; the poison job ran %d times and ended %s (retry_count"
            + " %d, %d errors); JVM deaths %d (exit codes %s), restarts %d, starts %d; other jobs"
            + " %d/%d completed, lost %d, without exactly one side effect %d; %d ms%n",
        POISON_MAX_RETRIES,
        poisonRuns,
        job.status(),
        job.retryCount(),
        job.errors().size(),
        exitCodes.size(),
        exitCodes,
        starts - 1,
        starts,
        cluster.jobs("status = 'completed'"),
        OTHERS,
        ledger.lostJobs("j.id <> " + poison),
        ledger.completedJobsWithoutExactlyOneSideEffect(),
        elapsed);

    assertThat(job.status()).isEqualTo(JobStatus.FAILED);
    assertThat(job.retryCount()).isEqualTo(POISON_MAX_RETRIES);
    assertThat(job.errors())
        .hasSize(POISON_MAX_RETRIES + 1)
        .allMatch(e -> e.message().startsWith("attempt lost"));
    assertThat(poisonRuns).isEqualTo(POISON_MAX_RETRIES + 1);
    // Each run of the poison job killed its JVM, and nothing else did.
    assertThat(exitCodes).hasSize(POISON_MAX_RETRIES + 1).allMatch(c -> c == 1);
    assertThat(starts - 1).as("restarts").isLessThanOrEqualTo(POISON_MAX_RETRIES + 1);
    assertThat(ledger.lostJobs("j.id <> " + poison)).isZero();
    assertThat(cluster.jobs("status = 'completed'")).isEqualTo(OTHERS);
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(ledger.extraExecutionsOfLiveNodes(false)).isEmpty();
    assertThat(ledger.endedWithoutEffect()).isEmpty();
  }

  private JobStatus status(String id) {
    return cluster.enqueuer().getJob(id).orElseThrow().status();
  }
}
