package dev.jobqueue.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SQL side of the {@code backlog} workload: filling a jobs table with a large backlog and a
 * long history in plain SQL, timing the library's claim statement from the client, reading the
 * claim's server time from {@code pg_stat_statements} where it is loaded, and reading dead tuples.
 */
final class BacklogTable {

  /** Rows per {@code insert ... select ... from generate_series} statement of the fill. */
  static final int CHUNK = 500_000;

  /** Rows each probe claim takes. */
  static final int PROBE_LIMIT = 50;

  /** Probe claims before the timed ones (plan caching, buffers). */
  static final int PROBE_WARM_UP = 10;

  /** The columns the fill writes; the others keep their defaults (queue 'default', nulls). */
  private static final String COLUMNS =
      " (type, status, priority, payload, result, error_message, errors, retry_count,"
          + " max_retries, attempt, timeout_seconds, created_at, updated_at, scheduled_at, run_at,"
          + " started_at, completed_at)";

  /**
   * The start of the library's open claim statement as {@code pg_stat_statements} shows it (which
   * replaces the constant {@code false} that follows by a parameter); it names the claim's entry.
   */
  private static final String CLAIM_MATCH =
      "with c as materialized (select j.id, coalesce(j.started_at > j.run_at, ";

  private BacklogTable() {}

  /**
   * Fills {@code schema.jobs} in plain SQL, {@link #CHUNK} rows per statement: {@code finished}
   * finished jobs (94% completed, 4% failed after 4 attempts, 2% cancelled before they started),
   * created over the last 7 days in id order and finished 2 to 6 seconds after their creation, then
   * {@code pending} due no-op jobs in the default queue, created over the last hour (run_at a
   * second or more in the past), priorities 1 to 3 in turn. Payloads are what the library stores
   * for a {@link Tick}.
   */
  static void fill(Connection admin, String schema, int pending, int finished) throws SQLException {
    String table = schema + ".jobs";
    for (int lo = 1; lo <= finished; lo += CHUNK) {
      int hi = Math.min(finished, lo + CHUNK - 1);
      execute(
          admin,
          "insert into "
              + table
              + COLUMNS
              + " select (array['"
              + Workloads.TYPE
              + "', 'email', 'report', 'webhook'])[1 + i % 4], s.status, 1 + i % 3,"
              + " jsonb_build_object('i', i, 't', 0),"
              + " case when s.status = 'completed' then '{\"ok\": true}'::jsonb end,"
              + " case when s.status = 'failed' then 'TimeoutException: no answer in 30 s' end,"
              + " case when s.status = 'failed' then jsonb_build_array(jsonb_build_object("
              + "'attempt', 4, 'at', t.created + interval '2 seconds',"
              + " 'error', 'TimeoutException: no answer in 30 s')) else '[]'::jsonb end,"
              + " case when s.status = 'failed' then 3 else 0 end, 3,"
              + " case s.status when 'failed' then 4 when 'cancelled' then 0 else 1 end, 300,"
              + " t.created, t.finished, t.created, t.created,"
              + " case when s.status <> 'cancelled' then t.created + interval '1 second' end,"
              + " t.finished"
              + " from generate_series("
              + lo
              + ", "
              + hi
              + ") i"
              + " cross join lateral (select case when i % 50 < 2 then 'failed'"
              + " when i % 50 = 2 then 'cancelled' else 'completed' end as status) s"
              + " cross join lateral (select now() - interval '7 days' * (1 - i::float8 / "
              + finished
              + ") as created) c"
              + " cross join lateral (select c.created,"
              + " c.created + interval '2 seconds' + (i % 5) * interval '1 second' as finished) t");
    }
    for (int lo = 1; lo <= pending; lo += CHUNK) {
      int hi = Math.min(pending, lo + CHUNK - 1);
      execute(
          admin,
          "insert into "
              + table
              + COLUMNS
              + " select '"
              + Workloads.TYPE
              + "', 'pending', 1 + i % 3, jsonb_build_object('i', i, 't', 0), null, null,"
              + " '[]'::jsonb, 0, 3, 0, 300, c.created, c.created, c.created, c.created,"
              + " null, null"
              + " from generate_series("
              + lo
              + ", "
              + hi
              + ") i"
              + " cross join lateral (select now() - interval '1 second'"
              + " - interval '1 hour' * (1 - i::float8 / "
              + pending
              + ") as created) c");
    }
  }

