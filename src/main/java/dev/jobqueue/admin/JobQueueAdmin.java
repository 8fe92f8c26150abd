package dev.jobqueue.admin;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.Job;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.JobValidationException;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.QueueLimits;
import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.internal.admin.AdminAccess;
import dev.jobqueue.internal.maintenance.NodeHeartbeat;
import dev.jobqueue.internal.store.AdminStore;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators' tools do with a running {@link JobQueueManager}: the dashboard and the command
 * line are built on it, and an application may build its own. Reads are open to every {@link Role};
 * each action names its {@link Actor}, is checked against the actor's role, and is written to the
 * audit log ({@link #auditLog}) with who, what, which jobs and when.
 *
 * <table>
 *   <caption>The role each action needs</caption>
 *   <tr><th>action</th><th>role</th></tr>
 *   <tr><td>{@link #retryJobs}, {@link #cancelJobs}</td><td>operator</td></tr>
 *   <tr><td>{@link #pauseQueue}, {@link #resumeQueue}</td><td>operator</td></tr>
 *   <tr><td>{@link #pauseSchedule}, {@link #resumeSchedule}, {@link #runScheduleNow}</td>
 *       <td>operator</td></tr>
 *   <tr><td>{@link #deleteJobs}, {@link #setQueueLimits}</td><td>admin</td></tr>
 * </table>
 *
 * <p>Every read is bounded: pages are read by keyset ({@link JobSearch#cursor()}), and counts stop
 * at a cap ({@link #countJobs}), so that each call stays fast on a table of millions of jobs.
 * Thread-safe.
 */
public final class JobQueueAdmin {
  /** The cap of {@link #countJobs(JobSearch)}. */
  public static final int DEFAULT_COUNT_CAP = 10_000;

  /** The longest window {@link #throughput} covers. */
  public static final Duration MAX_WINDOW = Duration.ofDays(7);

  private static final Logger log = LoggerFactory.getLogger(JobQueueAdmin.class);

  private final JobQueueManager manager;
  private final AdminAccess.Backend backend;
  private final AuditTrail audit;

  private JobQueueAdmin(JobQueueManager manager, AdminAccess.Backend backend) {
    this.manager = manager;
    this.backend = backend;
    this.audit = new AuditTrail(backend);
  }

  /**
   * The operator's view of a manager. It may be created before the manager is initialized; every
   * call needs it initialized.
   *
   * @param manager the manager
   * @return its admin
   */
  public static JobQueueAdmin of(JobQueueManager manager) {
    Objects.requireNonNull(manager, "manager must not be null");
    return new JobQueueAdmin(manager, AdminAccess.backend(manager));
  }

  /**
   * The manager this admin works on.
   *
   * @return the manager
   */
  public JobQueueManager manager() {
    return manager;
  }

  private AdminStore store() {
    return backend.store();
  }

  // ---------------------------------------------------------------- reads

  /**
   * The overview: health, queues, the throughput of the last {@code window} and the nodes.
   *
   * @param window how far back the chart goes, 1 minute to {@link #MAX_WINDOW}
   * @return the overview
   * @throws IllegalArgumentException naming the window when it is out of range
   */
  public Overview overview(Duration window) {
    HealthCheckResult health = manager.healthCheck();
    List<NodeView> nodes = nodes();
    Optional<String> leader =
        nodes.stream().filter(NodeView::leader).map(NodeView::nodeId).findFirst();
    Duration bucket = bucketFor(window);
    return new Overview(health, manager.getQueues(), throughput(window), bucket, nodes, leader);
  }

  /**
   * Attempts that ended across the cluster, bucketed: by the minute up to 3 hours, by 5 minutes up
   * to a day, by the hour beyond.
   *
   * @param window how far back, 1 minute to {@link #MAX_WINDOW}
   * @return one point per bucket, oldest first, empty buckets included
   * @throws IllegalArgumentException naming the window when it is out of range
   */
  public List<ThroughputPoint> throughput(Duration window) {
    Duration bucket = bucketFor(window);
    return store().throughput(window.toMillis(), bucket.toMillis()).stream()
        .map(
            p ->
                new ThroughputPoint(
                    p.start(), p.processed(), p.succeeded(), p.failed(), p.retried()))
        .toList();
  }

  private static Duration bucketFor(Duration window) {
    Objects.requireNonNull(window, "window must not be null");
    if (window.compareTo(Duration.ofMinutes(1)) < 0 || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException(
          "window must be between 1 minute and "
              + MAX_WINDOW.toDays()
              + " days (was "
              + window
              + ")");
    }
    if (window.compareTo(Duration.ofHours(3)) <= 0) {
      return Duration.ofMinutes(1);
    }
    return window.compareTo(Duration.ofDays(1)) <= 0 ? Duration.ofMinutes(5) : Duration.ofHours(1);
  }

  /**
   * One page of jobs, newest first.
   *
   * @param search the filters, cursor and page size
   * @return the page, with the cursor of the next one
   * @throws dev.jobqueue.JobStoreException if the database fails
   */
  public JobPage findJobs(JobSearch search) {
    Objects.requireNonNull(search, "search must not be null");
    List<Job> jobs =
        store().find(AdminQueries.of(search), search.limit() + 1).stream()
            .map(backend::job)
            .toList();
    Optional<JobCursor> next = Optional.empty();
    if (jobs.size() > search.limit()) {
      jobs = jobs.subList(0, search.limit());
      Job last = jobs.get(jobs.size() - 1);
      next = Optional.of(new JobCursor(last.createdAt(), Long.parseLong(last.id())));
    }
    return new JobPage(jobs, next);
  }

  /**
   * Counts the jobs a search matches, up to {@value #DEFAULT_COUNT_CAP}; its cursor and limit are
   * ignored.
   *
   * @param search the filters
   * @return the count, capped
   */
  public JobCount countJobs(JobSearch search) {
    return countJobs(search, DEFAULT_COUNT_CAP);
  }

  /**
   * Counts the jobs a search matches, up to a cap; its cursor and limit are ignored.
   *
   * @param search the filters
   * @param cap where counting stops, 1 to 1,000,000
   * @return the count, capped
   * @throws IllegalArgumentException naming the cap when it is out of range
   */
  public JobCount countJobs(JobSearch search, int cap) {
    Objects.requireNonNull(search, "search must not be null");
    if (cap < 1 || cap > 1_000_000) {
      throw new IllegalArgumentException("cap must be between 1 and 1000000 (was " + cap + ")");
    }
    long n = store().count(AdminQueries.of(search.toBuilder().cursor(null).build()), cap + 1L);
    return n > cap ? new JobCount(cap, true) : new JobCount(n, false);
  }

  /**
   * Counts the jobs in each status, each up to a cap, with one index read per status.
   *
   * @param cap where each count stops, 1 to 1,000,000
   * @return a count for every status
   */
  public Map<JobStatus, JobCount> countByStatus(int cap) {
    Map<JobStatus, JobCount> counts = new TreeMap<>();
    for (JobStatus status : JobStatus.values()) {
      counts.put(status, countJobs(JobSearch.builder().status(status).build(), cap));
    }
    return counts;
  }

  /**
   * One job, with its payload, result, error history, lease holder, keys and progress.
   *
   * @param id the job's id; a malformed id finds nothing
   * @return the job, or empty
   */
  public Optional<Job> job(String id) {
    return manager.getJob(id);
  }

  /**
   * Every known queue with its depth and limits.
   *
   * @return the queues, by name
   */
  public List<QueueInfo> queues() {
    return manager.getQueues();
  }

  /**
   * Every stored schedule with its next and last runs.
   *
   * @return the schedules, by name
   */
  public List<ScheduleInfo> schedules() {
    return manager.getSchedules();
  }

  /**
   * The nodes in the nodes table: live ones, and those whose heartbeat stopped but that are not
   * pruned yet.
   *
   * @return the nodes, live first, then by id
   */
  public List<NodeView> nodes() {
    long liveWithin = NodeHeartbeat.LIVE_WITHIN_MILLIS;
    return store().nodes().stream()
        .map(
            n ->
                new NodeView(
                    n.nodeId(),
                    n.host(),
                    n.pid(),
                    n.startedAt(),
                    n.heartbeatAt(),
                    n.heartbeatAgeMillis(),
                    n.heartbeatAgeMillis() <= liveWithin,
                    n.leader(),
                    n.types(),
                    n.maxWorkers(),
                    n.activeWorkers(),
                    n.idleWorkers(),
                    n.stuckWorkers(),
                    n.listening()))
        .sorted(
            (a, b) -> a.live() != b.live() ? (a.live() ? -1 : 1) : a.nodeId().compareTo(b.nodeId()))
        .toList();
  }

  /**
   * The audit log, newest first.
   *
   * @param beforeId only entries older than this id, for the next page; 0 for the newest
   * @param limit 1 to 500
   * @return the entries
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  public List<AuditEntry> auditLog(long beforeId, int limit) {
    if (beforeId < 0) {
      throw new IllegalArgumentException("beforeId must not be negative (was " + beforeId + ")");
    }
    if (limit < 1 || limit > JobSearch.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + JobSearch.MAX_LIMIT + " (was " + limit + ")");
    }
    return audit.read(beforeId, limit);
  }

  // ---------------------------------------------------------------- actions

  /**
   * Puts failed and cancelled jobs back to pending, as {@link JobQueueManager#retryJob} does one.
   * Jobs in other states, and jobs whose unique key another job holds, are left as they are and
   * counted in {@link BulkResult#skipped()}.
   *
   * @param actor who; needs {@link Role#OPERATOR}
   * @param selection which jobs
   * @param dryRun true to change nothing and report what would change
   * @return what changed
   * @throws ActionDeniedException if the actor's role does not allow it
   * @throws IllegalArgumentException if the selection matches more than {@value
   *     JobSelection#MAX_JOBS} jobs
   */
  public BulkResult retryJobs(Actor actor, JobSelection selection, boolean dryRun) {
    require(actor, Role.OPERATOR, "retry jobs");
    return BulkAction.run(
        store(),
        audit,
        actor,
        "retry",
        selection,
        EnumSet.of(JobStatus.FAILED, JobStatus.CANCELLED),
        dryRun,
        id -> {
          try {
            return manager.retryJob(id) ? null : "no longer failed or cancelled";
          } catch (JobValidationException e) {
            return "unique key held by another job";
          }
        });
  }

  /**
   * Cancels pending and running jobs, as {@link JobQueueManager#cancelJob} does one.
   *
   * @param actor who; needs {@link Role#OPERATOR}
   * @param selection which jobs
   * @param dryRun true to change nothing and report what would change
   * @return what changed
   * @throws ActionDeniedException if the actor's role does not allow it
   * @throws IllegalArgumentException if the selection matches more than {@value
   *     JobSelection#MAX_JOBS} jobs
   */
  public BulkResult cancelJobs(Actor actor, JobSelection selection, boolean dryRun) {
    require(actor, Role.OPERATOR, "cancel jobs");
    return BulkAction.run(
        store(),
        audit,
        actor,
        "cancel",
        selection,
        EnumSet.of(JobStatus.PENDING, JobStatus.RUNNING),
        dryRun,
        id -> manager.cancelJob(id) ? null : "no longer pending or running");
  }

  /**
   * Deletes jobs that are not running, for good: their rows, payloads and error histories. A
   * running job is left alone; cancel it first.
   *
   * @param actor who; needs {@link Role#ADMIN}
   * @param selection which jobs
   * @param dryRun true to change nothing and report what would change
   * @return what changed
   * @throws ActionDeniedException if the actor's role does not allow it
   * @throws IllegalArgumentException if the selection matches more than {@value
   *     JobSelection#MAX_JOBS} jobs
   */
  public BulkResult deleteJobs(Actor actor, JobSelection selection, boolean dryRun) {
    require(actor, Role.ADMIN, "delete jobs");
    return BulkAction.run(
        store(),
        audit,
        actor,
        "delete",
        selection,
        EnumSet.of(JobStatus.PENDING, JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED),
        dryRun,
        id -> store().delete(Long.parseLong(id)) ? null : "running now, or gone");
  }

  /**
   * Pauses a queue across the cluster, as {@link JobQueueManager#pauseQueue} does.
   *
   * @param actor who; needs {@link Role#OPERATOR}
   * @param queue the queue
   * @throws ActionDeniedException if the actor's role does not allow it
   * @throws IllegalArgumentException naming the queue when its name is invalid
   */
  public void pauseQueue(Actor actor, String queue) {
    require(actor, Role.OPERATOR, "pause queues");
    manager.pauseQueue(queue);
    audit.write(actor, "queue.pause", queue, List.of(), "");
  }

  /**
   * Resumes a paused queue, as {@link JobQueueManager#resumeQueue} does.
   *
   * @param actor who; needs {@link Role#OPERATOR}
   * @param queue the queue
   * @throws ActionDeniedException if the actor's role does not allow it
   * @throws IllegalArgumentException naming the queue when its name is invalid
   */
  public void resumeQueue(Actor actor, String queue) {
    require(actor, Role.OPERATOR, "resume queues");
    manager.resumeQueue(queue);
    audit.write(actor, "queue.resume", queue, List.of(), "");
  }

  /**
   * Sets a queue's cluster-wide limits, as {@link JobQueueManager#setQueueLimits} does.
   *
   * @param actor who; needs {@link Role#ADMIN}
   * @param queue the queue
   * @param limits the new limits; {@link QueueLimits#none()} removes them
   * @throws ActionDeniedException if the actor's role does not allow it
   * @throws IllegalArgumentException naming the queue when its name is invalid
   */
  public void setQueueLimits(Actor actor, String queue, QueueLimits limits) {
    require(actor, Role.ADMIN, "change queue limits");
    manager.setQueueLimits(queue, limits);
    audit.write(actor, "queue.limits", queue, List.of(), limits.toString());
  }

  /**
   * Pauses a schedule, as {@link JobQueueManager#pauseSchedule} does.
   *
   * @param actor who; needs {@link Role#OPERATOR}
   * @param name the schedule
   * @return false when there is no schedule with that name
   * @throws ActionDeniedException if the actor's role does not allow it
   */
  public boolean pauseSchedule(Actor actor, String name) {
    require(actor, Role.OPERATOR, "pause schedules");
    boolean done = manager.pauseSchedule(name);
    if (done) {
      audit.write(actor, "schedule.pause", name, List.of(), "");
    }
    return done;
  }

  /**
   * Resumes a paused schedule, as {@link JobQueueManager#resumeSchedule} does.
   *
   * @param actor who; needs {@link Role#OPERATOR}
   * @param name the schedule
   * @return false when there is no schedule with that name
   * @throws ActionDeniedException if the actor's role does not allow it
   */
  public boolean resumeSchedule(Actor actor, String name) {
    require(actor, Role.OPERATOR, "resume schedules");
    boolean done = manager.resumeSchedule(name);
    if (done) {
      audit.write(actor, "schedule.resume", name, List.of(), "");
    }
    return done;
  }

  /**
   * Enqueues a schedule's next occurrence now, through the same look the leader takes: its overlap
   * policy applies, and its later occurrences stay where they were.
   *
   * @param actor who; needs {@link Role#OPERATOR}
   * @param name the schedule
   * @return the ids of the jobs enqueued; empty when the overlap policy enqueued nothing, or the
   *     schedule has no occurrence left
   * @throws ActionDeniedException if the actor's role does not allow it
   * @throws IllegalArgumentException if there is no schedule with that name
   * @throws IllegalStateException if the schedule is paused
   */
  public List<String> runScheduleNow(Actor actor, String name) {
    require(actor, Role.OPERATOR, "run schedules");
    List<String> ids = backend.enqueueScheduleNow(name).stream().map(String::valueOf).toList();
    audit.write(actor, "schedule.run", name, ids, ids.isEmpty() ? "nothing enqueued" : "");
    return ids;
  }

  /**
   * Records an event of an operator tool in the audit log, such as a sign-in or a refused one.
   * Anyone may record; the entry names the actor as given.
   *
   * @param actor who
   * @param action what, e.g. {@code login} or {@code login.failed}: 1 to 100 characters
   * @param details anything else, at most 2,000 characters (longer text is cut)
   * @throws IllegalArgumentException naming the action when it is blank or too long
   */
  public void record(Actor actor, String action, String details) {
    Objects.requireNonNull(actor, "actor must not be null");
    Objects.requireNonNull(action, "action must not be null");
    if (action.isBlank() || action.length() > 100) {
      throw new IllegalArgumentException(
          "action must be 1 to 100 characters (was '" + action + "')");
    }
    audit.write(actor, action, null, List.of(), details == null ? "" : details);
  }

  private void require(Actor actor, Role needed, String action) {
    Objects.requireNonNull(actor, "actor must not be null");
    if (!actor.role().includes(needed)) {
      throw new ActionDeniedException(actor, action, needed);
    }
  }
}
