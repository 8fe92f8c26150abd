package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 8, graceful shutdown under load across JVMs: three worker JVMs busy with a queue are
 * shut down at once, two by SIGTERM (their shutdown hook calls {@code shutdown()}) and one by a
 * {@code SHUTDOWN} line on its standard input. Within the graceful timeout every running job
 * finishes; past it, the jobs still running are interrupted and given back to pending without
 * counting an attempt. Either way no job is left {@code running}, and a fresh node then drains the
 * rest: nothing lost, each side effect once.
 */
@Tag("reliability")
class GracefulShutdownUnderLoadIT {

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void withinTheTimeoutEveryRunningJobFinishes() throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    Ledger ledger = cluster.ledger();
    List<Child> nodes = startThree(Duration.ofSeconds(10));
    // Jobs of 100 to 500 ms, the rest of the queue drained by a fresh node afterwards.
    cluster.enqueue(1_200, i -> Task.sleep(i, 100 + (i % 5) * 100), 3);
    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.jobs("status = 'completed'") > 200);
    long runningBefore = cluster.jobs("status = 'running'");

    List<Integer> exits = shutDown(nodes);
    long runningAfter = cluster.jobs("status = 'running'");
    long interrupted = ledger.executions("l.outcome = 'interrupted'");
    long open = ledger.executions("l.ended_at is null");
    List<String> durations = shutdownDurations(nodes);
    long completedAtShutdown = cluster.jobs("status = 'completed'");

    drainWithFreshNode();
    System.out.printf(
        "RELIABILITY graceful-shutdown within timeout (10 s, jobs of 100-500 ms): 3 JVMs x 4"
            + " workers; %d jobs running when shut down, exit codes %s, shutdown took %s;"
            + " running after %d, interrupted %d, open executions %d; %d completed by then; after"
            + " a fresh node drained the rest: lost %d, duplicate executions %d%n",
        runningBefore,
        exits,
        durations,
        runningAfter,
        interrupted,
        open,
        completedAtShutdown,
        ledger.lostJobs("true"),
        ledger.duplicateExecutions());

    assertThat(exits).containsExactly(0, 143, 143);
    assertThat(runningBefore).isPositive();
    assertThat(runningAfter).as("jobs left running").isZero();
    assertThat(interrupted).isZero();
    assertThat(open).isZero();
    assertThat(ledger.lostJobs("true")).isZero();
    assertThat(ledger.duplicateExecutions()).isZero();
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
  }

  @Test
  void pastTheTimeoutRunningJobsAreGivenBack() throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    Ledger ledger = cluster.ledger();
    List<Child> nodes = startThree(Duration.ofSeconds(1));
    // Six long jobs that check for cancellation, six that ignore interruption, and a queue.
    for (int i = 0; i < 6; i++) {
      cluster.enqueueOne(Task.hold(i, 8_000), 3, null);
      cluster.enqueueOne(Task.stubborn(100 + i, 8_000), 3, null);
    }
    cluster.enqueue(2_000, i -> Task.sleep(1_000 + i, 20), 3);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                ledger.executions(
                        "(select j.payload->>'mode' from "
                            + ledger.q("jobs")
                            + " j where j.id = l.job_id) in ('hold', 'stubborn')")
                    == 12);

    List<Integer> exits = shutDown(nodes);
    long runningAfter = cluster.jobs("status = 'running'");
    long givenBack =
        cluster.jobs(
            "status = 'pending' and retry_count = 0 and jsonb_array_length(errors) = 0"
                + " and payload->>'mode' in ('hold', 'stubborn')");
    List<String> durations = shutdownDurations(nodes);

    drainWithFreshNode();
    long retried = cluster.jobs("retry_count > 0");
    System.out.printf(
        "RELIABILITY graceful-shutdown past timeout (1 s, 12 jobs of 8 s): 3 JVMs x 4 workers;"
            + " exit codes %s, shutdown took %s; running after %d; long jobs given back to pending"
            + " uncounted %d/12; after a fresh node drained the rest: lost %d, jobs with a counted"
            + " retry %d, jobs without exactly one side effect %d%n",
        exits,
        durations,
        runningAfter,
        givenBack,
        ledger.lostJobs("true"),
        retried,
        ledger.completedJobsWithoutExactlyOneSideEffect());

    assertThat(exits).containsExactly(0, 143, 143);
    assertThat(runningAfter).as("jobs left running").isZero();
    assertThat(givenBack).isEqualTo(12);
    assertThat(ledger.lostJobs("true")).isZero();
    assertThat(retried).as("a released attempt does not count").isZero();
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
    // The only executions without an effect are the long ones the shutdown interrupted.
    assertThat(
            ledger.executions(
                "not exists (select 1 from "
                    + ledger.q("side_effects")
                    + " s where s.job_id = l.job_id and s.attempt = l.attempt and s.node = l.node)"
                    + " and (select j.payload->>'mode' from "
                    + ledger.q("jobs")
                    + " j where j.id = l.job_id) = 'sleep'"))
        .isZero();
  }

  private List<Child> startThree(Duration grace) throws Exception {
    List<Node> nodes = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      nodes.add(
          Node.of("gs-" + i)
              .withWorkers(4, 1)
              .withLease(Duration.ofSeconds(3), Duration.ofSeconds(1))
              .withGracefulShutdownTimeout(grace));
    }
    return cluster.launchAll(nodes);
  }

  /** Shuts the first node down by its standard input and the others by SIGTERM, all at once. */
  private static List<Integer> shutDown(List<Child> nodes) throws Exception {
    nodes.get(0).send("SHUTDOWN");
    nodes.get(1).terminate();
    nodes.get(2).terminate();
    List<Integer> exits = new ArrayList<>();
    for (Child node : nodes) {
      exits.add(node.awaitExit(Duration.ofSeconds(60)));
    }
    System.out.println("GracefulShutdownUnderLoadIT: exit codes " + exits);
    return exits;
  }

  private static List<String> shutdownDurations(List<Child> nodes) {
    List<String> durations = new ArrayList<>();
    for (Child node : nodes) {
      List<String> done = node.lines("SHUTDOWN-DONE ");
      assertThat(done).as("%s printed SHUTDOWN-DONE", node.nodeId()).isNotEmpty();
      durations.add(done.get(0).substring("SHUTDOWN-DONE ".length()));
    }
    return durations;
  }

  private void drainWithFreshNode() throws Exception {
    cluster.launchAll(List.of(Node.of("gs-drain").withWorkers(16, 1)));
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> cluster.jobs("status in ('pending', 'running')") == 0);
  }
}