  /** {@code VACUUM ANALYZE} of the jobs table, then a checkpoint. */
  static void vacuumAnalyzeAndCheckpoint(Connection admin, String schema) throws SQLException {
    execute(admin, "vacuum analyze " + schema + ".jobs");
    try {
      execute(admin, "checkpoint");
    } catch (SQLException e) {
      // Not allowed for every role on an external server; the run is just noisier then.
    }
  }

  /**
   * The library's one-statement claim of a queue without limits, as {@code Claims.openSql} builds
   * it (copied, with {@code ClaimOrder.SQL} and the {@code HAS_LIMITS} condition written out).
   * Binds: queue, types, queue, limit, node, lease in milliseconds.
   */
  static String claimSql(String schema) {
    String jobs = schema + ".jobs";
    String queues = schema + ".queues";
    return CLAIM_MATCH
        + "false) as given_back from "
        + jobs
        + " j where j.queue = ? and j.status = 'pending' and j.run_at <= now()"
        + " and j.type = any(?::text[]) and not exists (select 1 from "
        + queues
        + " q where q.name = ? and (q.paused or "
        + "(q.max_running is not null or q.max_running_per_key is not null"
        + " or q.rate_limit is not null or q.key_rate_limit is not null)"
        + ")) order by priority, run_at, id limit ? for update skip locked) update "
        + jobs
        + " j set status = 'running', attempt = j.attempt + 1, locked_by = ?,"
        + " lease_expires_at = now() + ?::bigint * interval '1 millisecond',"
        + " started_at = now(), updated_at = now()"
        + " from c where j.id = c.id"
        + " returning j.id, j.type, j.payload::text, j.attempt, j.retry_count, j.max_retries,"
        + " j.timeout_seconds, j.priority, j.scheduled_at, j.run_at, c.given_back,"
        + " j.snooze_count, j.schedule_name, j.occurrence_at";
  }

