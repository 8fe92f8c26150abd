package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.inTransaction;
import static dev.jobqueue.internal.store.Sql.run;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.JobPriority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The SQL of the cluster's shared state: node heartbeats, statistics, the health check's reads, and
 * pruning of finished jobs and old monitoring rows. Thread-safe. <strong>Not API.</strong>
 */
public final class ClusterStore {

  /** First key of the pruning advisory lock: "jqpr" in ASCII. */
  private static final int PRUNE_LOCK_CLASS = 0x6a717072;

  /** Counts at or above this come from PostgreSQL's statistics rather than a count. */
  public static final long EXACT_COUNT_LIMIT = 10_000;

  private final DSLContext dsl;
  private final String schema;
  private final String qualifiedJobs;
  private final String qualifiedNodes;
  private final String qualifiedStats;
  private final String qualifiedLeader;
  private final String queueHealthSql;
  private final String scheduleHealthSql;

  ClusterStore(DSLContext dsl, String schema) {
    this.dsl = dsl;
    this.schema = schema;
    this.qualifiedJobs = Sql.qualified(schema, "jobs");
    this.qualifiedNodes = Sql.qualified(schema, "nodes");
    this.qualifiedStats = Sql.qualified(schema, "job_stats");
    this.qualifiedLeader = Sql.qualified(schema, "leader");
    this.queueHealthSql = queueHealthSql(qualifiedJobs, Sql.qualified(schema, "queues"));
    String schedules = Sql.qualified(schema, "schedules");
    // A small table: one read of it, the overdue ones found through schedules_due_idx.
    this.scheduleHealthSql =
        "select count(*)::integer, (count(*) filter (where paused))::integer,"
            + " coalesce((extract(epoch from now() - min(next_run_at) filter (where not paused"
            + " and next_run_at <= now())) * 1000)::bigint, 0),"
            + " (select array_agg(name order by next_run_at) from (select name, next_run_at from "
            + schedules
            + " where not paused and next_run_at < now() - ?::bigint * interval '1 millisecond'"
            + " order by next_run_at limit 10) l) from "
            + schedules;
  }

  /**
   * The health of every queue that has a row in {@code queues} or pending or running jobs, one row
   * per queue: name, paused, lag in ms, due pending jobs, running jobs. The queues with jobs are
   * found by skipping through the partial indexes of pending jobs ({@code jobs_claim_idx}, led by
   * the queue) and of running ones ({@code jobs_running_key_idx}), one descent per queue; each
   * queue's figures are index ranges too: the lag one descent per priority, the due count one range
   * per priority and the running count one range, both capped at {@value #EXACT_COUNT_LIMIT}. No
   * statement reads finished rows, or a queue's jobs that are not yet due.
   */
  private static String queueHealthSql(String jobs, String queues) {
    StringBuilder oldestDue = new StringBuilder();
    StringBuilder due = new StringBuilder();
    for (JobPriority priority : JobPriority.values()) {
      String range =
          " from "
              + jobs
              + " j where j.status = 'pending' and j.queue = n.name and j.priority = "
              + priority.rank() // a constant, not input
              + " and j.run_at <= now()";
      oldestDue
          .append(oldestDue.length() == 0 ? "" : ", ")
          .append("(select min(j.run_at)")
          .append(range)
          .append(')');
      due.append(due.length() == 0 ? "" : " union all ")
          .append("(select 1")
          .append(range)
          .append(')');
    }
    return "with recursive pending_queues(q) as ("
        + distinctQueues(jobs, "pending", "pending_queues")
        + "), running_queues(q) as ("
        + distinctQueues(jobs, "running", "running_queues")
        + "), names(name) as (select name from "
        + queues
        + " union select q from pending_queues where q is not null"
        + " union select q from running_queues where q is not null)"
        + " select n.name, coalesce(qs.paused, false),"
        + " coalesce((extract(epoch from now() - least("
        + oldestDue
        + ")) * 1000)::bigint, 0),"
        + " (select count(*) from ("
        + due
        + " limit "
        + EXACT_COUNT_LIMIT
        + ") d),"
        + " (select count(*) from (select 1 from "
        + jobs
        + " j where j.status = 'running' and j.queue = n.name limit "
        + EXACT_COUNT_LIMIT
        + ") r)"
        + " from names n left join "
        + queues
        + " qs on qs.name = n.name";
  }

