package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 1, no double claim: worker JVMs compete for one queue; the ledger shows every job ran
 * exactly once, and its completion side effect committed exactly once.
 */
class NoDoubleClaimIT {

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The scenario's figures (docs/reliability.md): 3 JVMs x 8 workers, 50,000 jobs. */
  @Test
  @Tag("reliability")
  void fiftyThousandJobsOnThreeJvms() throws Exception {
    run(3, 8, 50_000, Duration.ofMinutes(8));
  }

  /** The reduced version for the default run: 2 JVMs x 4 workers, 3,000 jobs. */
  @Test
  void threeThousandJobsOnTwoJvms() throws Exception {
    run(2, 4, 3_000, Duration.ofSeconds(90));
  }

  private void run(int jvms, int workers, int jobs, Duration bound) throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    List<Node> nodes = new ArrayList<>();
    for (int i = 1; i <= jvms; i++) {
      nodes.add(Node.of("ndc-" + i).withWorkers(workers, 4));
    }
    List<Child> children = cluster.launchAll(nodes);

    long t0 = System.nanoTime();
    List<String> ids = cluster.enqueue(jobs, Task::noop, 3);
    long enqueuedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(ids).hasSize(jobs).doesNotHaveDuplicates();
    await()
        .atMost(bound)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.jobs("status in ('pending', 'running')") == 0);
    long drainedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    for (Child child : children) {
      assertThat(child.process().isAlive()).as("child %s alive", child.nodeId()).isTrue();
    }

    var ledger = cluster.ledger();
    long lost = ledger.lostJobs("true");
    long duplicates = ledger.duplicateExecutions();
    long executions = ledger.executions("true");
    long sideEffects = ledger.sideEffects();
    List<String> split =
        ledger.rows(
            "select node || '=' || count(*) from "
                + ledger.q("ledger")
                + " group by node order by node");
    System.out.printf(
        "RELIABILITY no-double-claim: %d JVMs x %d workers, %d jobs: enqueued in %d ms, drained in"
            + " %d ms (%.0f jobs/s); executions %d, side effects %d, lost %d, duplicate executions"
            + " %d; split %s%n",
        jvms,
        workers,
        jobs,
        enqueuedMillis,
        drainedMillis,
        jobs * 1000.0 / Math.max(1, drainedMillis),
        executions,
        sideEffects,
        lost,
        duplicates,
        split);

    assertThat(cluster.jobs("status = 'completed'")).isEqualTo(jobs);
    assertThat(lost).as("lost jobs").isZero();
    assertThat(duplicates).as("duplicate executions").isZero();
    assertThat(executions).isEqualTo(jobs);
    assertThat(sideEffects).isEqualTo(jobs);
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(ledger.overlappingExecutions()).isEmpty();
    assertThat(ledger.executions("l.outcome is distinct from 'completed'"))
        .as("executions that did not complete")
        .isZero();
    assertThat(split).as("every JVM took part").hasSize(jvms);
  }
}