  /**
   * Client-side claim timing: {@code claims} claims of {@link #PROBE_LIMIT} (after {@link
   * #PROBE_WARM_UP} untimed ones), each in its own transaction on one connection, timed with {@code
   * System.nanoTime()} around the claim's execution and the reading of its rows. Each claim is
   * followed by setting the claimed rows back to pending and a ROLLBACK, so the table is the same
   * for the next claim.
   *
   * @return every timed claim's duration in ms, sorted
   */
  static double[] probeClaims(BenchDatabase db, String schema, int claims) throws SQLException {
    double[] ms = new double[claims];
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement claim = c.prepareStatement(claimSql(schema));
          PreparedStatement back =
              c.prepareStatement(
                  "update "
                      + schema
                      + ".jobs set status = 'pending', attempt = attempt - 1, locked_by = null,"
                      + " lease_expires_at = null, started_at = null where id = any(?)")) {
        Array types = c.createArrayOf("text", new String[] {Workloads.TYPE});
        claim.setString(1, "default");
        claim.setArray(2, types);
        claim.setString(3, "default");
        claim.setInt(4, PROBE_LIMIT);
        claim.setString(5, "bench-claim-probe");
        claim.setLong(6, 30_000L);
        for (int i = 0; i < PROBE_WARM_UP + claims; i++) {
          List<Long> ids = new ArrayList<>(PROBE_LIMIT);
          long t0 = System.nanoTime();
          try (ResultSet r = claim.executeQuery()) {
            while (r.next()) {
              ids.add(r.getLong(1));
            }
          }
          long t1 = System.nanoTime();
          if (ids.size() != PROBE_LIMIT) {
            c.rollback();
            throw new IllegalStateException(
                "probe claim " + i + " took " + ids.size() + " jobs, not " + PROBE_LIMIT);
          }
          back.setArray(1, c.createArrayOf("bigint", ids.toArray()));
          back.executeUpdate();
          c.rollback();
          if (i >= PROBE_WARM_UP) {
            ms[i - PROBE_WARM_UP] = (t1 - t0) / 1_000_000.0;
          }
        }
      }
    }
    Arrays.sort(ms);
    return ms;
  }

  /**
   * Whether {@code pg_stat_statements} can be read (the server preloads it and the extension
   * exists; with the embedded server, when {@code --statements} is given).
   */
  static boolean statementsAvailable(BenchDatabase db) {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("select count(*) from pg_stat_statements")) {
      return r.next();
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * The claim statement's totals so far in {@code pg_stat_statements}, for {@code schema}'s table.
   *
   * @param calls executions
   * @param totalMs total execution time in ms
   * @param rows rows returned (jobs claimed)
   */
  record ClaimTotals(long calls, double totalMs, long rows) {

    /** The executions, time and rows between {@code before} and this. */
    ClaimTotals minus(ClaimTotals before) {
      return new ClaimTotals(calls - before.calls, totalMs - before.totalMs, rows - before.rows);
    }

    /** Mean execution time per call in ms, or null without calls. */
    Double meanMs() {
      return calls == 0 ? null : totalMs / calls;
    }
  }

  /** Reads {@link ClaimTotals} of the library's claim statement on {@code schema.jobs}. */
  static ClaimTotals claimTotals(Connection admin, String schema) throws SQLException {
    try (PreparedStatement s =
        admin.prepareStatement(
            "select coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0),"
                + " coalesce(sum(rows), 0) from pg_stat_statements"
                + " where query like ? and (query like ? or query like ?)")) {
      // The library quotes the schema's name, the probe does not.
      String name = schema.replace("_", "\\_");
      s.setString(1, CLAIM_MATCH.replace("_", "\\_") + "%");
      s.setString(2, "%" + name + ".jobs %");
      s.setString(3, "%\"" + name + "\".jobs %");
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return new ClaimTotals(r.getLong(1), r.getDouble(2), r.getLong(3));
      }
    }
  }

  /**
   * The jobs table's statistics line.
   *
   * @param dead {@code n_dead_tup}
   * @param live {@code n_live_tup}
   * @param autovacuums {@code autovacuum_count}
   */
  record TableStats(long dead, long live, long autovacuums) {}

  /**
   * {@code pg_stat_user_tables} for {@code schema.jobs}. The counts come from the backends that
   * wrote the rows, which report them at most once a second and when they exit; so this waits 500
   * ms, then (PostgreSQL 15 and later) calls {@code pg_stat_force_next_flush()} for its own
   * backend, or else waits 1 s more.
   */
  static TableStats tableStats(Connection admin, String schema)
      throws SQLException, InterruptedException {
    Thread.sleep(500);
    if (Workloads.count(admin, "select current_setting('server_version_num')::int") >= 150_000) {
      execute(admin, "select pg_stat_force_next_flush()");
    } else {
      Thread.sleep(1_000);
    }
    try (PreparedStatement s =
        admin.prepareStatement(
            "select n_dead_tup, n_live_tup, autovacuum_count from pg_stat_user_tables"
                + " where schemaname = ? and relname = 'jobs'")) {
      s.setString(1, schema);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          throw new IllegalStateException("no statistics for " + schema + ".jobs");
        }
        return new TableStats(r.getLong(1), r.getLong(2), r.getLong(3));
      }
    }
  }

  /** Runs one statement. */
  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
