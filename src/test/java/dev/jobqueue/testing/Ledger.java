package dev.jobqueue.testing;

import dev.jobqueue.JobContext;
import dev.jobqueue.JobHandler;
import dev.jobqueue.LeaseLostException;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The execution ledger of the reliability suite, in a test schema next to the jobs table.
 *
 * <ul>
 *   <li>{@code ledger}: one row per execution of a handler, written by the child node ({@link
 *       WorkerProcess}): job id, attempt ({@code JobContext.attempt()}), node id, pid, worker id
 *       ({@code JobContext.workerId()}), and start and end by the database clock ({@code
 *       clock_timestamp()}). The start is inserted in its own auto-committed statement when the
 *       handler starts; the end and the outcome ({@code completed}, {@code fenced}, {@code
 *       interrupted}, {@code failed}) are set when it ends. A row without an end is an execution
 *       that never ended: its JVM died. {@code progress_at} is the last time a long handler did a
 *       unit of work while it believed it held the job.
 *   <li>{@code side_effects}: one row per committed completion, written inside the completing
 *       transaction ({@code JobContext.completeInTransaction}), so it counts the effects that took
 *       place.
 *   <li>{@code node_deaths}: the nodes the test killed (or saw die), with the database time at
 *       which the process was known to be dead.
 *   <li>{@code held_at_death}: the jobs a killed node still held, with their lease expiry, read
 *       right after its death ({@link #recordHeldAtDeath}): the expiry minus the lease is the last
 *       renewal, from which the rescue bound counts.
 *   <li>{@code accepted}: the ids {@code createJob(s)} returned, i.e. the jobs the queue accepted,
 *       for scenarios whose producer runs during the fault ({@link #storeAccepted}): an enqueue
 *       whose reply was lost may store a job the producer never learned of.
 * </ul>
 *
 * <p>No unique constraints, on purpose: a duplicate must show up as a second row.
 *
 * <p>Every execution is recorded the same way, by {@link #recordExecution}: in a child JVM ({@link
 * WorkerProcess} in {@code ledger} mode) or in the test JVM ({@link #handler}).
 */
public final class Ledger {

  private final DataSource dataSource;
  private final String schema;

  /**
   * A ledger in {@code schema} of the test database; call {@link #create()} once.
   *
   * @param db the test database
   * @param schema the test schema
   */
  public Ledger(TestDatabase db, String schema) {
    this(db.dataSource(), schema);
  }

  /**
   * A ledger in {@code schema} of any server (a scenario with a server of its own); call {@link
   * #create()} once.
   *
   * @param dataSource where the schema lives; the ledger's own statements and queries use it
   * @param schema the schema of the jobs table
   */
  public Ledger(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  /** Creates the schema if missing, and the tables. */
  public void create() {
    execute("create schema if not exists \"" + schema + "\"");
    execute(
        "create table "
            + q("ledger")
            + " (id bigserial primary key, job_id bigint not null, attempt int not null,"
            + " node text not null, pid bigint not null, worker text,"
            + " started_at timestamptz not null default clock_timestamp(),"
            + " progress_at timestamptz, ended_at timestamptz, outcome text)");
    execute("create index on " + q("ledger") + " (job_id)");
    execute(
        "create table "
            + q("side_effects")
            + " (job_id bigint not null, attempt int not null, node text not null,"
            + " at timestamptz not null default clock_timestamp())");
    execute("create index on " + q("side_effects") + " (job_id)");
    execute(
        "create table "
            + q("node_deaths")
            + " (node text primary key, killed_at timestamptz not null,"
            + " dead_at timestamptz not null default clock_timestamp(), how text not null)");
    execute("create table " + q("accepted") + " (job_id bigint not null)");
    execute(
        "create table "
            + q("held_at_death")
            + " (node text not null, job_id bigint not null, lease_expires_at timestamptz not null)");
  }

  /**
   * The qualified name of one of the schema's tables.
   *
   * @param table a table name
   * @return {@code "schema".table}
   */
  public String q(String table) {
    return "\"" + schema + "\"." + table;
  }

  // ---- recording side: child JVMs and in-process handlers ---------------------------------------

  /**
   * A handler of {@value WorkerProcess#LEDGER_TYPE} jobs for a node in this JVM, recording every
   * execution in this ledger like a child node does ({@link #recordExecution}). A {@code halt} task
   * is refused: it would stop the test JVM.
   *
   * @param node the node's name, as recorded
   * @param ledgerPool where the start, progress and end rows go (auto-commit; a pool outside the
   *     library's, so that a fault on the library's connections does not hide executions)
   * @return the handler
   */
  public JobHandler<Task> handler(String node, DataSource ledgerPool) {
    return JobHandler.of(
        WorkerProcess.LEDGER_TYPE,
        Task.class,
        (task, ctx) -> {
          if ("halt".equals(task.mode())) {
            throw new IllegalArgumentException("a halt task would stop the test JVM");
          }
          return recordExecution(task, ctx, ledgerPool, schema, node, line -> {});
        });
  }

  /**
   * Runs a {@link Task} and records it: the start (auto-committed) before the work, the side effect
   * inside the completing transaction ({@code JobContext.completeInTransaction}), the end and the
   * outcome ({@code completed}, {@code fenced}, {@code interrupted}, {@code failed}) after it.
   *
   * @param task what the handler does
   * @param ctx the job's context
   * @param ledgerPool an auto-commit data source for the start, progress and end rows
   * @param schema the schema
   * @param node the node id
   * @param out where notable events go ({@code HALT}, {@code ABANDONED}, {@code FENCED}, {@code
   *     INTERRUPTED} lines)
   * @return null
   * @throws Exception what the work or the completion threw
   */
  static Object recordExecution(
      Task task,
      JobContext ctx,
      DataSource ledgerPool,
      String schema,
      String node,
      Consumer<String> out)
      throws Exception {
    long jobId = Long.parseLong(ctx.jobId());
    int attempt = ctx.attempt();
    long row = start(ledgerPool, schema, jobId, attempt, node, ctx.workerId());
    if ("halt".equals(task.mode())) {
      out.accept("HALT " + jobId + " " + attempt);
      Runtime.getRuntime().halt(1);
    }
    String outcome = "failed";
    boolean[] wrote = {false};
    try {
      switch (task.mode()) {
        case "sleep" -> {
          if (task.millis() > 0) {
            Thread.sleep(task.millis());
          }
        }
        case "hold" -> {
          long end = System.nanoTime() + task.millis() * 1_000_000;
          while (System.nanoTime() < end) {
            if (ctx.isCancellationRequested()) {
              outcome = "interrupted";
              out.accept("ABANDONED " + jobId + " " + attempt);
              return null;
            }
            progress(ledgerPool, schema, row);
            try {
              Thread.sleep(50);
            } catch (InterruptedException e) {
              // isCancellationRequested() says so at the next step.
            }
          }
        }
        case "stubborn" -> {
          long end = System.nanoTime() + task.millis() * 1_000_000;
          while (System.nanoTime() < end) {
            try {
              Thread.sleep(20);
            } catch (InterruptedException ignored) {
              // Ignored on purpose.
            }
          }
          Thread.interrupted();
        }
        default -> throw new IllegalArgumentException("unknown mode " + task.mode());
      }
      ctx.completeInTransaction(
          tx -> {
            wrote[0] = true;
            sideEffect(tx, schema, jobId, attempt, node);
            return null;
          });
      outcome = "completed";
      return null;
    } catch (LeaseLostException e) {
      outcome = "fenced";
      out.accept("FENCED " + jobId + " " + attempt + " db=" + wrote[0]);
      throw e;
    } catch (InterruptedException e) {
      outcome = "interrupted";
      out.accept("INTERRUPTED " + jobId + " " + attempt);
      throw e;
    } finally {
      end(ledgerPool, schema, row, outcome);
    }
  }

  /**
   * Records the start of an execution, auto-committed, by the database clock.
   *
   * @param dataSource an auto-commit data source
   * @param schema the schema
   * @param jobId the job
   * @param attempt the attempt number
   * @param node the node id
   * @param worker the worker id ({@code JobContext.workerId()})
   * @return the ledger row's id
   * @throws SQLException if the insert fails
   */
  private static long start(
      DataSource dataSource, String schema, long jobId, int attempt, String node, String worker)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "insert into \""
                    + schema
                    + "\".ledger (job_id, attempt, node, pid, worker) values (?, ?, ?, ?, ?)"
                    + " returning id")) {
      s.setLong(1, jobId);
      s.setInt(2, attempt);
      s.setString(3, node);
      s.setLong(4, ProcessHandle.current().pid());
      s.setString(5, worker);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Sets a ledger row's progress time to the database clock. */
  private static void progress(DataSource dataSource, String schema, long row) throws SQLException {
    update(dataSource, schema, row, "progress_at = clock_timestamp()", null);
  }

  /** Sets a ledger row's end to the database clock, with its outcome. */
  private static void end(DataSource dataSource, String schema, long row, String outcome)
      throws SQLException {
    update(dataSource, schema, row, "ended_at = clock_timestamp(), outcome = ?", outcome);
  }

  private static void update(
      DataSource dataSource, String schema, long row, String set, String value)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement("update \"" + schema + "\".ledger set " + set + " where id = ?")) {
      int i = 1;
      if (value != null) {
        s.setString(i++, value);
      }
      s.setLong(i, row);
      s.executeUpdate();
    }
  }

  /**
   * Writes the side effect of a completion, on the completing transaction's connection.
   *
   * @param tx the transaction's connection
   * @param schema the schema
   * @param jobId the job
   * @param attempt the attempt
   * @param node the node
   * @throws SQLException if the insert fails
   */
  private static void sideEffect(Connection tx, String schema, long jobId, int attempt, String node)
      throws SQLException {
    try (PreparedStatement s =
        tx.prepareStatement(
            "insert into \""
                + schema
                + "\".side_effects (job_id, attempt, node) values (?, ?, ?)")) {
      s.setLong(1, jobId);
      s.setInt(2, attempt);
      s.setString(3, node);
      s.executeUpdate();
    }
  }

  // ---- parent side: facts -----------------------------------------------------------------------

  /**
   * Records that a node's process is dead; {@code dead_at} is the database's current time, by which
   * the process is known to be gone.
   *
   * @param node the node id
   * @param how how it died, e.g. {@code SIGKILL} or {@code halt}
   * @param killedAt the database time just before the signal was sent (or when the death was first
   *     seen)
   */
  public void nodeDied(String node, String how, Instant killedAt) {
    execute(
        "insert into "
            + q("node_deaths")
            + " (node, how, killed_at) values ('"
            + node.replace("'", "''")
            + "', '"
            + how.replace("'", "''")
            + "', '"
            + killedAt
            + "'::timestamptz)");
  }

  /**
   * Stores the ids {@code createJob(s)} returned, replacing what was stored: call it once every
   * enqueue has returned, before the queries on accepted jobs.
   *
   * @param ids the accepted job ids
   */
  public void storeAccepted(Collection<Long> ids) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("truncate " + q("accepted"));
      }
      try (PreparedStatement insert =
          c.prepareStatement("insert into " + q("accepted") + " select unnest(?::bigint[])")) {
        Array array = c.createArrayOf("bigint", ids.toArray(new Long[0]));
        insert.setArray(1, array);
        insert.executeUpdate();
      }
      try (Statement s = c.createStatement()) {
        s.execute("analyze " + q("accepted"));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot store the accepted ids", e);
    }
  }

  // ---- parent side: queries ---------------------------------------------------------------------

  /**
   * Accepted jobs ({@link #storeAccepted}) that are not completed, or have no side effect (a job
   * whose row is gone counts too): lost.
   *
   * @return the count
   */
  public long lostAcceptedJobs() {
    return queryLong(
        "select count(*) from "
            + q("accepted")
            + " a where not exists (select 1 from "
            + q("jobs")
            + " j where j.id = a.job_id and j.status = 'completed') or not exists (select 1 from "
            + q("side_effects")
            + " s where s.job_id = a.job_id)");
  }

  /**
   * Jobs stored although their {@code createJob(s)} did not return (the commit's reply was lost):
   * jobs not in {@link #storeAccepted}.
   *
   * @return the count
   */
  public long unacknowledgedJobs() {
    return queryLong(
        "select count(*) from "
            + q("jobs")
            + " j where not exists (select 1 from "
            + q("accepted")
            + " a where a.job_id = j.id)");
  }

  /**
   * Counts the schema's jobs matching a condition.
   *
   * @param where an SQL condition on the jobs table (alias {@code j})
   * @return the count
   */
  public long jobs(String where) {
    return queryLong("select count(*) from " + q("jobs") + " j where " + where);
  }

  /**
   * Jobs by final {@code retry_count}.
   *
   * @return retry count to number of jobs, ascending
   */
  public Map<Long, Long> retryCounts() {
    Map<Long, Long> counts = new TreeMap<>();
    for (String row :
        rows(
            "select retry_count || ' ' || count(*) from "
                + q("jobs")
                + " group by retry_count order by retry_count")) {
      String[] parts = row.split(" ");
      counts.put(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }
    return counts;
  }

  /**
   * Executions that committed no side effect: their attempt died, was fenced or failed.
   *
   * @return the count
   */
  public long executionsWithoutSideEffect() {
    return queryLong(
        "select count(*) from "
            + q("ledger")
            + " l where not exists (select 1 from "
            + q("side_effects")
            + " s where s.job_id = l.job_id and s.attempt = l.attempt and s.node = l.node)");
  }

  /**
   * Jobs whose side effect was committed more than once, whatever their status.
   *
   * @return the count
   */
  public long jobsWithMoreThanOneSideEffect() {
    return queryLong(
        "select count(*) from (select job_id from "
            + q("side_effects")
            + " group by job_id having count(*) > 1) d");
  }

  /**
   * Completed jobs without a side effect.
   *
   * @return the count
   */
  public long completedJobsWithoutSideEffect() {
    return queryLong(
        "select count(*) from "
            + q("jobs")
            + " j where j.status = 'completed' and not exists (select 1 from "
            + q("side_effects")
            + " s where s.job_id = j.id)");
  }

  /**
   * Executions of a job after one of its executions had committed: started after the side effect
   * was written (in the completing transaction, so before its commit), or of a later attempt than
   * the one that committed (every claim takes a new attempt number, and a completion is fenced by
   * its attempt, so a later attempt means the job was claimed again after, or despite, the commit).
   *
   * @return the count of such executions
   */
  public long executionsAfterCommit() {
    return queryLong(
        "select count(*) from "
            + q("ledger")
            + " l where exists (select 1 from "
            + q("side_effects")
            + " s where s.job_id = l.job_id and (l.started_at > s.at or l.attempt > s.attempt))");
  }

  /**
   * (job, attempt) pairs executed more than once.
   *
   * @return the count
   */
  public long attemptsExecutedMoreThanOnce() {
    return queryLong(
        "select count(*) from (select job_id, attempt from "
            + q("ledger")
            + " group by job_id, attempt having count(*) > 1) d");
  }

  /**
   * Jobs that are not completed, or completed without exactly one side effect: lost.
   *
   * @param where which jobs are expected to complete, e.g. {@code "true"}
   * @return the count
   */
  public long lostJobs(String where) {
    return queryLong(
        "select count(*) from "
            + q("jobs")
            + " j where ("
            + where
            + ") and (j.status <> 'completed' or not exists (select 1 from "
            + q("side_effects")
            + " s where s.job_id = j.id))");
  }

  /**
   * Jobs with more than one execution in the ledger.
   *
   * @return the count
   */
  public long jobsExecutedMoreThanOnce() {
    return queryLong(
        "select count(*) from (select job_id from "
            + q("ledger")
            + " group by job_id having count(*) > 1) d");
  }

  /**
   * Executions beyond the first of each job.
   *
   * @return the count
   */
  public long duplicateExecutions() {
    return queryLong("select count(*) - count(distinct job_id) from " + q("ledger"));
  }

  /**
   * Jobs whose completion side effect was committed other than exactly once (0 or 2+), among the
   * jobs that are completed.
   *
   * @return the count
   */
  public long completedJobsWithoutExactlyOneSideEffect() {
    return queryLong(
        "select count(*) from "
            + q("jobs")
            + " j where j.status = 'completed' and (select count(*) from "
            + q("side_effects")
            + " s where s.job_id = j.id) <> 1");
  }

  /**
   * Side effects whose job is not completed, or that do not match the job's last ledger execution
   * ending in {@code completed}.
   *
   * @return the count
   */
  public long sideEffectsOfUncompletedJobs() {
    return queryLong(
        "select count(*) from "
            + q("side_effects")
            + " s join "
            + q("jobs")
            + " j on j.id = s.job_id where j.status <> 'completed'");
  }

  /**
   * Executions that did not take effect (no side effect of theirs was committed) and whose node was
   * not recorded dead: the extra executions the promise forbids. An execution that ended {@code
   * interrupted} by a graceful shutdown is allowed with {@code allowReleased}.
   *
   * @param allowReleased whether executions that ended {@code interrupted} are fine
   * @return the offending ledger rows, as text
   */
  public List<String> extraExecutionsOfLiveNodes(boolean allowReleased) {
    return rows(
        "select l.job_id || '/' || l.attempt || '@' || l.node || ':' || coalesce(l.outcome, 'open')"
            + " from "
            + q("ledger")
            + " l where not exists (select 1 from "
            + q("side_effects")
            + " s where s.job_id = l.job_id and s.attempt = l.attempt and s.node = l.node)"
            + " and not exists (select 1 from "
            + q("node_deaths")
            + " d where d.node = l.node)"
            + (allowReleased ? " and l.outcome is distinct from 'interrupted'" : "")
            + " and exists (select 1 from "
            + q("jobs")
            + " j where j.id = l.job_id and j.status = 'completed') order by 1 limit 20");
  }

  /**
   * Executions of nodes recorded dead that nonetheless have an end: a dead JVM's execution must be
   * open (its JVM died under it) or finished before the death.
   *
   * @return the count of ended executions that did not commit, on dead nodes, ending after death
   */
  public long endedAfterDeath() {
    return queryLong(
        "select count(*) from "
            + q("ledger")
            + " l join "
            + q("node_deaths")
            + " d on d.node = l.node where l.ended_at > d.dead_at");
  }

  /**
   * Pairs of executions of one job that overlap in time: the later one started before the earlier
   * one ended, or, for an execution that never ended, before its node was recorded dead. An open
   * execution of a node not recorded dead counts as overlapping everything after it.
   *
   * @return up to 20 offending pairs, as text
   */
  public List<String> overlappingExecutions() {
    String end = "coalesce(a.ended_at, d.dead_at, 'infinity'::timestamptz)";
    return rows(
        "select a.job_id || ': ' || a.attempt || '@' || a.node || ' [' || a.started_at || ', '"
            + " || "
            + end
            + " || '] vs ' || b.attempt || '@' || b.node || ' from ' || b.started_at from "
            + q("ledger")
            + " a left join "
            + q("node_deaths")
            + " d on d.node = a.node join "
            + q("ledger")
            + " b on b.job_id = a.job_id and b.id <> a.id and b.started_at >= a.started_at"
            + " where b.started_at < "
            + end
            + " order by 1 limit 20");
  }

  /**
   * Work done by an execution after a later execution of the same job had started: progress ticks
   * (units of work a long handler did while it believed it held the job) later than the next
   * execution's start.
   *
   * @return up to 20 offending pairs, as text
   */
  public List<String> progressAfterTakeover() {
    return rows(
        "select a.job_id || ': ' || a.attempt || '@' || a.node || ' progress ' || a.progress_at"
            + " || ' after ' || b.attempt || '@' || b.node || ' started ' || b.started_at from "
            + q("ledger")
            + " a join "
            + q("ledger")
            + " b on b.job_id = a.job_id and b.id <> a.id and b.started_at >= a.started_at"
            + " where a.progress_at > b.started_at order by 1 limit 20");
  }

  /**
   * For every attempt the rescuer took back from a dead node, the milliseconds from the kill to the
   * rescue (the time of the "attempt lost" error the rescue wrote), by the database clock.
   *
   * @return the delays
   */
  public List<Long> rescueDelaysAfterDeath() {
    List<Long> delays = new ArrayList<>();
    for (String value :
        rows(
            "select round(extract(epoch from ((e->>'at')::timestamptz - d.killed_at)) * 1000)"
                + "::bigint from "
                + q("jobs")
                + " j cross join lateral jsonb_array_elements(j.errors) e join "
                + q("node_deaths")
                + " d on e->>'error' like 'attempt lost: lease held by ' || d.node || ' expired%'")) {
      delays.add(Long.parseLong(value));
    }
    return delays;
  }

  /**
   * Records the jobs a dead node still held, with their lease expiry, as the database has them:
   * call it right after the process is known to be dead, before their leases can run out. The lease
   * expiry minus the lease duration is the node's last renewal (or claim) of that job.
   *
   * @param node the dead node
   */
  public void recordHeldAtDeath(String node) {
    execute(
        "insert into "
            + q("held_at_death")
            + " (node, job_id, lease_expires_at) select locked_by, id, lease_expires_at from "
            + q("jobs")
            + " where status = 'running' and locked_by = '"
            + node.replace("'", "''")
            + "'");
  }

  /**
   * A job a dead node held when it died and that the rescue took back: an orphan. All times are
   * milliseconds by the database clock.
   *
   * @param jobId the job
   * @param node the dead node
   * @param running true if the dead node had started it (its execution is in the ledger, open),
   *     false if it was claimed but still queued in the node
   * @param rescueMs from the kill to the rescue
   * @param restartMs from the kill to the job's next start on another node, -1 if none
   * @param renewalMs from the dead node's last renewal (or claim) of the job's lease to the kill,
   *     -1 if not recorded ({@link #recordHeldAtDeath})
   * @param claimMs from the kill to the claim of the next execution, -1 if unknown (the job was
   *     claimed again after it)
   * @param freeWorkerMs the time to a free worker: from the rescue until a worker of a surviving
   *     node came free for it. The orphans of one death take the free workers in their queue order
   *     (priority, run_at, id), so the n-th orphan waits for the n-th job to end on the surviving
   *     nodes after the rescue (the orphans' own runs included)
   * @param nextNode the node that ran it again, null if none
   */
  public record Orphan(
      long jobId,
      String node,
      boolean running,
      long rescueMs,
      long restartMs,
      long renewalMs,
      long claimMs,
      long freeWorkerMs,
      String nextNode) {

    /**
     * From the last renewal of its lease (or, if not recorded, the kill) to its next start.
     *
     * @return milliseconds, -1 if it never started again
     */
    public long sinceRenewalMs() {
      return restartMs < 0 ? -1 : restartMs + Math.max(0, renewalMs);
    }

    /**
     * From the expiry of its lease to its rescue (-1 if the renewal was not recorded).
     *
     * @param leaseMillis the lease duration
     * @return milliseconds
     */
    public long rescueAfterExpiryMs(long leaseMillis) {
      return renewalMs < 0 ? -1 : rescueMs + renewalMs - leaseMillis;
    }
  }

  /**
   * Every orphan of every recorded death: each attempt the rescue took back from a dead node (an
   * "attempt lost" error naming it), with the delays from the kill to its rescue, its claim and its
   * next start, and its time to a free worker ({@link Orphan#freeWorkerMs()}).
   *
   * @param leaseMillis the dead nodes' lease duration
   * @return the orphans, by death and queue order
   */
  public List<Orphan> orphans(long leaseMillis) {
    String ms = "(extract(epoch from %s) * 1000)::float8";
    String sql =
        "with o as (select j.id as job_id, d.node, d.killed_at, (e->>'attempt')::int as attempt,"
            + " (e->>'at')::timestamptz as rescued_at, j.started_at as claimed_at, j.priority,"
            + " j.run_at from "
            + q("jobs")
            + " j cross join lateral jsonb_array_elements(j.errors) e join "
            + q("node_deaths")
            + " d on e->>'error' like 'attempt lost: lease held by ' || d.node || ' expired%'),"
            + " n as (select o.*, b.id as next_id, b.node as next_node, b.started_at as next_at"
            + " from o left join lateral (select * from "
            + q("ledger")
            + " b where b.job_id = o.job_id and b.started_at > o.killed_at and b.node <> o.node"
            + " order by b.started_at limit 1) b on true)"
            + " select concat_ws(' ', n.job_id, n.node, case when exists (select 1 from "
            + q("ledger")
            + " l where l.job_id = n.job_id and l.node = n.node and l.attempt = n.attempt)"
            + " then 'running' else 'queued' end,"
            + String.format(ms, "n.killed_at")
            + ", "
            + String.format(ms, "n.rescued_at")
            + ", coalesce("
            + String.format(ms, "n.next_at")
            + ", -1), coalesce((select "
            + String.format(ms, "h.lease_expires_at")
            + " - "
            + leaseMillis
            + " from "
            + q("held_at_death")
            + " h where h.node = n.node and h.job_id = n.job_id), -1), case when n.next_id is not"
            + " null and not exists (select 1 from "
            + q("ledger")
            + " x where x.job_id = n.job_id and x.started_at > n.next_at) then "
            + String.format(ms, "n.claimed_at")
            + " else -1 end, coalesce(n.next_node, '-'))"
            + " from n order by n.killed_at, n.rescued_at, n.priority, n.run_at, n.job_id";
    List<String[]> rows = new ArrayList<>();
    for (String row : rows(sql)) {
      rows.add(row.split(" "));
    }
    // Every execution with its worker, start and end, and when each node was known dead.
    Map<String, Double> deadAt = new TreeMap<>();
    for (String row :
        rows(
            "select node || ' ' || "
                + String.format(ms, "dead_at")
                + " from "
                + q("node_deaths"))) {
      String[] f = row.split(" ");
      deadAt.put(f[0], Double.parseDouble(f[1]));
    }
    List<double[]> runs = new ArrayList<>(); // start, end (NaN if open)
    List<String> runWorkers = new ArrayList<>();
    for (String row :
        rows(
            "select concat_ws(' ', node, coalesce(worker, '-'), "
                + String.format(ms, "started_at")
                + ", coalesce("
                + String.format(ms, "ended_at")
                + ", 'NaN'::float8)) from "
                + q("ledger"))) {
      String[] f = row.split(" ");
      runWorkers.add(f[0] + " " + f[1]);
      runs.add(new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3])});
    }

    List<Orphan> orphans = new ArrayList<>();
    String death = null;
    List<Double> freeAt = List.of();
    int rank = 0;
    for (String[] f : rows) {
      String node = f[1];
      double killed = Double.parseDouble(f[3]);
      double rescued = Double.parseDouble(f[4]);
      if (!node.equals(death)) {
        death = node;
        rank = 0;
        freeAt = freeWorkerTimes(rescued, runs, runWorkers, deadAt);
      }
      double next = Double.parseDouble(f[5]);
      double renewed = Double.parseDouble(f[6]);
      double claimed = Double.parseDouble(f[7]);
      double free = rank < freeAt.size() ? freeAt.get(rank) : Double.POSITIVE_INFINITY;
      rank++;
      orphans.add(
          new Orphan(
              Long.parseLong(f[0]),
              node,
              "running".equals(f[2]),
              Math.round(rescued - killed),
              next < 0 ? -1 : Math.round(next - killed),
              renewed < 0 ? -1 : Math.max(0, Math.round(killed - renewed)),
              claimed < 0 ? -1 : Math.round(claimed - killed),
              Double.isInfinite(free) ? Long.MAX_VALUE : Math.max(0, Math.round(free - rescued)),
              "-".equals(f[8]) ? null : f[8]));
    }
    return orphans;
  }

  /**
   * When workers of the nodes alive at {@code t0} come free from {@code t0} on, in order: the end
   * of every job of such a node that ends after {@code t0}. A worker that sits idle at {@code t0}
   * is not counted (in the kill -9 scenario every worker is busy): the ledger cannot tell it from
   * one that is between two of its node's queued jobs, which is not free for an orphan.
   */
  private static List<Double> freeWorkerTimes(
      double t0, List<double[]> runs, List<String> runWorkers, Map<String, Double> deadAt) {
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      String worker = runWorkers.get(i);
      Double dead = deadAt.get(worker.substring(0, worker.indexOf(' ')));
      double end = runs.get(i)[1];
      if ((dead == null || dead > t0) && !Double.isNaN(end) && end > t0) {
        times.add(end);
      }
    }
    times.sort(null);
    return times;
  }

  /**
   * For each node, the milliseconds from its first claim to its first execution, by the database
   * clock: how long a fresh JVM takes to start its first job. The claim time is the job's {@code
   * started_at}, which belongs to its last claim, so only jobs whose last execution ran on the node
   * count.
   *
   * @return node to milliseconds, by node
   */
  public Map<String, Long> firstClaimToFirstStart() {
    Map<String, Long> gaps = new TreeMap<>();
    for (String row :
        rows(
            "select l.node || ' ' || round(extract(epoch from (min(l.started_at) - min(j.started_at)))"
                + " * 1000)::bigint from "
                + q("ledger")
                + " l join "
                + q("jobs")
                + " j on j.id = l.job_id where not exists (select 1 from "
                + q("ledger")
                + " x where x.job_id = l.job_id and x.started_at > l.started_at) group by l.node")) {
      String[] f = row.split(" ");
      gaps.put(f[0], Long.parseLong(f[1]));
    }
    return gaps;
  }

  /**
   * Attempts a rescue took back, over all jobs: "attempt lost" errors.
   *
   * @return the count
   */
  public long rescuedAttempts() {
    return queryLong(
        "select count(*) from "
            + q("jobs")
            + " j cross join lateral jsonb_array_elements(j.errors) e"
            + " where e->>'error' like 'attempt lost:%'");
  }

  /**
   * Executions that did not commit a side effect and nonetheless ended (an end was written):
   * executions that stopped for a reason other than their JVM's death.
   *
   * @return up to 20 offending executions, as text
   */
  public List<String> endedWithoutEffect() {
    return rows(
        "select l.job_id || '/' || l.attempt || '@' || l.node || ':' || l.outcome from "
            + q("ledger")
            + " l where l.ended_at is not null and not exists (select 1 from "
            + q("side_effects")
            + " s where s.job_id = l.job_id and s.attempt = l.attempt and s.node = l.node)"
            + " order by 1 limit 20");
  }

  /**
   * Executions that started before their job's scheduled time, by the database clock.
   *
   * @return up to 20 offending executions, as text
   */
  public List<String> startedBeforeScheduledTime() {
    return rows(
        "select l.job_id || '@' || l.node || ' started ' || l.started_at || ' < ' || j.scheduled_at"
            + " from "
            + q("ledger")
            + " l join "
            + q("jobs")
            + " j on j.id = l.job_id where l.started_at < j.scheduled_at order by 1 limit 20");
  }

  /**
   * Counts ledger rows matching a condition.
   *
   * @param where a condition on the ledger table (alias {@code l})
   * @return the count
   */
  public long executions(String where) {
    return queryLong("select count(*) from " + q("ledger") + " l where " + where);
  }

  /**
   * Counts side-effect rows.
   *
   * @return the count
   */
  public long sideEffects() {
    return queryLong("select count(*) from " + q("side_effects"));
  }

  /**
   * Runs a query that returns one number.
   *
   * @param sql the query; name the tables with {@link #q(String)}
   * @return the first column of the first row (0 when null)
   */
  public long queryLong(String sql) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }

  private void execute(String sql) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }

  /**
   * The database clock.
   *
   * @return now
   */
  public Instant dbNow() {
    return Instant.parse(
        rows("select to_char(clock_timestamp() at time zone 'utc',"
                + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            .get(0));
  }

  /**
   * Runs a query and returns its first column as text.
   *
   * @param sql the query
   * @return the values
   */
  public List<String> rows(String sql) {
    List<String> values = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        Object value = rs.getObject(1);
        values.add(
            value instanceof OffsetDateTime t ? t.toInstant().toString() : String.valueOf(value));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
    return values;
  }
}
