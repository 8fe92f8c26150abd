package dev.jobqueue.internal.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.internal.store.HealthSnapshot;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The health rules in their order, as a pure function: no database, no clock. */
class HealthRulesTest {

  private static final HealthCheckResult.Workers IDLE = new HealthCheckResult.Workers(2, 0, 2, 0);

  private static HealthSnapshot snapshot(long lagMillis, long duePending, int liveNodes) {
    return new HealthSnapshot(Map.of(), false, lagMillis, duePending, liveNodes, "node-1");
  }

  private static HealthRules.Verdict judge(
      HealthSnapshot snapshot,
      String problem,
      boolean poolRunning,
      String claimFailing,
      HealthCheckResult.Workers workers) {
    return HealthRules.judge(
        new HealthRules.Observation(
            problem, snapshot, true, poolRunning, claimFailing, workers, 1_000));
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
            "the oldest due job has waited 1001 ms, over the limit of 1000 ms",
            "jobs are due but no worker node is alive");
  }

  @Test
  void aLagAtTheLimitIsStillHealthy() {
    assertThat(judge(snapshot(1_000, 1, 1), null, true, null, IDLE).status())
        .isEqualTo(HealthStatus.HEALTHY);
  }
}
