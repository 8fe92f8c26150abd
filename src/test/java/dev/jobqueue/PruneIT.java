package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Retention: finished jobs past their retention are deleted in bounded batches, by one node at a
 * time; pending and running jobs never are; old node rows and statistics go too.
 *
 * <p>A statement-level trigger records how many rows each DELETE on the jobs table removed, so the
 * tests see the batches themselves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PruneIT {

  private static final int BATCH = 7;

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .truncatingAfterEach("nodes", "job_stats", "delete_log")
          .withSql(
              "create table {schema}.delete_log (id serial, deleted bigint not null)",
              "create function {schema}.log_delete() returns trigger language plpgsql as $$ begin"
                  + " insert into {schema}.delete_log (deleted) select count(*) from gone;"
                  + " return null; end $$",
              "create trigger jobs_delete_log after delete on {schema}.jobs"
                  + " referencing old table as gone for each statement"
                  + " execute function {schema}.log_delete()");

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private ListAppender<ILoggingEvent> warnings;

  @BeforeEach
  void captureWarnings() {
    warnings = new ListAppender<>();
    warnings.start();
    logger().addAppender(warnings);
  }

  @AfterEach
  void detachWarnings() {
    logger().detachAppender(warnings);
  }

  private static Logger logger() {
    return (Logger) LoggerFactory.getLogger("dev.jobqueue");
  }

  private List<ILoggingEvent> warningsAndErrors() {
    synchronized (warnings) {
      return warnings.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    }
  }

  private JobQueueConfig.Builder config() {
    return EngineTestSupport.fastConfig(schema)
        .completedJobRetention(Duration.ofMinutes(1))
        .failedJobRetention(Duration.ofMinutes(2))
        .pruneInterval(Duration.ofSeconds(1))
        .pruneBatchSize(BATCH);
  }

  /**
   * Inserts {@code count} rows and returns their ids.
   *
   * @param status the status
   * @param createdAgo how long ago they were created, an SQL interval
   * @param completedAgo how long ago they finished, an SQL interval, or null
   */
  private List<Long> seed(String status, int count, String createdAgo, String completedAgo) {
    boolean running = status.equals("running");
    String sql =
        "insert into "
            + rows.table()
            + " (type, status, payload, max_retries, timeout_seconds, created_at, updated_at,"
            + " scheduled_at, run_at, completed_at, locked_by, lease_expires_at, attempt)"
            + " select 'seeded', '"
            + status
            + "', '{}'::jsonb, 0, 60, now() - interval '"
            + createdAgo
            + "', now(), now() - interval '"
            + createdAgo
            + "', now() - interval '"
            + createdAgo
            + "', "
            + (completedAgo == null ? "null" : "now() - interval '" + completedAgo + "'")
            + ", "
            + (running ? "'some-other-node', now() + interval '1 hour', 1" : "null, null, 0")
            + " from generate_series(1, "
            + count
            + ") returning id";
    return ids(sql);
  }

  private List<Long> ids(String sql) {
    List<Long> ids = new ArrayList<>();
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
    return ids;
  }

  private List<Long> remaining() {
    return rows.ids("true").stream().map(Long::valueOf).toList();
  }

  /** Sizes of the DELETE statements that removed at least one job, in order. */
  private List<Long> batches() {
    return ids("select deleted from \"" + schema + "\".delete_log where deleted > 0 order by id");
  }

  private long deleteStatements() {
    return db.queryLong("select count(*) from \"" + schema + "\".delete_log");
  }

  /** Waits until the pruners have run again (twice), so that a stable state is really stable. */
  private void awaitMorePruneRuns() {
    long seen = deleteStatements();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> deleteStatements() >= seen + 2);
  }

  private static List<Long> sorted(List<List<Long>> groups) {
    List<Long> all = new ArrayList<>();
    groups.forEach(all::addAll);
    all.sort(null);
    return all;
  }

  @Test
  void deletesOnlyFinishedJobsPastTheirRetentionInBatches() {
    List<Long> doomed = new ArrayList<>();
    doomed.addAll(seed("completed", 20, "5 minutes", "5 minutes"));
    doomed.addAll(seed("cancelled", 10, "5 minutes", "5 minutes"));
    doomed.addAll(seed("failed", 10, "5 minutes", "5 minutes"));
    List<Long> kept =
        sorted(
            List.of(
                // Created long ago but finished within the retention: kept.
                seed("completed", 4, "5 minutes", "30 seconds"),
                seed("cancelled", 2, "5 minutes", "30 seconds"),
                // Failed jobs have the longer retention (2 minutes).
                seed("failed", 5, "5 minutes", "90 seconds"),
                // Pending and running jobs are never touched, however old, even with a stale
                // completed_at (a pending job put back by retryJob has none; these do).
                seed("pending", 3, "1 hour", null),
                seed("pending", 2, "1 hour", "1 hour"),
                seed("running", 3, "1 hour", null),
                seed("running", 1, "1 hour", "1 hour")));
    assertThat(doomed).hasSize(40);

    jobqueue.start("pruner", config().build());

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(remaining()).containsExactlyElementsOf(kept));
    awaitMorePruneRuns();
    assertThat(remaining()).containsExactlyElementsOf(kept);

    List<Long> batches = batches();
    System.out.println("prune batches (rows per DELETE): " + batches);
    assertThat(batches).allSatisfy(size -> assertThat(size).isBetween(1L, (long) BATCH));
    assertThat(batches.stream().mapToLong(Long::longValue).sum()).isEqualTo(40);
    // 30 completed/cancelled and 10 failed in batches of at most 7: at least 5 + 2 statements.
    assertThat(batches).hasSizeGreaterThanOrEqualTo(7);
    assertThat(warningsAndErrors()).isEmpty();
  }

  @Test
  void zeroCompletedRetentionKeepsCompletedAndCancelledJobs() {
    List<Long> kept =
        sorted(
            List.of(
                seed("completed", 9, "5 minutes", "5 minutes"),
                seed("cancelled", 3, "5 minutes", "5 minutes")));
    List<Long> doomed = seed("failed", 8, "5 minutes", "5 minutes");

    jobqueue.start("pruner", config().completedJobRetention(Duration.ZERO).build());

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(remaining()).containsExactlyElementsOf(kept));
    awaitMorePruneRuns();
    assertThat(remaining()).containsExactlyElementsOf(kept);
    assertThat(batches().stream().mapToLong(Long::longValue).sum()).isEqualTo(doomed.size());
  }

  @Test
  void zeroFailedRetentionKeepsFailedJobs() {
    List<Long> kept = seed("failed", 9, "5 minutes", "5 minutes");
    List<Long> doomed =
        sorted(
            List.of(
                seed("completed", 8, "5 minutes", "5 minutes"),
                seed("cancelled", 2, "5 minutes", "5 minutes")));

    jobqueue.start("pruner", config().failedJobRetention(Duration.ZERO).build());

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(remaining()).containsExactlyElementsOf(kept));
    awaitMorePruneRuns();
    assertThat(remaining()).containsExactlyElementsOf(kept);
    assertThat(batches().stream().mapToLong(Long::longValue).sum()).isEqualTo(doomed.size());
  }

  @Test
  void twoNodesPruningAtOnceReachTheRightStateWithoutErrors() {
    seed("completed", 150, "5 minutes", "5 minutes");
    seed("failed", 50, "5 minutes", "5 minutes");
    List<Long> kept =
        sorted(
            List.of(
                seed("completed", 10, "5 minutes", "10 seconds"),
                seed("failed", 10, "5 minutes", "60 seconds"),
                seed("pending", 5, "1 hour", null),
                seed("running", 5, "1 hour", null)));

    jobqueue.start("pruner-a", config().build());
    jobqueue.start("pruner-b", config().build());

    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(remaining()).containsExactlyElementsOf(kept));
    awaitMorePruneRuns();
    assertThat(remaining()).containsExactlyElementsOf(kept);

    List<Long> batches = batches();
    assertThat(batches).allSatisfy(size -> assertThat(size).isBetween(1L, (long) BATCH));
    assertThat(batches.stream().mapToLong(Long::longValue).sum()).isEqualTo(200);
    assertThat(warningsAndErrors()).isEmpty();
  }

  @Test
  void oldNodeRowsAndStatisticsArePruned() {
    String nodes = "\"" + schema + "\".nodes";
    String stats = "\"" + schema + "\".job_stats";
    db.execute(
        "insert into "
            + nodes
            + " (node_id, host, pid, max_workers, started_at, heartbeat_at) values"
            + " ('gone-node', 'h', 1, 5, now() - interval '3 days', now() - interval '2 days'),"
            + " ('quiet-node', 'h', 2, 5, now() - interval '2 hours', now() - interval '1 hour')");
    db.execute(
        "insert into "
            + stats
            + " (minute, node_id, type, processed, succeeded, failed, retried, total_millis,"
            + " max_millis, histogram) values"
            + " (date_trunc('minute', now() - interval '2 days'), 'gone-node', 't', 1, 1, 0, 0,"
            + " 5, 5, '{0,1}'),"
            + " (date_trunc('minute', now() - interval '1 hour'), 'quiet-node', 't', 1, 1, 0, 0,"
            + " 5, 5, '{0,1}')");

    JobQueueManager pruner = jobqueue.start("pruner", config().build());
    String self = pruner.workerPool().getNodeId();

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                db.queryLong("select count(*) from " + nodes + " where node_id = 'gone-node'") == 0
                    && db.queryLong(
                            "select count(*) from " + stats + " where node_id = 'gone-node'")
                        == 0);
    assertThat(
            db.queryLong(
                "select count(*) from "
                    + nodes
                    + " where node_id in ('quiet-node', '"
                    + self
                    + "')"))
        .isEqualTo(2);
    assertThat(db.queryLong("select count(*) from " + stats + " where node_id = 'quiet-node'"))
        .isEqualTo(1);
  }
}
