package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * Scenario 3, freeze past the lease: a worker JVM is stopped with SIGSTOP while it runs four long
 * jobs, for three times its lease; another JVM rescues and reruns them; then the frozen JVM gets
 * SIGCONT. Its stale attempts change nothing (no side effect, no job row), it abandons them (the
 * cooperative ones stop at their next check, the ones that ignore interruption are fenced when they
 * try to complete), and none of them does any work after the new attempt started.
 */
@Tag("reliability")
class FreezePastLeaseIT {

  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final Duration RESCUE = Duration.ofMillis(500);
  private static final Duration FREEZE = Duration.ofSeconds(6);

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFrozenWorkerChangesNothingAfterItsLeaseWasTakenOver() throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    Ledger ledger = cluster.ledger();
    Node base = Node.of("freeze").withWorkers(4, 1).withLease(LEASE, RESCUE);
    Child frozen = cluster.launchAll(List.of(base.withNodeId("frozen"))).get(0);

    List<String> ids = new ArrayList<>();
    ids.add(cluster.enqueueOne(Task.hold(0, 14_000), 3, null));
    ids.add(cluster.enqueueOne(Task.stubborn(1, 14_000), 3, null));
    ids.add(cluster.enqueueOne(Task.hold(2, 14_000), 3, null));
    ids.add(cluster.enqueueOne(Task.stubborn(3, 14_000), 3, null));
    await().atMost(Duration.ofSeconds(30)).until(() -> ledger.executions("l.node = 'frozen'") == 4);
    Child healthy = cluster.launchAll(List.of(base.withNodeId("healthy"))).get(0);

    Instant stoppedAt = ledger.dbNow();
    frozen.signal("STOP");
    Thread.sleep(FREEZE.toMillis());
    // While it was frozen, its leases ran out and the healthy node took its jobs over.
    assertThat(ledger.executions("l.node = 'healthy'")).isEqualTo(4);
    Instant resumedAt = ledger.dbNow();
    frozen.signal("CONT");

    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.jobs("status = 'completed'") == 4);
    // The stubborn stale attempts try to complete when their 14 s are over.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ledger.executions("l.node = 'frozen' and l.ended_at is null") == 0);
    assertThat(frozen.process().isAlive()).isTrue();
    assertThat(healthy.process().isAlive()).isTrue();

    List<String> fenced = frozen.lines("FENCED ");
    List<String> abandoned = frozen.lines("ABANDONED ");
    List<String> selfFenced =
        frozen.output().stream().filter(l -> l.contains("could not renew its lease")).toList();
    List<String> lostLogs =
        frozen.output().stream().filter(l -> l.contains("is no longer held")).toList();
    long staleEffects =
        ledger
            .rows("select count(*) from " + ledger.q("side_effects") + " where node = 'frozen'")
            .stream()
            .mapToLong(Long::parseLong)
            .sum();
    List<String> staleOutcomes =
        ledger.rows(
            "select job_id || ':' || outcome || ' ended ' || round(extract(epoch from ended_at - '"
                + resumedAt
                + "'::timestamptz) * 1000) || ' ms after SIGCONT' from "
                + ledger.q("ledger")
                + " where node = 'frozen' order by job_id");
    List<String> takeover = ledger.progressAfterTakeover();
    System.out.printf(
        "RELIABILITY freeze: SIGSTOP %d ms (lease %d ms, rescue %d ms) of a JVM running 4 jobs"
            + " (2 cooperative, 2 ignoring interruption); taken over by the other JVM: %d;"
            + " stale side effects %d; stale outcomes %s; fenced completions %s; abandoned %s;"
            + " self-fencing log lines %d, lost-lease log lines %d; work after takeover %d;"
            + " frozen at %s%n",
        FREEZE.toMillis(),
        LEASE.toMillis(),
        RESCUE.toMillis(),
        ledger.executions("l.node = 'healthy'"),
        staleEffects,
        staleOutcomes,
        fenced,
        abandoned,
        selfFenced.size(),
        lostLogs.size(),
        takeover.size(),
        stoppedAt);

    // Every write of the stale worker changed 0 rows: no side effect, and each job completed once,
    // by the healthy node's attempt, after one lost attempt.
    assertThat(staleEffects).isZero();
    assertThat(ledger.sideEffects()).isEqualTo(4);
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(
            ledger.rows(
                "select count(*) from "
                    + ledger.q("side_effects")
                    + " where node = 'healthy' and attempt = 2"))
        .containsExactly("4");
    for (String id : ids) {
      var job = cluster.enqueuer().getJob(id).orElseThrow();
      assertThat(job.retryCount()).isEqualTo(1);
      assertThat(job.errors()).hasSize(1);
      assertThat(job.errors().get(0).message()).contains("lease held by frozen");
    }
    // It abandoned its stale jobs: the cooperative ones stopped, the others were fenced.
    assertThat(staleOutcomes).hasSize(4).allMatch(o -> !o.contains(":completed "));
    assertThat(abandoned).hasSize(2);
    assertThat(fenced).hasSize(2);
    // The node says why: at least one self-fencing or lost-lease line. Not one per job: a
    // cooperative handler that sees isCancellationRequested() (true once the local lease ran out)
    // can end its attempt before the watchdog gets to log it.
    assertThat(selfFenced.size() + lostLogs.size()).isGreaterThanOrEqualTo(1);
    // No stale attempt did any work after the new attempt of its job started.
    assertThat(takeover).isEmpty();
    assertThat(ledger.executions("l.node = 'healthy' and l.outcome = 'completed'")).isEqualTo(4);
  }
}
