package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.internal.WallClock;
import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 10, clock skew: worker JVMs whose wall clock is 10 minutes ahead and 10 minutes behind
 * run next to one with a correct clock. The skew is real for everything the library reads: every
 * wall-clock read goes through {@link WallClock} (ArchitectureTest enforces it), and a child
 * started with {@value WallClock#SKEW_PROPERTY} sees that clock; each child prints its clock at
 * start and the test checks the skew against the database clock. No job starts before its scheduled
 * time by the database clock, and long jobs (lease 2 s, running 6 s, renewed by their skewed
 * holders) are never rescued.
 */
@Tag("reliability")
class ClockSkewIT {

  private static final long SKEW = Duration.ofMinutes(10).toMillis();

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void skewedNodesNeitherStartEarlyNorRescueLiveJobs() throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    Ledger ledger = cluster.ledger();
    Node base =
        Node.of("skew").withWorkers(4, 1).withLease(Duration.ofSeconds(4), Duration.ofMillis(300));
    List<Child> nodes =
        cluster.launchAll(
            List.of(
                base.withNodeId("ahead").withClockSkewMillis(SKEW),
                base.withNodeId("behind").withClockSkewMillis(-SKEW),
                base.withNodeId("exact")));
    Instant dbNow = ledger.dbNow();
    List<String> clocks = new ArrayList<>();
    long[] expected = {SKEW, -SKEW, 0};
    for (int i = 0; i < nodes.size(); i++) {
      long childClock =
          Long.parseLong(nodes.get(i).lines("CLOCK ").get(0).substring("CLOCK ".length()));
      long offset = childClock - dbNow.toEpochMilli();
      clocks.add(nodes.get(i).nodeId() + " " + offset / 1000 + " s");
      // Printed at start, read up to a minute later: within 90 s of the intended skew.
      assertThat(offset).isBetween(expected[i] - 90_000, expected[i] + 5_000);
    }

    // Long jobs: each lives through several renewals by a skewed (or exact) holder.
    for (int i = 0; i < 9; i++) {
      cluster.enqueueOne(Task.hold(i, 10_000), 0, null);
    }
    // Jobs scheduled 2 to 8 s ahead by the database clock, and immediate ones.
    Instant base0 = ledger.dbNow();
    for (int i = 0; i < 120; i++) {
      cluster.enqueueOne(Task.noop(100 + i), 0, base0.plusMillis(2_000 + 50L * i));
    }
    cluster.enqueue(300, i -> Task.sleep(1_000 + i, 10), 0);

    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> cluster.jobs("status in ('pending', 'running')") == 0);

    List<String> early = ledger.startedBeforeScheduledTime();
    long minLeadMillis =
        Long.parseLong(
            ledger
                .rows(
                    "select coalesce(min(round(extract(epoch from l.started_at - j.scheduled_at)"
                        + " * 1000))::bigint, 0) from "
                        + ledger.q("ledger")
                        + " l join "
                        + ledger.q("jobs")
                        + " j on j.id = l.job_id where j.scheduled_at > j.created_at")
                .get(0));
    List<String> split =
        ledger.rows(
            "select node || '=' || count(*) || ' (' || count(*) filter (where (select"
                + " j.payload->>'mode' from "
                + ledger.q("jobs")
                + " j where j.id = l.job_id) = 'hold') || ' long)' from "
                + ledger.q("ledger")
                + " l group by node order by node");
    System.out.printf(
        "RELIABILITY clock-skew: child wall clocks vs database %s; 9 long jobs (10 s, lease 4 s),"
            + " 120 scheduled 2-8 s ahead, 300 immediate; executions by node %s; started before"
            + " scheduled time %d (earliest start after scheduled_at: %d ms); jobs run twice %d;"
            + " rescued attempts %d; failed %d%n",
        clocks,
        split,
        early.size(),
        minLeadMillis,
        ledger.jobsExecutedMoreThanOnce(),
        ledger.rescuedAttempts(),
        cluster.jobs("status <> 'completed'"));

    assertThat(early).isEmpty();
    assertThat(ledger.jobsExecutedMoreThanOnce()).isZero();
    assertThat(ledger.rescuedAttempts()).as("attempt lost errors").isZero();
    assertThat(cluster.jobs("status <> 'completed'")).isZero();
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(split).as("every node ran jobs").hasSize(3);
    for (Child node : nodes) {
      assertThat(node.output()).noneMatch(l -> l.contains("could not renew its lease"));
    }
  }
}
