package dev.jobqueue.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the scaling workload reads from the server: the log of the leader's pruning passes (a table
 * and a trigger it installs in the measured schema), the leader row, the WAL position and {@code
 * pg_stat_wal}.
 */
final class ScalingProbes {

  private ScalingProbes() {}

  /**
   * The observation of the leader-only work: a table and a statement-level trigger that logs every
   * DELETE on {@code job_stats} with the session's application name. Only the pruner's pass (its
   * {@code pruneMonitoring} step, once per pass, on the leader) deletes from that table, and a
   * statement trigger fires even when no row goes.
   */
  static void installPassLog(Connection admin, String schema) throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute(
          "create table "
              + schema
              + ".bench_prune_passes (id bigserial primary key, app text not null,"
              + " pid integer not null, at timestamptz not null default clock_timestamp())");
      s.execute(
          "create function "
              + schema
              + ".bench_prune_pass() returns trigger language plpgsql as $$ begin insert into "
              + schema
              + ".bench_prune_passes (app, pid) values (current_setting('application_name'),"
              + " pg_backend_pid()); return null; end $$");
      s.execute(
          "create trigger bench_prune_pass after delete on "
              + schema
              + ".job_stats for each statement execute function "
              + schema
              + ".bench_prune_pass()");
    }
  }

  /** The id of the last pass logged so far; 0 before the first. */
  static long lastPass(Connection admin, String schema) throws SQLException {
    return Workloads.count(
        admin, "select coalesce(max(id), 0) from " + schema + ".bench_prune_passes");
  }

  /** Passes logged with from < id <= to, by application name. */
  static Map<String, Long> passesByApp(Connection admin, String schema, long from, long to)
      throws SQLException {
    Map<String, Long> byApp = new LinkedHashMap<>();
    try (PreparedStatement ps =
        admin.prepareStatement(
            "select app, count(*) from "
                + schema
                + ".bench_prune_passes where id > ? and id <= ? group by app order by app")) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          byApp.put(r.getString(1), r.getLong(2));
        }
      }
    }
    return byApp;
  }

  /** The node id in the schema's unexpired leader row, or null when no node leads. */
  static String leaderNode(Connection admin, String schema) throws SQLException {
    try (Statement s = admin.createStatement();
        ResultSet r =
            s.executeQuery(
                "select node_id from " + schema + ".leader where expires_at > now() limit 1")) {
      return r.next() ? r.getString(1) : null;
    }
  }

  /** The server's current WAL position, as text. */
  static String lsn(Connection admin) throws SQLException {
    try (Statement s = admin.createStatement();
        ResultSet r = s.executeQuery("select pg_current_wal_lsn()::text")) {
      r.next();
      return r.getString(1);
    }
  }

  /** Bytes of WAL written since the position {@code lsn}. */
  static long walSince(Connection admin, String lsn) throws SQLException {
    try (PreparedStatement ps =
        admin.prepareStatement("select pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn)")) {
      ps.setString(1, lsn);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /** The numeric columns of pg_stat_wal (PostgreSQL 14+); empty when the view is missing. */
  static Map<String, Long> walStats(Connection admin) {
    Map<String, Long> stats = new LinkedHashMap<>();
    try (Statement s = admin.createStatement();
        ResultSet r = s.executeQuery("select * from pg_stat_wal")) {
      if (r.next()) {
        ResultSetMetaData meta = r.getMetaData();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          Object value = r.getObject(i);
          if (value instanceof Number number) {
            stats.put(meta.getColumnName(i), number.longValue());
          }
        }
      }
    } catch (SQLException e) {
      // Before PostgreSQL 14: no such view.
    }
    return stats;
  }

  /** {@code after - before} of one counter, or null when either side lacks it. */
  static Long delta(Map<String, Long> before, Map<String, Long> after, String key) {
    Long a = before.get(key);
    Long b = after.get(key);
    return a == null || b == null ? null : b - a;
  }
}
