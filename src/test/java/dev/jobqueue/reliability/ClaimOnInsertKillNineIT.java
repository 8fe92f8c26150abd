package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.WorkerProcess;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kill -9 of a node that creates its own jobs: each worker JVM calls {@code createJob} itself, one
 * job every 10 ms, with idle workers most of the time, so that most jobs are claimed by the
 * statement that inserts them (leased to that node in the insert's commit). One JVM is SIGKILLed
 * mid-stream and a replacement takes its place. No job the nodes created is lost: every one ends
 * completed with exactly one side effect, the jobs the killed JVM held (claimed on insert or not)
 * are rescued, and the only executions that took no effect are those the kill left open.
 */
class ClaimOnInsertKillNineIT {
  // 20 jobs a second for each node's 4 workers, 150 ms each: about 3 run at once, so a worker is
  // usually idle when the next job is created, and the node holds some jobs at any moment.
  private static final int PER_NODE = 150;
  private static final long EVERY_MILLIS = 50;
  private static final long SLEEP_MILLIS = 150;

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Map<String, String> selfEnqueue(int first) {
    return Map.of(
        WorkerProcess.SELF_ENQUEUE_VARIABLE,
        first + "," + PER_NODE + "," + EVERY_MILLIS + "," + SLEEP_MILLIS);
  }

  @Test
  void aKilledNodeLosesNoneOfTheJobsItClaimedInTheirInsert() throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    Ledger ledger = cluster.ledger();
    Node base =
        Node.of("ci9").withWorkers(4, 10).withLease(Duration.ofSeconds(2), Duration.ofMillis(500));
    Child survivor = cluster.launch(base.withNodeId("ci9-a"), selfEnqueue(0));
    Child victim = cluster.launch(base.withNodeId("ci9-b"), selfEnqueue(10_000));
    survivor.awaitReady(Duration.ofSeconds(60));
    victim.awaitReady(Duration.ofSeconds(60));

    // Kill the victim while it is creating and running its jobs, at a moment when it runs a job
    // claimed in its own insert.
    Thread.sleep(1_000);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (cluster.jobs("locked_by = 'ci9-b' and status = 'running' and started_at = created_at")
        == 0) {
      assertThat(System.nanoTime()).as("the victim claims a job on insert").isLessThan(deadline);
      Thread.sleep(5);
    }
    Instant killedAt = ledger.dbNow();
    int exit = victim.kill9();
    // What the dead JVM held, read before its lease (2 s) can run out.
    long heldAtDeath = cluster.jobs("locked_by = 'ci9-b' and status = 'running'");
    long claimedOnInsertHeld =
        cluster.jobs("locked_by = 'ci9-b' and status = 'running' and started_at = created_at");
    ledger.nodeDied(victim.nodeId(), "SIGKILL", killedAt);
    ledger.recordHeldAtDeath(victim.nodeId());
    long createdByVictim = cluster.jobs("(payload->>'n')::int between 10000 and 19999");
    Child replacement = cluster.launch(base.withNodeId("ci9-c"), selfEnqueue(20_000));
    replacement.awaitReady(Duration.ofSeconds(60));

    deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (survivor.lines("ENQUEUED").isEmpty()
        || replacement.lines("ENQUEUED").isEmpty()
        || cluster.jobs("status in ('pending', 'running')") > 0) {
      assertThat(System.nanoTime()).as("every job done within 90 s").isLessThan(deadline);
      Thread.sleep(100);
    }

    long jobs = cluster.jobs("true");
    long claimedOnInsert = cluster.jobs("attempt = 1 and started_at = created_at");
    System.out.printf(
        "RELIABILITY claim-on-insert kill-9: %d jobs created by the nodes themselves, %d of them"
            + " claimed in their insert and run once; the killed JVM (exit %d) created %d and held"
            + " %d running, %d"
            + " of them claimed in their insert; rescued attempts %d; lost %d%n",
        jobs,
        claimedOnInsert,
        exit,
        createdByVictim,
        heldAtDeath,
        claimedOnInsertHeld,
        ledger.rescuedAttempts(),
        ledger.lostJobs("true"));

    assertThat(exit).isEqualTo(137);
    assertThat(createdByVictim).isPositive();
    // The two live nodes created all of theirs; the victim some of its own before it died.
    assertThat(jobs).isGreaterThanOrEqualTo(2L * PER_NODE);
    assertThat(cluster.jobs("status <> 'completed'")).as("jobs not completed").isZero();
    assertThat(ledger.lostJobs("true")).as("lost jobs").isZero();
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(ledger.sideEffects()).isEqualTo(jobs);
    assertThat(ledger.extraExecutionsOfLiveNodes(false)).isEmpty();
    assertThat(ledger.endedWithoutEffect()).isEmpty();
    assertThat(claimedOnInsert).as("jobs claimed in their own insert").isPositive();
    assertThat(claimedOnInsertHeld).as("held by the victim, claimed in their insert").isPositive();
    assertThat(ledger.rescuedAttempts()).isGreaterThanOrEqualTo(claimedOnInsertHeld);
    List<String> failures = survivor.lines("ENQUEUE-FAILED");
    assertThat(failures).isEmpty();
  }
}
