package dev.jobqueue;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@link JobQueueManager#healthCheck()} found. It serializes with Jackson (or any JSON library
 * that reads records) to the documented shape, plus a few fields:
 *
 * <pre>{@code
 * {
 *   "status": "healthy",
 *   "workers": {"total": 5, "active": 3, "idle": 2, "stuck": 0},
 *   "jobs": {"pending": 12, "running": 3, "completed": 150, "failed": 2, "cancelled": 0,
 *            "estimated": false},
 *   "metrics": {"totalJobsProcessed": 152, "averageProcessingTime": 1250,
 *               "registeredTypes": ["data-processing", "email-notification"]},
 *   "queue": {"lagMillis": 40, "duePending": 12},
 *   "queues": {
 *     "default": {"paused": false, "duePending": 12, "lagMillis": 40, "running": 3},
 *     "emails": {"paused": true, "duePending": 250, "lagMillis": 600000, "running": 0}
 *   },
 *   "cluster": {"liveNodes": 2, "listening": true, "wakeup": "notify", "leader": "web-1"},
 *   "schedules": {"total": 3, "paused": 1, "lagMillis": 0, "late": []},
 *   "reasons": [],
 *   "checkedAt": "2026-11-28T08:00:00Z"
 * }
 * }</pre>
 *
 * <p>The rules for {@code status}, in order: <b>unhealthy</b> when the database failed or did not
 * answer within {@link JobQueueConfig#healthCheckTimeout()}, or when this node should run workers
 * ({@link JobQueueConfig#runWorkers()}) but its pool is not running, or when its pool's last three
 * or more claims in a row failed (it runs nothing); <b>degraded</b> when a worker is stuck, or the
 * oldest due pending job of a queue that is not paused has waited longer than {@link
 * JobQueueConfig#healthMaxQueueLag()}, or jobs of such a queue are due and no node is alive to run
 * them, or a schedule's due occurrence has not been enqueued within {@link
 * JobQueueConfig#missedRunThreshold()}; <b>healthy</b> otherwise. {@code reasons} says which rule
 * applied.
 *
 * <p>A paused queue ({@link JobQueueManager#pauseQueue(String)}) waits on purpose: its jobs are
 * listed under {@code queues}, but they never make the status {@code degraded}, and {@code queue}
 * leaves them out.
 *
 * @param status the verdict
 * @param workers this node's workers
 * @param jobs jobs in the table by status
 * @param metrics this node's processing since it started
 * @param queue how far behind the queues that are not paused are, together
 * @param queues each queue that has a row in the {@code queues} table (it was declared, paused or
 *     limited) or holds pending or running jobs, by name
 * @param cluster the nodes sharing the schema
 * @param schedules the stored schedules ({@link Schedule})
 * @param reasons why the status is not healthy; empty when it is
 * @param checkedAt when the check ran, by this JVM's clock
 */
public record HealthCheckResult(
    HealthStatus status,
    Workers workers,
    Jobs jobs,
    Metrics metrics,
    Queue queue,
    Map<String, QueueHealth> queues,
    Cluster cluster,
    Schedules schedules,
    List<String> reasons,
    @JsonSerialize(using = ToStringSerializer.class) Instant checkedAt) {

  /**
   * Checks the components.
   *
   * @param status the verdict
   * @param workers this node's workers
   * @param jobs jobs by status
   * @param metrics processing figures
   * @param queue queue lag
   * @param queues per queue
   * @param cluster cluster figures
   * @param schedules schedule figures
   * @param reasons why not healthy
   * @param checkedAt when
   */
  public HealthCheckResult {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(workers, "workers");
    Objects.requireNonNull(jobs, "jobs");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(queue, "queue");
    queues = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(queues, "queues")));
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(schedules, "schedules");
    reasons = List.copyOf(reasons);
    Objects.requireNonNull(checkedAt, "checkedAt");
  }

  /**
   * This node's workers.
   *
   * @param total live workers
   * @param active workers running a job
   * @param idle workers waiting for one
   * @param stuck worker threads that ignored an interruption, or have been busy with one job for
   *     longer than {@code workerTimeout}
   */
  public record Workers(int total, int active, int idle, int stuck) {}

  /**
   * Jobs in the table by status. Counts below 10,000 are exact; larger ones come from PostgreSQL's
   * statistics (kept by autovacuum's ANALYZE), or read 10,000 when the table has no statistics yet,
   * and {@code estimated} says so. All zero when the database did not answer.
   *
   * @param pending waiting to run, due or not
   * @param running claimed by a node
   * @param completed finished successfully and not yet pruned
   * @param failed finished unsuccessfully and not yet pruned
   * @param cancelled cancelled and not yet pruned
   * @param estimated whether any count is an estimate
   */
  public record Jobs(
      long pending, long running, long completed, long failed, long cancelled, boolean estimated) {}

  /**
   * This node's processing since its pool started.
   *
   * @param totalJobsProcessed attempts finished, whatever their outcome
   * @param averageProcessingTime their mean handler time in milliseconds
   * @param registeredTypes the types this node has handlers for
   */
  public record Metrics(
      long totalJobsProcessed, long averageProcessingTime, List<String> registeredTypes) {

    /**
     * Copies the type list.
     *
     * @param totalJobsProcessed attempts finished
     * @param averageProcessingTime mean handler time in ms
     * @param registeredTypes the types
     */
    public Metrics {
      registeredTypes = List.copyOf(registeredTypes);
    }
  }

  /**
   * How far behind the queues that are not paused are, together, by the database clock: the figures
   * of {@link #queues()} over the queues that are not paused.
   *
   * @param lagMillis how long the oldest due pending job of those queues has been due; 0 when none
   *     is
   * @param duePending how many of their pending jobs are due now (exact up to 10,000, then 10,000)
   */
  public record Queue(long lagMillis, long duePending) {}

  /**
   * One queue, by the database clock. A queue no node serves, or whose jobs have no handler, shows
   * here like any other.
   *
   * @param paused whether the queue is paused: no node claims its jobs until it is resumed
   * @param duePending how many of its pending jobs are due now (exact up to 10,000, then 10,000)
   * @param lagMillis how long its oldest due pending job has been due; 0 when none is
   * @param running how many of its jobs are running (exact up to 10,000, then 10,000)
   */
  public record QueueHealth(boolean paused, long duePending, long lagMillis, long running) {}

  /**
   * The nodes sharing this schema.
   *
   * @param liveNodes worker pools whose heartbeat is recent (within three heartbeats)
   * @param listening whether this node's pool is woken by LISTEN/NOTIFY right now
   * @param wakeup {@code "notify"} when listening, {@code "polling"} when it relies on {@code
   *     pollInterval}, {@code "none"} when this node runs no workers
   * @param leader the node id of the leader, which runs the cluster's maintenance (pruning), by the
   *     database clock; empty when no node leads at the moment (none runs workers, or the last
   *     leader died and its lease has not yet run out)
   */
  public record Cluster(int liveNodes, boolean listening, String wakeup, String leader) {
    /**
     * Checks the components.
     *
     * @param liveNodes live worker pools
     * @param listening whether this node listens
     * @param wakeup how this node is woken
     * @param leader the leader's node id, or empty
     */
    public Cluster {
      Objects.requireNonNull(wakeup, "wakeup");
      Objects.requireNonNull(leader, "leader");
    }
  }

  /**
   * The stored schedules, by the database clock.
   *
   * @param total how many there are
   * @param paused how many of them are paused
   * @param lagMillis how long the most overdue occurrence of a schedule that is not paused has been
   *     due without being enqueued; 0 when none is (the leader enqueues each within about a second)
   * @param late the schedules (up to 10, most overdue first) whose due occurrence has waited longer
   *     than {@link JobQueueConfig#missedRunThreshold()}: no leader enqueues them
   */
  public record Schedules(int total, int paused, long lagMillis, List<String> late) {
    /**
     * Copies the list.
     *
     * @param total schedules
     * @param paused paused ones
     * @param lagMillis the largest lag
     * @param late the late ones
     */
    public Schedules {
      late = List.copyOf(late);
    }
  }
}
