package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Measures what {@link JobQueueManager#healthCheck()} costs on a table of 1,000,000 jobs, against
 * the full count of {@link JobQueueManager#getJobMetrics()}. It prints figures and asserts only
 * that the check works (not {@code unhealthy}), never a speed: timings depend on the machine.
 *
 * <p>Tagged {@code heavy}, so the default build leaves it out. Run it with:
 *
 * <pre>
 * ./mvnw -B verify -Pheavy -Dtest=HealthCheckCostHeavyIT -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>The mix, with {@code created_at} spread over the last 8 days: 900,000 completed, 40,000
 * failed, 10,000 cancelled, 45,000 pending (5,000 due over the last 10 minutes, 40,000 scheduled
 * between 1 and 24 hours ahead) and 5,000 running under live leases held by three nodes, whose
 * heartbeat rows are written too. The pending and running jobs are spread evenly over four queues,
 * one of them paused.
 */
@Tag("heavy")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthCheckCostHeavyIT {

  private static final int CALLS = 30;

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private JobQueueManager jobs;

  @BeforeAll
  void fillOneMillionJobs() {
    String table = rows.table();
    // Autovacuum stays off for the table during the test so that statistics change only when the
    // test says so; the table keeps the library's indexes and fillfactor.
    db.execute("alter table " + table + " set (autovacuum_enabled = false)");

    long started = System.nanoTime();
    String types = "(array['email-notification','report','webhook','image-resize'])[1 + i % 4]";
    String payload =
        "jsonb_build_object('userId', 'user' || i, 'template', 'welcome', 'attempt', i % 7)";
    String columns =
        " (type, status, priority, payload, result, error_message, errors, retry_count,"
            + " max_retries, attempt, timeout_seconds, locked_by, lease_expires_at, created_at,"
            + " updated_at, scheduled_at, run_at, started_at, completed_at)";
    // Finished jobs: created over the last 8 days, finished a few seconds later.
    insert(
        table
            + columns
            + " select "
            + types
            + ", s.status, 1 + i % 3, "
            + payload
            + ", case when s.status = 'completed' then '{\"sent\": true}'::jsonb end,"
            + " case when s.status = 'failed' then 'SmtpException: 550 mailbox unavailable' end,"
            + " case when s.status = 'failed' then jsonb_build_array(jsonb_build_object("
            + "'attempt', 1, 'at', c.created, 'error', 'SmtpException: 550 mailbox unavailable'))"
            + " else '[]'::jsonb end,"
            + " case when s.status = 'failed' then 3 else 0 end, 3,"
            + " case when s.status = 'failed' then 4 else 1 end, 300, null, null,"
            + " c.created, c.created + interval '3 seconds', c.created, c.created,"
            + " c.created + interval '1 second', c.created + interval '3 seconds'"
            + " from generate_series(1, 950000) i"
            + " cross join lateral (select case when i <= 900000 then 'completed'"
            + " when i <= 940000 then 'failed' else 'cancelled' end as status) s"
            + " cross join lateral (select now() - interval '8 days' * random() as created) c");
    // Pending and running jobs are spread over four queues, one of them paused.
    String queued = columns.replace(" (type,", " (queue, type,");
    String queue = "(array['default','emails','reports','webhooks'])[1 + i % 4], ";
    // Pending: 5,000 due over the last 10 minutes, 40,000 scheduled over the next day.
    insert(
        table
            + queued
            + " select "
            + queue
            + types
            + ", 'pending', 1 + i % 3, "
            + payload
            + ", null, null, '[]'::jsonb, 0, 3, 0, 300, null, null,"
            + " now() - interval '10 minutes', now() - interval '10 minutes', r.run, r.run,"
            + " null, null"
            + " from generate_series(1, 45000) i"
            + " cross join lateral (select case when i <= 5000"
            + " then now() - interval '10 minutes' * random()"
            + " else now() + interval '1 hour' + interval '23 hours' * random() end as run) r");
    // Running: 5,000 under live leases of three nodes.
    insert(
        table
            + queued
            + " select "
            + queue
            + types
            + ", 'running', 1 + i % 3, "
            + payload
            + ", null, null, '[]'::jsonb, 0, 3, 1, 300, 'node-' || (i % 3),"
            + " now() + interval '30 seconds', now() - interval '1 minute', now(),"
            + " now() - interval '1 minute', now() - interval '1 minute', now(), null"
            + " from generate_series(1, 5000) i");
    db.execute(
        "insert into \""
            + schema
            + "\".nodes (node_id, host, pid, types, max_workers, active_workers, idle_workers)"
            + " select 'node-' || n, 'host-' || n, 1000 + n,"
            + " array['email-notification','report','webhook','image-resize'], 10, 10, 0"
            + " from generate_series(0, 2) n");
    db.execute(
        "insert into \""
            + schema
            + "\".queues (name, paused, paused_at) values ('reports', true, now())");
    System.out.printf(
        Locale.ROOT,
        "HealthCheckCostHeavyIT: inserted %,d jobs in %d ms (PostgreSQL %s, from %s, %d CPUs)%n",
        db.queryLong("select count(*) from " + table),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        queryText("show server_version"),
        db.source(),
        Runtime.getRuntime().availableProcessors());

    // Enqueue-only, started once the table is filled; the extension stops it after the class.
    jobs = jobqueue.start(db.managerBuilder(schema).handler(noop("email-notification")));
  }

  @Test
  void healthCheckStaysCheapAtOneMillionRows() {
    // 1. Before any ANALYZE (a freshly loaded table autovacuum has not reached yet): no
    //    statistics, so every count is exact.
    List<Long> unanalyzed = time(CALLS / 3, jobs::healthCheck, "healthCheck() before ANALYZE");

    // 2. The steady state: statistics and the visibility map are up to date.
    db.execute("vacuum analyze " + rows.table());
    db.execute("vacuum analyze \"" + schema + "\".nodes");
    HealthCheckResult health = jobs.healthCheck();
    System.out.println("HealthCheckCostHeavyIT: " + health);
    List<Long> analyzed = time(CALLS, jobs::healthCheck, "healthCheck() after VACUUM ANALYZE");
    List<Long> full = time(5, jobs::getJobMetrics, "getJobMetrics() (exact full count)");
    JobMetrics exact = jobs.getJobMetrics();
    System.out.println("HealthCheckCostHeavyIT: exact counts " + exact.byStatus());

    System.out.printf(
        Locale.ROOT,
        "HealthCheckCostHeavyIT: table %s, indexes %s (claim index %s)%n",
        queryText("select pg_size_pretty(pg_table_size('" + rows.table() + "'))"),
        queryText("select pg_size_pretty(pg_indexes_size('" + rows.table() + "'))"),
        queryText("select pg_size_pretty(pg_relation_size('\"" + schema + "\".jobs_claim_idx'))"));
    for (String sql : healthQueries()) {
      explain(sql);
    }
    explain("select type, status, count(*) from " + rows.table() + " group by type, status");
    // The pruning statement's plan (without ANALYZE, which would delete): how it finds candidates.
    explainOnly(
        "with doomed as (select id from "
            + rows.table()
            + " where status = any('{completed,cancelled}'::text[])"
            + " and created_at < now() - interval '7 days'"
            + " and completed_at < now() - interval '7 days'"
            + " limit 1000 for update skip locked)"
            + " delete from "
            + rows.table()
            + " j using doomed d where j.id = d.id");

    System.out.printf(
        Locale.ROOT,
        "HealthCheckCostHeavyIT SUMMARY (1,000,000 jobs): healthCheck() median %.1f ms, p95 %.1f"
            + " ms, max %.1f ms over %d calls; before ANALYZE median %.1f ms; getJobMetrics()"
            + " median %.1f ms%n",
        millis(EngineTestSupport.percentile(analyzed, 50)),
        millis(EngineTestSupport.percentile(analyzed, 95)),
        millis(EngineTestSupport.percentile(analyzed, 100)),
        CALLS,
        millis(EngineTestSupport.percentile(unanalyzed, 50)),
        millis(EngineTestSupport.percentile(full, 50)));

    assertThat(health.status()).isNotEqualTo(HealthStatus.UNHEALTHY);
    assertThat(health.jobs().estimated()).isTrue();
    assertThat(health.jobs().running()).isEqualTo(5_000); // under 10,000: exact
    assertThat(health.queues().keySet())
        .containsExactly("default", "emails", "reports", "webhooks");
    assertThat(health.queues().values().stream().mapToLong(q -> q.duePending()).sum())
        .isEqualTo(5_000);
    assertThat(health.queues().values().stream().mapToLong(q -> q.running()).sum())
        .isEqualTo(5_000);
    assertThat(health.queues().get("reports").paused()).isTrue();
    assertThat(health.queue().duePending())
        .as("the paused queue left out")
        .isEqualTo(5_000 - health.queues().get("reports").duePending());
    assertThat(health.cluster().liveNodes()).isEqualTo(3);
    assertThat(health.queue().lagMillis()).isGreaterThan(0);
    assertThat(exact.byStatus().get("completed")).isEqualTo(900_000);
  }

  /**
   * The statements {@code ClusterStore.health} runs, with this schema and sample binds, so that
   * their plans can be printed. Kept in step with the store by hand.
   */
  private List<String> healthQueries() {
    String jobsTable = rows.table();
    String queuesTable = "\"" + schema + "\".queues";
    String oldestDue = "";
    String due = "";
    for (JobPriority priority : JobPriority.values()) {
      String range =
          " from "
              + jobsTable
              + " j where j.status = 'pending' and j.queue = n.name and j.priority = "
              + priority.rank()
              + " and j.run_at <= now()";
      oldestDue += (oldestDue.isEmpty() ? "" : ", ") + "(select min(j.run_at)" + range + ")";
      due += (due.isEmpty() ? "" : " union all ") + "(select 1" + range + ")";
    }
    return List.of(
        "select s.v, (s.f * greatest(c.reltuples, 0))::bigint from pg_class c"
            + " join pg_namespace n on n.oid = c.relnamespace"
            + " join lateral (select unnest(st.most_common_vals::text::text[]) v,"
            + " unnest(st.most_common_freqs) f from pg_stats st"
            + " where st.schemaname = n.nspname and st.tablename = c.relname"
            + " and st.attname = 'status') s on true"
            + " where n.nspname = '"
            + schema
            + "' and c.relname = 'jobs' and c.reltuples > 0",
        // The capped exact count the store runs for each small status.
        "select (select count(*) from (select 1 from "
            + jobsTable
            + " where status = 'running' limit 10000) c)",
        // Every queue's figures.
        "with recursive pending_queues(q) as ("
            + distinctQueues(jobsTable, "pending", "pending_queues")
            + "), running_queues(q) as ("
            + distinctQueues(jobsTable, "running", "running_queues")
            + "), names(name) as (select name from "
            + queuesTable
            + " union select q from pending_queues where q is not null"
            + " union select q from running_queues where q is not null)"
            + " select n.name, coalesce(qs.paused, false),"
            + " coalesce((extract(epoch from now() - least("
            + oldestDue
            + ")) * 1000)::bigint, 0),"
            + " (select count(*) from ("
            + due
            + " limit 10000) d),"
            + " (select count(*) from (select 1 from "
            + jobsTable
            + " j where j.status = 'running' and j.queue = n.name limit 10000) r)"
            + " from names n left join "
            + queuesTable
            + " qs on qs.name = n.name",
        "select (select count(*) from \""
            + schema
            + "\".nodes where heartbeat_at > now() - 15000 * interval '1 millisecond'),"
            + " (select node_id from \""
            + schema
            + "\".leader where name = 'default' and expires_at > now())");
  }

  private static String distinctQueues(String jobs, String status, String cte) {
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

  private void explain(String sql) {
    printPlan("explain (analyze, buffers) ", sql);
  }

  private void explainOnly(String sql) {
    printPlan("explain ", sql);
  }

  private void printPlan(String explain, String sql) {
    StringBuilder plan = new StringBuilder();
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(explain + sql)) {
      while (rs.next()) {
        plan.append("    ").append(rs.getString(1)).append('\n');
      }
    } catch (SQLException e) {
      throw new IllegalStateException("explain failed: " + sql, e);
    }
    System.out.println("HealthCheckCostHeavyIT EXPLAIN " + sql + "\n" + plan);
  }

  private static List<Long> time(int calls, Supplier<?> call, String what) {
    call.get(); // warm up: connection, statement cache, JIT
    call.get();
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      long started = System.nanoTime();
      call.get();
      nanos.add(System.nanoTime() - started);
    }
    System.out.printf(
        Locale.ROOT,
        "HealthCheckCostHeavyIT: %s over %d calls: median %.1f ms, p95 %.1f ms, max %.1f ms%n",
        what,
        calls,
        millis(EngineTestSupport.percentile(nanos, 50)),
        millis(EngineTestSupport.percentile(nanos, 95)),
        millis(EngineTestSupport.percentile(nanos, 100)));
    return nanos;
  }

  private static double millis(long nanos) {
    return nanos / 1_000_000.0;
  }

  private void insert(String intoAndSelect) {
    db.execute("insert into " + intoAndSelect);
  }

  private String queryText(String sql) {
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }

  private static JobHandler<Object> noop(String type) {
    return JobHandler.of(type, Object.class, (payload, ctx) -> null);
  }
}