  /**
   * The distinct queues of the jobs in {@code status}, as the body of the recursive CTE {@code
   * cte}: the first queue, then each next one above the last, one index descent each (and a last
   * row of null).
   */
  private static String distinctQueues(String jobs, String status, String cte) {
    // status and cte are constants of this class, not input.
    return "(select queue from "
        + jobs
        + " where status = '"
        + status
        + "' order by queue limit 1) union all select (select j.queue from "
        + jobs
        + " j where j.status = '"
        + status
        + "' and j.queue > p.q order by j.queue limit 1) from "
        + cte
        + " p where p.q is not null";
  }

  /**
   * Reads what the health check needs, in one short transaction bounded by a statement timeout.
   * Counts under {@value #EXACT_COUNT_LIMIT} (by PostgreSQL's estimate) are exact; larger ones are
   * the estimate, read from {@code pg_stats}. Exact counts are capped at {@value
   * #EXACT_COUNT_LIMIT}, so no statement here reads more than about that many index entries per
   * status (per queue, for the queues' figures), however large the table and however stale its
   * statistics.
   *
   * @param timeoutMillis the statement timeout
   * @param liveWithinMillis a node is live if its heartbeat is this recent
   * @param lateAfterMillis a schedule is late when its due occurrence has waited this long
   * @return the snapshot
   */
  public HealthSnapshot health(long timeoutMillis, long liveWithinMillis, long lateAfterMillis) {
    return run(
        "check health",
        () ->
            dsl.transactionResult(
                cfg -> {
                  DSLContext tx = cfg.dsl();
                  tx.execute("set local statement_timeout = " + Math.max(1, timeoutMillis));
                  Map<String, Long> estimates = new HashMap<>();
                  tx.resultQuery(
                          "select s.v, (s.f * greatest(c.reltuples, 0))::bigint"
                              + " from pg_class c"
                              + " join pg_namespace n on n.oid = c.relnamespace"
                              + " join lateral (select unnest(st.most_common_vals::text::text[]) v,"
                              + " unnest(st.most_common_freqs) f from pg_stats st"
                              + " where st.schemaname = n.nspname and st.tablename = c.relname"
                              + " and st.attname = 'status') s on true"
                              + " where n.nspname = ? and c.relname = 'jobs' and c.reltuples > 0",
                          schema)
                      .forEach(r -> estimates.put(r.get(0, String.class), r.get(1, Long.class)));
                  Map<String, Long> counts = new HashMap<>();
                  List<String> exact = new ArrayList<>();
                  boolean estimated = false;
                  for (String status : StatusBranches.ALL) {
                    Long estimate = estimates.get(status);
                    if (estimate == null || estimate < EXACT_COUNT_LIMIT) {
                      exact.add(status);
                      counts.put(status, 0L);
                    } else {
                      counts.put(status, estimate);
                      estimated = true;
                    }
                  }
                  if (!exact.isEmpty()) {
                    // Capped counts, one index range each: never more than the cap in entries,
                    // even when the statistics are missing or stale (a table never analyzed).
                    StringBuilder sql = new StringBuilder("select ");
                    for (int i = 0; i < exact.size(); i++) {
                      sql.append(i == 0 ? "" : ", ")
                          .append("(select count(*) from (select 1 from ")
                          .append(qualifiedJobs)
                          .append(" where status = '")
                          .append(exact.get(i)) // one of StatusBranches.ALL: constants, not input
                          .append("' limit ")
                          .append(EXACT_COUNT_LIMIT)
                          .append(") c)");
                    }
                    Record row = tx.resultQuery(sql.toString()).fetchOne();
                    for (int i = 0; i < exact.size(); i++) {
                      long count = row.get(i, Long.class);
                      String status = exact.get(i);
                      if (count >= EXACT_COUNT_LIMIT) {
                        // At least the cap: better the statistics' figure, if there is one.
                        count = Math.max(count, estimates.getOrDefault(status, 0L));
                        estimated = true;
                      }
                      counts.put(status, count);
                    }
                  }
                  Map<String, HealthCheckResult.QueueHealth> queues = new HashMap<>();
                  tx.resultQuery(queueHealthSql)
                      .forEach(
                          r ->
                              queues.put(
                                  r.get(0, String.class),
                                  new HealthCheckResult.QueueHealth(
                                      r.get(1, Boolean.class),
                                      r.get(3, Long.class),
                                      Math.max(0, r.get(2, Long.class)),
                                      r.get(4, Long.class))));
                  Record cluster =
                      tx.resultQuery(
                              "select (select count(*) from "
                                  + qualifiedNodes
                                  + " where heartbeat_at > now() - ?::bigint"
                                  + " * interval '1 millisecond'),"
                                  + " (select node_id from "
                                  + qualifiedLeader
                                  + " where name = ? and expires_at > now())",
                              liveWithinMillis,
                              LeaderStore.DEFAULT_NAME)
                          .fetchOne();
                  Record schedules = tx.resultQuery(scheduleHealthSql, lateAfterMillis).fetchOne();
                  String[] late = schedules.get(3, String[].class);
                  return new HealthSnapshot(
                      counts,
                      estimated,
                      queues,
                      cluster.get(0, Integer.class),
                      cluster.get(1, String.class),
                      new HealthCheckResult.Schedules(
                          schedules.get(0, Integer.class),
                          schedules.get(1, Integer.class),
                          schedules.get(2, Long.class),
                          late == null ? List.of() : List.of(late)));
                }));
  }

