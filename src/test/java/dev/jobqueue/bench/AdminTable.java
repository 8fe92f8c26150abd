package dev.jobqueue.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The SQL side of the {@code admin} workload: filling a schema, in plain SQL and {@value #CHUNK}
 * rows per statement, with what an operator's tools look at on a busy installation. The jobs are
 * numbered 1 to n in the order they were created, as the engine numbers them:
 *
 * <ul>
 *   <li>the first 97%, created over the last 7 days and finished 1 to 5 s later, are by {@code i %
 *       97}: completed (90 of 97; 90% of all jobs), failed after 4 attempts with an error message
 *       and history (5%), or cancelled before they started (2%);
 *   <li>the last 3%, created over the last hour, are pending, a third of them scheduled up to a day
 *       ahead; except the last {@link #RUNNING}, which are running, with leases held by the three
 *       nodes.
 * </ul>
 *
 * <p>Types ({@value #TYPES} of them, {@code type-00} to {@code type-19}, each running in one of
 * {@value #QUEUES} queues) follow {@code (i + i / 100) % 20}, so that every status has every type;
 * priorities follow {@code i % 3}. Payloads are about 200 bytes of JSON: a customer id ({@code (7i
 * + i / 100) % 5000}), an order id, a request id, a source, a region, an email address, an amount,
 * a list of items and a flag on some. Beside the jobs: 3 live nodes and the leader lease, the 5
 * queues, {@value #SCHEDULES} interval schedules, {@value #AUDIT_ROWS} audit log entries over the
 * last 30 days, and {@code job_stats} rows as the engine writes them (one per minute, node, queue
 * and type, with a 100-bucket histogram) for the last 25 hours: the pruner keeps a day of them.
 */
final class AdminTable {

  /** Rows per {@code insert ... select ... from generate_series} statement. */
  static final int CHUNK = 250_000;

  /** Job types. */
  static final int TYPES = 20;

  /** Queues. */
  static final int QUEUES = 5;

  /** The queues, by {@code (i % 20) % 5}. */
  static final List<String> QUEUE_NAMES =
      List.of("default", "email", "billing", "reports", "webhooks");

  /** The nodes holding the running jobs and writing the statistics. */
  static final List<String> NODES = List.of("node-a", "node-b", "node-c");

  /** Running jobs (the last ones, out of the pending share). */
  static final int RUNNING = 60;

  /** Stored schedules. */
  static final int SCHEDULES = 6;

  /** Audit log entries. */
  static final int AUDIT_ROWS = 5_000;

  /** Hours of {@code job_stats} rows. */
  static final int STATS_HOURS = 25;

  /** The columns the job fill writes; the others keep their defaults. */
  private static final String COLUMNS =
      " (type, queue, status, priority, payload, result, error_message, errors, retry_count,"
          + " max_retries, attempt, timeout_seconds, locked_by, lease_expires_at, created_at,"
          + " updated_at, scheduled_at, run_at, started_at, completed_at)";

  private AdminTable() {}

  /** A job type's name, {@code type-00} to {@code type-19}. */
  static String type(int t) {
    return String.format(java.util.Locale.ROOT, "type-%02d", t);
  }

  /** The queue type {@code t} runs in. */
  static String queueOf(int t) {
    return QUEUE_NAMES.get(t % QUEUES);
  }

  /** Fills jobs, statistics, nodes, leader, queues, schedules and audit log of {@code schema}. */
  static void fill(Connection admin, String schema, int jobs) throws SQLException {
    String queues = "array['" + String.join("', '", QUEUE_NAMES) + "']";
    String nodes = "array['" + String.join("', '", NODES) + "']";
    int finished = jobs - jobs / 100 * 3;
    for (int lo = 1; lo <= jobs; lo += CHUNK) {
      int hi = Math.min(jobs, lo + CHUNK - 1);
      execute(
          admin,
          "insert into "
              + schema
              + ".jobs"
              + COLUMNS
              + " select 'type-' || lpad(k.t::text, 2, '0'), ("
              + queues
              + ")[1 + k.t % 5], s.status, 1 + i % 3,"
              + " jsonb_build_object('customerId', k.customer, 'orderId', 'ord-' || i,"
              + " 'region', (array['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'])"
              + "[1 + i % 5], 'email', 'customer' || k.customer || '@example.com',"
              + " 'amount', round(((i % 10000) * 1.37)::numeric, 2),"
              + " 'items', jsonb_build_array('sku-' || (i % 97), 'sku-' || (i % 89)),"
              + " 'requestId', left(md5(i::text), 16),"
              + " 'source', (array['checkout', 'scheduler', 'api', 'import'])[1 + i % 4]"
              + " || '-service')"
              + " || case when i % 7 = 0 then '{\"priorityCustomer\": true}'::jsonb"
              + " else '{}'::jsonb end,"
              + " case when s.status = 'completed' then '{\"ok\": true}'::jsonb end,"
              + " case when s.status = 'failed' then e.message end,"
              + " case when s.status = 'failed' then (select jsonb_agg(jsonb_build_object("
              + "'attempt', a, 'at', t.created + a * interval '1 second', 'error', e.message))"
              + " from generate_series(1, 4) a) else '[]'::jsonb end,"
              + " case when s.status = 'failed' then 3 else 0 end, 3,"
              + " case s.status when 'failed' then 4 when 'completed' then 1"
              + " when 'running' then 1 else 0 end, 300,"
              + " case when s.status = 'running' then ("
              + nodes
              + ")[1 + i % 3] end,"
              + " case when s.status = 'running' then now() + interval '30 seconds' end,"
              + " t.created, coalesce(t.finished, t.created), t.due, t.due,"
              + " case when s.status in ('completed', 'failed', 'running')"
              + " then t.created + interval '1 second' end, t.finished"
              + " from generate_series("
              + lo
              + ", "
              + hi
              + ") i"
              // Type and customer vary independently of the status.
              + " cross join lateral (select (i + i / 100) % 20 as t,"
              + " (i * 7 + i / 100) % 5000 as customer) k"
              + " cross join lateral (select case when i > "
              + (jobs - RUNNING)
              + " then 'running' when i > "
              + finished
              + " then 'pending' when i % 97 < 90 then 'completed' when i % 97 < 95 then 'failed'"
              + " else 'cancelled' end as status) s"
              + " cross join lateral (select (array["
              + "'java.net.SocketTimeoutException: Read timed out after 30000 ms',"
              + " 'java.lang.IllegalStateException: customer ' || k.customer || ' has no address',"
              + " 'org.postgresql.util.PSQLException: ERROR: deadlock detected',"
              + " 'java.io.IOException: HTTP 503 from https://api.example.com/v1/orders'])"
              + "[1 + (i / 100) % 4] as message) e"
              + " cross join lateral (select case when i > "
              + finished
              + " then now() - interval '1 hour' * (1 - (i - "
              + finished
              + ")::float8 / "
              + (jobs - finished)
              + ") else now() - interval '7 days' * (1 - i::float8 / "
              + finished
              + ") - interval '10 seconds' end as created) c"
              + " cross join lateral (select c.created,"
              + " case when s.status = 'pending' and i % 3 = 0"
              + " then now() + (i % 1440) * interval '1 minute' else c.created end as due,"
              + " case when s.status in ('completed', 'failed', 'cancelled')"
              + " then c.created + interval '1 second' + (i % 5) * interval '1 second' end"
              + " as finished) t");
    }
    execute(
        admin,
        "insert into "
            + schema
            + ".queues (name) select unnest("
            + queues
            + ") on conflict (name) do nothing");
    // As StatsFlush writes them: a row per minute, node, queue and type; 100 histogram buckets.
    execute(
        admin,
        "insert into "
            + schema
            + ".job_stats (minute, node_id, queue, type, processed, succeeded, failed, retried,"
            + " total_millis, max_millis, histogram)"
            + " select m, n, ("
            + queues
            + ")[1 + t % 5], 'type-' || lpad(t::text, 2, '0'), p, p - p / 20, p / 40, p / 40,"
            + " p * 35, 900, (select array_agg(case when b between 5 and 12 then p / 8"
            + " else 0 end order by b) from generate_series(0, 99) b)"
            + " from generate_series(date_trunc('minute', now()) - interval '"
            + STATS_HOURS
            + " hours', date_trunc('minute', now()), interval '1 minute') m"
            + " cross join unnest("
            + nodes
            + ") n cross join generate_series(0, 19) t"
            + " cross join lateral (select 20 + (t * 7 + extract(minute from m)::int) % 40 as p) x");
    execute(
        admin,
        "insert into "
            + schema
            + ".nodes (node_id, host, pid, started_at, heartbeat_at, types, max_workers,"
            + " active_workers, idle_workers, stuck_workers, listening)"
            + " select n, 'host-' || n, 1000 + o, now() - interval '3 days', now(),"
            + " (select array_agg('type-' || lpad(t::text, 2, '0')) from generate_series(0, 19) t),"
            + " 20, 20, 0, 0, true from unnest("
            + nodes
            + ") with ordinality u(n, o)");
    execute(
        admin,
        "insert into "
            + schema
            + ".leader (name, node_id, expires_at) values ('default', '"
            + NODES.get(0)
            + "', now() + interval '30 seconds') on conflict (name) do update set"
            + " node_id = excluded.node_id, expires_at = excluded.expires_at");
    execute(
        admin,
        "insert into "
            + schema
            + ".schedules (name, type, payload, priority, max_retries, timeout_seconds, queue,"
            + " interval_ms, anchor, missed_runs, overlap, declared, next_run_at, last_run_at,"
            + " runs)"
            + " select 'schedule-' || s, 'type-' || lpad(s::text, 2, '0'), '{}'::jsonb, 2, 3,"
            + " 300, ("
            + queues
            + ")[1 + s % 5], s * 300000, now() - interval '30 days', 'skip', 'skip', false,"
            + " now() + s * interval '1 minute', now() - s * interval '4 minutes', 1000 * s"
            + " from generate_series(1, "
            + SCHEDULES
            + ") s");
    execute(
        admin,
        "insert into "
            + schema
            + ".audit_log (at, actor, role, via, action, target, job_count, job_ids, details)"
            + " select now() - interval '30 days' * (1 - a::float8 / "
            + AUDIT_ROWS
            + "), 'operator-' || (a % 7), (array['viewer', 'operator', 'admin'])[1 + a % 3],"
            + " (array['dashboard', 'cli'])[1 + a % 2],"
            + " (array['login', 'jobs.retry', 'jobs.cancel', 'queue.pause', 'queue.resume'])"
            + "[1 + a % 5], case when a % 5 in (1, 2) then 'status=FAILED, type=type-'"
            + " || lpad((a % 20)::text, 2, '0') end, case when a % 5 in (1, 2) then 3 else 0 end,"
            + " case when a % 5 in (1, 2) then array[a * 3, a * 3 + 1, a * 3 + 2]::bigint[]"
            + " else '{}'::bigint[] end, ''"
            + " from generate_series(1, "
            + AUDIT_ROWS
            + ") a");
  }

  /** {@code VACUUM ANALYZE} of every table the workload filled, then a checkpoint. */
  static void vacuumAnalyze(Connection admin, String schema) throws SQLException {
    for (String table : List.of("jobs", "job_stats", "nodes", "schedules", "audit_log")) {
      execute(admin, "vacuum analyze " + schema + "." + table);
    }
    Workloads.checkpoint(admin);
  }

  /** Runs one statement. */
  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
