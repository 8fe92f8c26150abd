package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes (separate managers, separate connection pools, 8 workers each) share one queue of
 * 20,000 jobs. Each execution writes a ledger row in the same transaction as its completion, so the
 * ledger records exactly the executions that took effect: one per job, none lost, none twice.
 */
class ExactlyOnceLedgerIT {

  record Entry(int n) {}

  private static final int JOBS = 20_000;
  private static final int BATCH = 1_000;
  private static final int NODES = 3;
  private static final int WORKERS = 8;

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perTest()
          .withManager(JobHandler.of("ledger", Entry.class, (p, ctx) -> null))
          // No unique constraint on purpose: a duplicate execution must show up as a second row.
          .withSql("create table {schema}.ledger (job_id bigint not null, node text not null)");

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final List<JobQueueManager> nodes = new ArrayList<>();

  @Test
  void everyJobRunsExactlyOnceAcrossThreeNodes() throws Exception {
    Map<String, AtomicInteger> executions = new LinkedHashMap<>();
    for (int i = 1; i <= NODES; i++) {
      String node = "ledger-node-" + i;
      AtomicInteger count = new AtomicInteger();
      executions.put(node, count);
      JobQueueManager manager =
          jobqueue.build(
              JobQueueConfig.builder()
                  .schema(schema)
                  .nodeId(node)
                  .maxWorkers(WORKERS)
                  .leaseDuration(Duration.ofSeconds(30))
                  .build(),
              jobqueue.newPool(node, WORKERS + 6),
              JobHandler.of(
                  "ledger",
                  Entry.class,
                  (entry, ctx) -> {
                    count.incrementAndGet();
                    return ctx.completeInTransaction(
                        connection -> {
                          try (PreparedStatement insert =
                              connection.prepareStatement(
                                  "insert into "
                                      + schema
                                      + ".ledger (job_id, node) values (?, ?)")) {
                            insert.setLong(1, Long.parseLong(ctx.jobId()));
                            insert.setString(2, node);
                            insert.executeUpdate();
                          }
                          return null;
                        });
                  }));
      nodes.add(manager);
    }
    for (JobQueueManager node : nodes) {
      node.initialize();
    }

    long t0 = System.nanoTime();
    for (int start = 0; start < JOBS; start += BATCH) {
      List<CreateJobOptions> batch = new ArrayList<>(BATCH);
      for (int i = start; i < start + BATCH; i++) {
        batch.add(CreateJobOptions.builder("ledger", new Entry(i)).maxRetries(0).build());
      }
      assertThat(jobqueue.manager().createJobs(batch)).hasSize(BATCH);
    }
    long enqueuedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> rows.count("status in ('pending', 'running')") == 0);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(rows.count("status = 'completed'")).isEqualTo(JOBS);
    assertThat(rows.count()).isEqualTo(JOBS);
    assertThat(count("ledger")).isEqualTo(JOBS);
    assertThat(db.queryLong("select count(distinct job_id) from " + schema + ".ledger"))
        .isEqualTo(JOBS);
    assertThat(
            db.queryLong(
                "select count(*) from (select job_id from "
                    + schema
                    + ".ledger group by job_id having count(*) > 1) twice"))
        .as("jobs with more than one ledger row")
        .isZero();
    assertThat(
            rows.count(
                "not exists (select 1 from " + schema + ".ledger l where l.job_id = jobs.id)"))
        .as("completed jobs without a ledger row")
        .isZero();
    assertThat(
            count(
                "ledger l where not exists (select 1 from "
                    + schema
                    + ".jobs j where j.id = l.job_id)"))
        .as("ledger rows of unknown jobs")
        .isZero();

    Map<String, Long> split = ledgerSplit();
    int executed = executions.values().stream().mapToInt(AtomicInteger::get).sum();
    System.out.printf(
        "ExactlyOnceLedgerIT: %d jobs on %d nodes x %d workers: enqueued in %d ms, all completed"
            + " after %d ms (%.0f jobs/s); ledger rows %d, distinct jobs %d; split by node %s;"
            + " handler invocations %d%n",
        JOBS,
        NODES,
        WORKERS,
        enqueuedMillis,
        elapsedMillis,
        JOBS * 1000.0 / Math.max(1, elapsedMillis),
        count("ledger"),
        db.queryLong("select count(distinct job_id) from " + schema + ".ledger"),
        split,
        executed);
    assertThat(split).containsOnlyKeys(executions.keySet());
    assertThat(split.values()).allMatch(share -> share > 0);
    // Nothing failed or was fenced, so every invocation committed its ledger row.
    assertThat(executed).isEqualTo(JOBS);
    for (Map.Entry<String, AtomicInteger> node : executions.entrySet()) {
      assertThat(split.get(node.getKey())).isEqualTo(node.getValue().longValue());
    }
  }

  private Map<String, Long> ledgerSplit() throws SQLException {
    Map<String, Long> split = new LinkedHashMap<>();
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "select node, count(*) from " + schema + ".ledger group by node order by node")) {
      while (rs.next()) {
        split.put(rs.getString(1), rs.getLong(2));
      }
    }
    return split;
  }

  private long count(String from) {
    return db.queryLong("select count(*) from " + schema + "." + from);
  }
}