  /**
   * Records this node's heartbeat.
   *
   * @param node the node's current figures
   * @return the database clock's now, epoch milliseconds
   */
  public long heartbeat(NodeInfo node) {
    return run(
        "record the node heartbeat",
        () ->
            dsl.resultQuery(
                    "insert into "
                        + qualifiedNodes
                        + " (node_id, host, pid, types, max_workers, active_workers,"
                        + " idle_workers, stuck_workers, listening)"
                        + " values (?, ?, ?, ?::text[], ?, ?, ?, ?, ?)"
                        + " on conflict (node_id) do update set heartbeat_at = now(),"
                        + " types = excluded.types, max_workers = excluded.max_workers,"
                        + " active_workers = excluded.active_workers,"
                        + " idle_workers = excluded.idle_workers,"
                        + " stuck_workers = excluded.stuck_workers,"
                        + " listening = excluded.listening"
                        + " returning (extract(epoch from now()) * 1000)::bigint",
                    node.nodeId(),
                    node.host(),
                    node.pid(),
                    node.types(),
                    node.maxWorkers(),
                    node.activeWorkers(),
                    node.idleWorkers(),
                    node.stuckWorkers(),
                    node.listening())
                .fetchOne(0, Long.class));
  }

  /**
   * Removes a node's heartbeat row, when it stops.
   *
   * @param nodeId the node
   */
  public void removeNode(String nodeId) {
    run(
        "remove the node " + nodeId,
        () -> dsl.query("delete from " + qualifiedNodes + " where node_id = ?", nodeId).execute());
  }

  /**
   * Writes per-minute figures; a row already there for the same minute, node, queue and type is
   * replaced (the figures are running totals, so writing them again is harmless).
   *
   * @param rows the rows
   */
  public void saveStats(List<StatRow> rows) {
    int n = rows.size();
    if (n == 0) {
      return;
    }
    Long[] minutes = new Long[n];
    String[] nodes = new String[n];
    String[] queues = new String[n];
    String[] types = new String[n];
    Long[][] numbers = new Long[7][n];
    String[] histograms = new String[n];
    for (int i = 0; i < n; i++) {
      StatRow row = rows.get(i);
      minutes[i] = row.minuteMillis();
      nodes[i] = row.nodeId();
      queues[i] = row.queue();
      types[i] = row.type();
      numbers[0][i] = row.processed();
      numbers[1][i] = row.succeeded();
      numbers[2][i] = row.failed();
      numbers[3][i] = row.retried();
      numbers[4][i] = row.totalMillis();
      numbers[5][i] = row.maxMillis();
      StringBuilder text = new StringBuilder("{");
      for (int b = 0; b < row.histogram().length; b++) {
        text.append(b == 0 ? "" : ",").append(row.histogram()[b]);
      }
      histograms[i] = text.append('}').toString();
    }
    run(
        "save processing statistics",
        () ->
            dsl.query(
                    "insert into "
                        + qualifiedStats
                        + " (minute, node_id, queue, type, processed, succeeded, failed, retried,"
                        + " total_millis, max_millis, histogram)"
                        + " select to_timestamp(u.m / 1000.0), u.n, u.q, u.t, u.p, u.s, u.f, u.r,"
                        + " u.tm, u.mx, u.h::bigint[]"
                        + " from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[],"
                        + " ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],"
                        + " ?::text[]) as u(m, n, q, t, p, s, f, r, tm, mx, h)"
                        + " on conflict (minute, node_id, queue, type) do update set"
                        + " processed = excluded.processed, succeeded = excluded.succeeded,"
                        + " failed = excluded.failed, retried = excluded.retried,"
                        + " total_millis = excluded.total_millis,"
                        + " max_millis = excluded.max_millis, histogram = excluded.histogram",
                    minutes,
                    nodes,
                    queues,
                    types,
                    numbers[0],
                    numbers[1],
                    numbers[2],
                    numbers[3],
                    numbers[4],
                    numbers[5],
                    histograms)
                .execute());
  }

