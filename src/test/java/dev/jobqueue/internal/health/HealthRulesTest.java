package dev.jobqueue.internal.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthCheckResult.QueueHealth;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.store.HealthSnapshot;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The health rules in their order, as a pure function: no database, no clock. */
class HealthRulesTest {

  private static final HealthCheckResult.Workers IDLE = new HealthCheckResult.Workers(2, 0, 2, 0);

  /** One unpaused queue, {@code default}, with these figures. */
  private static HealthSnapshot snapshot(long lagMillis, long duePending, int liveNodes) {
    return snapshot(Map.of("default", new QueueHealth(false, duePending, lagMillis, 0)), liveNodes);
  }

  private static final HealthCheckResult.Schedules NO_SCHEDULES =
      new HealthCheckResult.Schedules(0, 0, 0, List.of());

  private static HealthSnapshot snapshot(Map<String, QueueHealth> queues, int liveNodes) {
    return new HealthSnapshot(Map.of(), false, queues, liveNodes, "node-1", NO_SCHEDULES);
  }

  private static HealthRules.Verdict judge(
      HealthSnapshot snapshot,
      String problem,
      boolean poolRunning,
      String claimFailing,
      HealthCheckResult.Workers workers) {
    return HealthRules.judge(
        new HealthRules.Observation(
            problem, snapshot, true, poolRunning, claimFailing, workers, 1_000, 60_000));
  }

