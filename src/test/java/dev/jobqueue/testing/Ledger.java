package dev.jobqueue.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
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
 * </ul>
 *
 * <p>No unique constraints, on purpose: a duplicate must show up as a second row.
 */
public final class Ledger {

  private final TestDatabase db;
  private final String schema;

  /**
   * A ledger in {@code schema}; call {@link #create()} once.
   *
   * @param db the test database
   * @param schema the test schema
   */
  public Ledger(TestDatabase db, String schema) {
    this.db = db;
    this.schema = schema;
  }

  /** Creates the tables. */
  public void create() {
    db.execute(
        "create table "
            + q("ledger")
            + " (id bigserial primary key, job_id bigint not null, attempt int not null,"
            + " node text not null, pid bigint not null,"
            + " started_at timestamptz not null default clock_timestamp(),"
            + " progress_at timestamptz, ended_at timestamptz, outcome text)");
    db.execute("create index on " + q("ledger") + " (job_id)");
    db.execute(
        "create table "
            + q("side_effects")
            + " (job_id bigint not null, attempt int not null, node text not null,"
            + " at timestamptz not null default clock_timestamp())");
    db.execute("create index on " + q("side_effects") + " (job_id)");
    db.execute(
        "create table "
            + q("node_deaths")
            + " (node text primary key, killed_at timestamptz not null,"
            + " dead_at timestamptz not null default clock_timestamp(), how text not null)");
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

  // ---- child side -------------------------------------------------------------------------------

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
  static long start(DataSource dataSource, String schema, long jobId, int attempt, String node)
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
  static void progress(DataSource dataSource, String schema, long row) throws SQLException {
    update(dataSource, schema, row, "progress_at = clock_timestamp()", null);
  }

  /** Sets a ledger row's end to the database clock, with its outcome. */
  static void end(DataSource dataSource, String schema, long row, String outcome)
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
  static void sideEffect(Connection tx, String schema, long jobId, int attempt, String node)
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
    db.execute(
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

  // ---- parent side: queries ---------------------------------------------------------------------

  /**
   * Jobs that are not completed, or completed without exactly one side effect: lost.
   *
   * @param where which jobs are expected to complete, e.g. {@code "true"}
   * @return the count
   */
  public long lostJobs(String where) {
    return db.queryLong(
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
    return db.queryLong(
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
    return db.queryLong("select count(*) - count(distinct job_id) from " + q("ledger"));
  }

  /**
   * Jobs whose completion side effect was committed other than exactly once (0 or 2+), among the
   * jobs that are completed.
   *
   * @return the count
   */
  public long completedJobsWithoutExactlyOneSideEffect() {
    return db.queryLong(
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
    return db.queryLong(
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
    return db.queryLong(
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
    return db.queryLong(
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
    return db.queryLong("select count(*) from " + q("ledger") + " l where " + where);
  }

  /**
   * Counts side-effect rows.
   *
   * @return the count
   */
  public long sideEffects() {
    return db.queryLong("select count(*) from " + q("side_effects"));
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
    try (Connection c = db.dataSource().getConnection();
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