  /**
   * Reads every node's per-minute figures of the last {@code minutes} minutes.
   *
   * @param minutes how far back
   * @param rowsOut where the rows go
   * @return the database clock's now, epoch milliseconds
   */
  public long recentStats(int minutes, List<StatRow> rowsOut) {
    return run(
        "read processing statistics",
        () -> {
          long[] now = {0};
          dsl.resultQuery(
                  "select (extract(epoch from minute) * 1000)::bigint, node_id, queue, type,"
                      + " processed, succeeded, failed, retried, total_millis, max_millis,"
                      + " histogram::text, (extract(epoch from now()) * 1000)::bigint from "
                      + qualifiedStats
                      + " where minute >= date_trunc('minute', now()) - ?::integer"
                      + " * interval '1 minute'",
                  minutes)
              .forEach(
                  r -> {
                    now[0] = r.get(11, Long.class);
                    rowsOut.add(
                        new StatRow(
                            r.get(0, Long.class),
                            r.get(1, String.class),
                            r.get(2, String.class),
                            r.get(3, String.class),
                            r.get(4, Long.class),
                            r.get(5, Long.class),
                            r.get(6, Long.class),
                            r.get(7, Long.class),
                            r.get(8, Long.class),
                            r.get(9, Long.class),
                            parseHistogram(r.get(10, String.class))));
                  });
          if (now[0] == 0) {
            now[0] =
                dsl.resultQuery("select (extract(epoch from now()) * 1000)::bigint")
                    .fetchOne(0, Long.class);
          }
          return now[0];
        });
  }

  private static long[] parseHistogram(String text) {
    String body = text.substring(1, text.length() - 1);
    if (body.isEmpty()) {
      return new long[0];
    }
    String[] parts = body.split(",");
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = Long.parseLong(parts[i]);
    }
    return values;
  }

  /**
   * Deletes up to {@code limit} finished jobs older than their retention, in one short transaction,
   * if no other node is pruning at this moment. Pending and running jobs are never touched.
   *
   * @param status the finished status to prune: completed, cancelled or failed
   * @param olderThanMillis how long after completion a job is kept
   * @param limit the most jobs to delete
   * @return how many were deleted, or -1 when another node holds the pruning lock
   */
  public int pruneFinished(String status, long olderThanMillis, int limit) {
    return run(
        "prune finished jobs",
        () ->
            inTransaction(
                dsl,
                cfg -> {
                  DSLContext tx = cfg.dsl();
                  Boolean locked =
                      tx.resultQuery(
                              "select pg_try_advisory_xact_lock(?, ?)",
                              PRUNE_LOCK_CLASS,
                              schema.hashCode())
                          .fetchOne(0, Boolean.class);
                  if (!Boolean.TRUE.equals(locked)) {
                    return -1;
                  }
                  // completed_at >= created_at, so the created_at bound is implied by the
                  // completed_at one; it is there to let jobs_done_status_created_idx find the
                  // candidates as one index range. The literal list of finished statuses tells
                  // the planner, whatever the bind, that they all lie in that partial index.
                  return tx.query(
                          "with doomed as (select id from "
                              + qualifiedJobs
                              + " where status = ? and "
                              + StatusBranches.FINISHED_SQL
                              + " and created_at < now() - ?::bigint * interval '1 millisecond'"
                              + " and completed_at < now() - ?::bigint * interval '1 millisecond'"
                              + " limit ? for update skip locked)"
                              + " delete from "
                              + qualifiedJobs
                              + " j using doomed d where j.id = d.id",
                          status,
                          olderThanMillis,
                          olderThanMillis,
                          limit)
                      .execute();
                }));
  }

  /**
   * Deletes node rows and statistics older than {@code olderThanMillis}.
   *
   * @param olderThanMillis the age
   */
  public void pruneMonitoring(long olderThanMillis) {
    run(
        "prune node rows and statistics",
        () -> {
          dsl.query(
                  "delete from "
                      + qualifiedNodes
                      + " where heartbeat_at < now() - ?::bigint * interval '1 millisecond'",
                  olderThanMillis)
              .execute();
          return dsl.query(
                  "delete from "
                      + qualifiedStats
                      + " where minute < now() - ?::bigint * interval '1 millisecond'",
                  olderThanMillis)
              .execute();
        });
  }
}
