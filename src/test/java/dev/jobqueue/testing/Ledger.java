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
 *       WorkerProcess}): job id, attempt ({@code JobContext.attempt()}), node id, pid, and start
 *       and end by the database clock ({@code clock_timestamp()}). The start is inserted in its own
 *       auto-committed statement when the handler starts; the end and the outcome ({@code
 *       completed}, {@code fenced}, {@code interrupted}, {@code failed}) are set when it ends. A
 *       row without an end is an execution that never ended: its JVM died. {@code progress_at} is
 *       the last time a long handler did a unit of work while it believed it held the job.
 *   <li>{@code side_effects}: one row per committed completion, written inside the completing
 *       transaction ({@code JobContext.completeInTransaction}), so it counts the effects that took
 *       place.
 *   <li>{@code node_deaths}: the nodes the test killed (or saw die), with the database time at
 *       which the process was known to be dead.
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
            + " node text not null, pid bigint not null,"
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
    long row = start(ledgerPool, schema, jobId, attempt, node);
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
   * @return the ledger row's id
   * @throws SQLException if the insert fails
   */
  private static long start(
      DataSource dataSource, String schema, long jobId, int attempt, String node)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "insert into \""
                    + schema
                    + "\".ledger (job_id, attempt, node, pid) values (?, ?, ?, ?) returning id")) {
      s.setLong(1, jobId);
      s.setInt(2, attempt);
      s.setString(3, node);
      s.setLong(4, ProcessHandle.current().pid());
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
   * For every execution that never ended on a dead node and did not commit its side effect (its JVM
   * can die after the commit and before the end is written), the milliseconds from the kill (the
   * database time just before the signal) to the start of the job's next execution (database
   * clock); -1 where there is no next execution.
   *
   * @return the delays
   */
  public List<Long> rerunDelaysAfterDeath() {
    List<Long> delays = new ArrayList<>();
    for (String value :
        rows(
            "select coalesce(round(extract(epoch from ((select min(b.started_at) from "
                + q("ledger")
                + " b where b.job_id = a.job_id and b.started_at > a.started_at and b.id <> a.id)"
                + " - d.killed_at)) * 1000)::bigint, -1) from "
                + q("ledger")
                + " a join "
                + q("node_deaths")
                + " d on d.node = a.node where a.ended_at is null and not exists (select 1 from "
                + q("side_effects")
                + " s where s.job_id = a.job_id and s.attempt = a.attempt and s.node = a.node)")) {
      delays.add(Long.parseLong(value));
    }
    return delays;
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
