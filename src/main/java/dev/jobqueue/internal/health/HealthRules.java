package dev.jobqueue.internal.health;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.WallClock;
import dev.jobqueue.internal.store.ClusterStore;
import dev.jobqueue.internal.store.HealthSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The rules of the health check, in order, as a pure function of what was observed: no database, no
 * clock. <strong>Not API.</strong>
 *
 * <ol>
 *   <li><b>unhealthy</b>: the job queue is not initialized or was shut down; the database failed or
 *       did not answer in time; this node should run workers but its pool is not running; or the
 *       last {@value #CLAIM_FAILURES_UNHEALTHY} or more claims in a row failed (it runs nothing);
 *   <li><b>degraded</b>: a worker is stuck; the oldest due pending job of a queue has waited longer
 *       than the allowed lag; jobs are due and no node is alive to run them; or a schedule's due
 *       occurrence has not been enqueued within the missed-run threshold;
 *   <li><b>healthy</b> otherwise.
 * </ol>
 *
 * <p>Paused queues wait on purpose: their jobs count in neither rule, nor in the overall queue
 * figures ({@link #overall}).
 */
public final class HealthRules {

  /** Claims failing this many times in a row make a node unhealthy: it runs nothing. */
  public static final int CLAIM_FAILURES_UNHEALTHY = 3;

  /**
   * What the check observed.
   *
   * @param problem why the database part could not be read (not initialized, shut down, the
   *     database failed or was too slow), or null when {@code snapshot} is there
   * @param snapshot the database part, or null
   * @param workersExpected whether this node should run workers
   * @param poolRunning whether its pool runs
   * @param claimFailing the current streak of failed claims, or null
   * @param workers this node's workers
   * @param maxQueueLagMillis the allowed lag of the oldest due job
   * @param maxScheduleLagMillis the allowed lag of a schedule's due occurrence
   */
  public record Observation(
      String problem,
      HealthSnapshot snapshot,
      boolean workersExpected,
      boolean poolRunning,
      String claimFailing,
      HealthCheckResult.Workers workers,
      long maxQueueLagMillis,
      long maxScheduleLagMillis) {}

  /**
   * The verdict and its reasons.
   *
   * @param status the status
   * @param reasons why it is not healthy; empty when it is
   */
  public record Verdict(HealthStatus status, List<String> reasons) {}

  private HealthRules() {}

  /**
   * Applies the rules.
   *
   * @param seen what the check observed
   * @return the verdict
   */
  public static Verdict judge(Observation seen) {
    List<String> reasons = new ArrayList<>();
    HealthSnapshot snapshot = seen.snapshot();
    if (snapshot == null) {
      reasons.add(Optional.ofNullable(seen.problem()).orElse("the database was not read"));
      return new Verdict(HealthStatus.UNHEALTHY, reasons);
    }
    if (seen.workersExpected() && !seen.poolRunning()) {
      reasons.add("the worker pool is not running");
      return new Verdict(HealthStatus.UNHEALTHY, reasons);
    }
    if (seen.claimFailing() != null) {
      reasons.add("claiming jobs fails (" + seen.claimFailing() + ")");
      return new Verdict(HealthStatus.UNHEALTHY, reasons);
    }
    if (seen.workers().stuck() > 0) {
      reasons.add(seen.workers().stuck() + " worker thread(s) are stuck");
    }
    new TreeMap<>(snapshot.queues())
        .forEach(
            (name, queue) -> {
              if (!queue.paused() && queue.lagMillis() > seen.maxQueueLagMillis()) {
                reasons.add(
                    "queue "
                        + name
                        + ": the oldest due job has waited "
                        + queue.lagMillis()
                        + " ms, over the limit of "
                        + seen.maxQueueLagMillis()
                        + " ms");
              }
            });
    if (overall(snapshot.queues()).duePending() > 0 && snapshot.liveNodes() == 0) {
      reasons.add("jobs are due but no worker node is alive");
    }
    HealthCheckResult.Schedules schedules = snapshot.schedules();
    if (!schedules.late().isEmpty()) {
      reasons.add(
          "schedules "
              + String.join(", ", schedules.late())
              + ": due occurrences are not enqueued; the most overdue has waited "
              + schedules.lagMillis()
              + " ms, over the limit of "
              + seen.maxScheduleLagMillis()
              + " ms (is a node with workers running, to lead?)");
    }
    return new Verdict(reasons.isEmpty() ? HealthStatus.HEALTHY : HealthStatus.DEGRADED, reasons);
  }

  /**
   * The queues that are not paused, together: the largest lag, and the due jobs summed (capped at
   * {@value ClusterStore#EXACT_COUNT_LIMIT}, as each queue's count is, so the sum stays exact below
   * the cap).
   *
   * @param queues every queue's figures
   * @return the overall figures
   */
  public static HealthCheckResult.Queue overall(Map<String, HealthCheckResult.QueueHealth> queues) {
    long lag = 0;
    long due = 0;
    for (HealthCheckResult.QueueHealth queue : queues.values()) {
      if (!queue.paused()) {
        lag = Math.max(lag, queue.lagMillis());
        due += queue.duePending();
      }
    }
    return new HealthCheckResult.Queue(lag, Math.min(due, ClusterStore.EXACT_COUNT_LIMIT));
  }

  /**
   * What this node's pool looks like to the health check.
   *
   * @param running whether the pool runs
   * @param workers its workers (all 0 when it does not run)
   * @param listening whether LISTEN/NOTIFY wakes it
   * @param claimFailing the current streak of failed claims, or null
   * @param processed attempts finished since it started
   * @param averageMillis their mean duration
   */
  public record Node(
      boolean running,
      HealthCheckResult.Workers workers,
      boolean listening,
      String claimFailing,
      long processed,
      long averageMillis) {}

  /**
   * The whole health check result: the rules applied to this node and the database reading.
   *
   * @param config the settings (whether workers should run, the allowed lag)
   * @param types the registered job types
   * @param node this node's pool
   * @param reading the database part, or why there is none
   * @return the result
   */
  public static HealthCheckResult result(
      JobQueueConfig config, List<String> types, Node node, HealthReader.Reading reading) {
    HealthSnapshot snapshot = reading.snapshot();
    Verdict verdict =
        judge(
            new Observation(
                reading.problem(),
                snapshot,
                config.runWorkers(),
                node.running(),
                node.claimFailing(),
                node.workers(),
                config.healthMaxQueueLag().toMillis(),
                config.missedRunThreshold().toMillis()));
    Map<String, Long> counts = snapshot == null ? Map.of() : snapshot.counts();
    Map<String, HealthCheckResult.QueueHealth> queues =
        snapshot == null ? Map.of() : snapshot.queues();
    return new HealthCheckResult(
        verdict.status(),
        node.workers(),
        new HealthCheckResult.Jobs(
            counts.getOrDefault("pending", 0L),
            counts.getOrDefault("running", 0L),
            counts.getOrDefault("completed", 0L),
            counts.getOrDefault("failed", 0L),
            counts.getOrDefault("cancelled", 0L),
            snapshot != null && snapshot.estimated()),
        new HealthCheckResult.Metrics(node.processed(), node.averageMillis(), types),
        overall(queues),
        queues,
        new HealthCheckResult.Cluster(
            snapshot == null ? 0 : snapshot.liveNodes(),
            node.running() && node.listening(),
            !node.running() ? "none" : node.listening() ? "notify" : "polling",
            snapshot == null || snapshot.leader() == null ? "" : snapshot.leader()),
        snapshot == null
            ? new HealthCheckResult.Schedules(0, 0, 0, List.of())
            : snapshot.schedules(),
        verdict.reasons(),
        WallClock.now());
  }
}