  @Test
  void aScheduleWhoseDueOccurrenceIsNotEnqueuedDegradesNamingIt() {
    HealthSnapshot late =
        new HealthSnapshot(
            Map.of(),
            false,
            Map.of(),
            0,
            null,
            new HealthCheckResult.Schedules(3, 1, 75_000, List.of("nightly", "ping")));
    HealthRules.Verdict verdict = judge(late, null, true, null, IDLE);
    assertThat(verdict.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(verdict.reasons())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("schedules nightly, ping", "75000 ms", "limit of 60000 ms");

    HealthSnapshot onTime =
        new HealthSnapshot(
            Map.of(),
            false,
            Map.of(),
            1,
            "node-1",
            new HealthCheckResult.Schedules(3, 0, 400, List.of()));
    assertThat(judge(onTime, null, true, null, IDLE).status()).isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void aQuietQueueWithARunningPoolIsHealthy() {
    HealthRules.Verdict verdict = judge(snapshot(0, 0, 1), null, true, null, IDLE);
    assertThat(verdict.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(verdict.reasons()).isEmpty();
  }

  @Test
  void noDatabaseReadingIsUnhealthyWithItsReason() {
    HealthRules.Verdict verdict =
        judge(null, "the database did not answer within 5000 ms", true, null, IDLE);
    assertThat(verdict.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(verdict.reasons()).containsExactly("the database did not answer within 5000 ms");
  }

  @Test
  void aStoppedPoolOrFailingClaimsAreUnhealthyBeforeAnyDegradation() {
    HealthCheckResult.Workers stuck = new HealthCheckResult.Workers(2, 2, 0, 1);
    assertThat(judge(snapshot(5_000, 3, 0), null, false, null, stuck).reasons())
        .containsExactly("the worker pool is not running");
    HealthRules.Verdict failing =
        judge(snapshot(5_000, 3, 0), null, true, "3 failures in a row, the last: x", stuck);
    assertThat(failing.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(failing.reasons())
        .containsExactly("claiming jobs fails (3 failures in a row, the last: x)");
  }

  @Test
  void stuckWorkersLagAndNoLiveNodeEachDegradeAndAreAllListed() {
    HealthRules.Verdict verdict =
        judge(snapshot(1_001, 4, 0), null, true, null, new HealthCheckResult.Workers(2, 2, 0, 1));
    assertThat(verdict.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(verdict.reasons())
        .containsExactly(
            "1 worker thread(s) are stuck",
            "queue default: the oldest due job has waited 1001 ms, over the limit of 1000 ms",
            "jobs are due but no worker node is alive");
  }

  @Test
  void aLagAtTheLimitIsStillHealthy() {
    assertThat(judge(snapshot(1_000, 1, 1), null, true, null, IDLE).status())
        .isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void aPausedQueuesLagAndDueJobsNeitherDegradeNorCountOverall() {
    Map<String, QueueHealth> queues =
        Map.of(
            "default", new QueueHealth(false, 2, 300, 1),
            "emails", new QueueHealth(true, 40, 3_600_000, 0));

    HealthRules.Verdict verdict = judge(snapshot(queues, 1), null, true, null, IDLE);
    assertThat(verdict.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(verdict.reasons()).isEmpty();
    assertThat(HealthRules.overall(queues)).isEqualTo(new HealthCheckResult.Queue(300, 2));

    // With no live node, only the unpaused queue's due jobs count: none due, nothing to run.
    Map<String, QueueHealth> onlyPausedDue =
        Map.of(
            "default", new QueueHealth(false, 0, 0, 0),
            "emails", new QueueHealth(true, 40, 3_600_000, 0));
    assertThat(judge(snapshot(onlyPausedDue, 0), null, true, null, IDLE).status())
        .isEqualTo(HealthStatus.HEALTHY);
    assertThat(HealthRules.overall(onlyPausedDue)).isEqualTo(new HealthCheckResult.Queue(0, 0));
  }

  @Test
  void eachUnpausedQueueOverTheLagIsNamedInOrder() {
    Map<String, QueueHealth> queues =
        Map.of(
            "reports", new QueueHealth(false, 1, 5_000, 0),
            "emails", new QueueHealth(false, 3, 2_000, 0),
            "default", new QueueHealth(false, 9, 999, 2),
            "archive", new QueueHealth(true, 7, 9_000, 0));

    HealthRules.Verdict verdict = judge(snapshot(queues, 1), null, true, null, IDLE);

    assertThat(verdict.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(verdict.reasons())
        .containsExactly(
            "queue emails: the oldest due job has waited 2000 ms, over the limit of 1000 ms",
            "queue reports: the oldest due job has waited 5000 ms, over the limit of 1000 ms");
    assertThat(HealthRules.overall(queues)).isEqualTo(new HealthCheckResult.Queue(5_000, 13));
  }

  @Test
  void theOverallDueCountStopsAtTheCapLikeEachQueuesCount() {
    Map<String, QueueHealth> queues =
        Map.of(
            "a", new QueueHealth(false, 6_000, 10, 0),
            "b", new QueueHealth(false, 6_000, 20, 0));
    assertThat(HealthRules.overall(queues)).isEqualTo(new HealthCheckResult.Queue(20, 10_000));
    assertThat(HealthRules.overall(Map.of())).isEqualTo(new HealthCheckResult.Queue(0, 0));
  }

  @Test
  void theResultListsEveryQueueAndTheOverallFiguresOfTheUnpausedOnes() {
    Map<String, QueueHealth> queues =
        Map.of(
            "emails", new QueueHealth(true, 40, 3_600_000, 0),
            "default", new QueueHealth(false, 2, 300, 1));
    HealthRules.Node node = new HealthRules.Node(true, IDLE, true, null, 5, 12);

    HealthCheckResult result =
        HealthRules.result(
            JobQueueConfig.builder().build(),
            List.of("ok"),
            node,
            new HealthReader.Reading(snapshot(queues, 1), null));

    assertThat(result.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(result.queues()).containsExactlyEntriesOf(new TreeMap<>(queues));
    assertThat(result.queues().keySet()).containsExactly("default", "emails");
    assertThat(result.queue()).isEqualTo(new HealthCheckResult.Queue(300, 2));

    HealthCheckResult unread =
        HealthRules.result(
            JobQueueConfig.builder().build(),
            List.of("ok"),
            node,
            new HealthReader.Reading(null, "the database failed: x"));
    assertThat(unread.queues()).isEmpty();
    assertThat(unread.queue()).isEqualTo(new HealthCheckResult.Queue(0, 0));
  }
}
