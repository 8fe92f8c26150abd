package dev.jobqueue.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link LedgerCluster}'s record says about limits, all by the database clock: how many
 * executions overlapped at most, and how many jobs were claimed in any window.
 *
 * <p>An execution starts when its handler started (the ledger row) and ends when its completion was
 * written inside the completing transaction (the side effect row); one that failed ends when its
 * handler ended, and one whose JVM was killed ends when the kill was sent. Each lies within the
 * time its job held a place under the limits: from its claim to its outcome's commit, or to the
 * expiry of its lease.
 */
public final class Overlaps {

  private final LedgerCluster cluster;

  /**
   * Reads a cluster's record.
   *
   * @param cluster the cluster
   */
  public Overlaps(LedgerCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * The most executions that overlapped, per group.
   *
   * @param where a condition on the jobs table's columns
   * @param groupBy a column of the jobs table, such as {@code queue} or {@code concurrency_key}
   * @return per group, the most at once
   */
  public Map<String, Long> maxRunning(String where, String groupBy) {
    String sql =
        "with e as (select j."
            + groupBy
            + "::text as g, l.started_at as s,"
            + " coalesce(fx.at, case when l.outcome is distinct from 'completed' then l.ended_at"
            + " end, d.killed_at, 'infinity'::timestamptz) as e from "
            + q("ledger")
            + " l join "
            + q("jobs")
            + " j on j.id = l.job_id left join "
            + q("side_effects")
            + " fx on fx.job_id = l.job_id and fx.attempt = l.attempt left join "
            + q("node_deaths")
            + " d on d.node = l.node where "
            + where
            + "), ev as (select g, s as t, 1 as d from e union all select g, e as t, -1 from e),"
            + " run as (select g, sum(d) over (partition by g order by t, d"
            + " rows unbounded preceding) as n from ev)"
            + " select g, max(n) from run group by g";
    return perGroup(sql);
  }

  /**
   * The most claims in any window of {@code window}, per group, by the jobs' {@code started_at}
   * (the claim's time): for each claim, those in {@code [its time, its time + window)}.
   *
   * @param where a condition on the jobs table's columns
   * @param groupBy a column of the jobs table
   * @param window the window
   * @return per group, the most claims in one window
   */
  public Map<String, Long> maxStarts(String where, String groupBy, Duration window) {
    String starts =
        "(select "
            + groupBy
            + "::text as g, started_at as t from "
            + q("jobs")
            + " where started_at is not null and "
            + where
            + ")";
    String sql =
        "select a.g, max((select count(*) from "
            + starts
            + " b where b.g = a.g and b.t >= a.t and b.t < a.t + "
            + window.toMillis()
            + " * interval '1 millisecond')) from "
            + starts
            + " a group by a.g";
    return perGroup(sql);
  }

  /**
   * From the first claim to the last, among the jobs matching {@code where}.
   *
   * @param where a condition on the jobs table's columns
   * @return milliseconds
   */
  public long startSpanMillis(String where) {
    return cluster
        .db()
        .queryLong(
            "select (extract(epoch from max(started_at) - min(started_at)) * 1000)::bigint from "
                + q("jobs")
                + " where "
                + where);
  }

  private String q(String table) {
    return cluster.ledger().q(table);
  }

  private Map<String, Long> perGroup(String sql) {
    Map<String, Long> result = new TreeMap<>();
    try (Connection c = cluster.db().dataSource().getConnection();
        PreparedStatement s = c.prepareStatement(sql);
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        result.put(rs.getString(1), rs.getLong(2));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
    return result;
  }
}
