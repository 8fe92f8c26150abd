package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.Job;
import dev.jobqueue.JobFilters;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobMetrics;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.ProcessingStats;
import dev.jobqueue.internal.store.LeaderStore;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * Scenario 13 of the reliability suite: the migrations are applied by an owner role; the library
 * then runs under a role that has only {@code USAGE} on the schema and DML on its tables and
 * sequences ({@link #grants}). Everything works end to end, the background loops log no error, and
 * the role cannot change the schema.
 */
@Tag("reliability")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeastPrivilegeIT {

  private static final String PASSWORD = "lp-secret";

  private TestDatabase db;
  private String schema;
  private String owner;
  private String app;
  private EngineTestSupport support;
  private HikariDataSource ownerPool;
  private HikariDataSource appPool;

  /** A job payload. */
  public record Task(int n) {}

  /**
   * The statements an administrator runs, as the owner (or a superuser), so that {@code app} can
   * run the library on {@code schema}: the ones docs/reliability.md documents (scenario 13).
   */
  static List<String> grants(String schema, String owner, String app) {
    String s = "\"" + schema + "\"";
    return List.of(
        "GRANT USAGE ON SCHEMA " + s + " TO " + app,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + app,
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + s + " TO " + app,
        // The migration history is only read by the application (initialize checks it).
        "REVOKE INSERT, UPDATE, DELETE ON " + s + ".jobqueue_schema_history FROM " + app,
        // Tables and sequences that later migrations create (run them as the owner).
        "ALTER DEFAULT PRIVILEGES FOR ROLE "
            + owner
            + " IN SCHEMA "
            + s
            + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "
            + app,
        "ALTER DEFAULT PRIVILEGES FOR ROLE "
            + owner
            + " IN SCHEMA "
            + s
            + " GRANT USAGE ON SEQUENCES TO "
            + app);
  }

  @BeforeAll
  void setUp() {
    db = TestDatabase.get();
    schema = db.newSchema(getClass().getSimpleName());
    owner = schema + "_owner";
    app = schema + "_app";
    support = new EngineTestSupport(db, schema);
    // The superuser creates two login roles, neither a superuser: the owner may create schemas
    // in this database; the application role gets nothing beyond what PUBLIC has.
    db.execute("create role " + owner + " login password '" + PASSWORD + "'");
    db.execute("create role " + app + " login password '" + PASSWORD + "'");
    db.execute(
        "grant create on database \""
            + text(db.dataSource(), "select current_database()")
            + "\" to "
            + owner);
    ownerPool = db.newPool("lp-owner", 4, owner, PASSWORD);
    appPool = db.newPool("lp-app", 20, app, PASSWORD);
  }

  @AfterAll
  void tearDown() {
    support.close();
    appPool.close();
    ownerPool.close();
    db.dropSchema(schema);
    db.execute("drop owned by " + app + " cascade");
    db.execute("drop owned by " + owner + " cascade");
    db.execute("drop role if exists " + app);
    db.execute("drop role if exists " + owner);
  }

  @Test
  void theLibraryRunsEndToEndWithUsageAndDmlOnly() throws Exception {
    assertThat(text(ownerPool, "select current_user")).isEqualTo(owner);
    assertThat(text(appPool, "select current_user")).isEqualTo(app);
    assertThat(text(appPool, "select rolsuper::text from pg_roles where rolname = current_user"))
        .isEqualTo("false");

    // 1. The owner applies the migrations (creating the schema) and grants the application role.
    JobQueueManager migrator =
        support.build(JobQueueConfig.builder().schema(schema).runWorkers(false).build(), ownerPool);
    migrator.initialize();
    migrator.shutdown();
    assertThat(
            text(
                ownerPool,
                "select nspowner::regrole::text from pg_namespace where nspname = '"
                    + schema
                    + "'"))
        .isEqualTo(owner);
    try (Connection connection = ownerPool.getConnection();
        Statement statement = connection.createStatement()) {
      for (String grant : grants(schema, owner, app)) {
        statement.execute(grant);
      }
    }
    // Old finished jobs and node rows for the pruner, written by the owner.
    execute(
        ownerPool,
        "insert into \""
            + schema
            + "\".jobs (type, status, payload, max_retries, timeout_seconds, created_at,"
            + " updated_at, scheduled_at, run_at, completed_at, attempt) select 'lp', 'completed',"
            + " '{\"n\": 0}', 0, 60, now() - interval '2 days', now() - interval '2 days',"
            + " now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', 1"
            + " from generate_series(1, 50)");

    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger library = (Logger) LoggerFactory.getLogger("dev.jobqueue");
    library.addAppender(logs);
    List<String> steps = new ArrayList<>();
    try {
      // 2. The application role initializes, both with migrations on (the schema is current, so
      //    nothing is applied) and off (only checked).
      JobQueueManager enqueuer =
          support.build(
              JobQueueConfig.builder().schema(schema).runWorkers(false).build(),
              appPool,
              handler());
      enqueuer.initialize();
      steps.add("initialize (runMigrations=true, schema current)");
      JobQueueManager worker =
          support.build(
              JobQueueConfig.builder()
                  .schema(schema)
                  .runMigrations(false)
                  .minWorkers(2)
                  .maxWorkers(2)
                  // Long polls: a job created by the other manager is found this fast only by
                  // LISTEN/NOTIFY.
                  .pollInterval(Duration.ofSeconds(30))
                  .completedJobRetention(Duration.ofDays(1))
                  .pruneInterval(Duration.ofSeconds(1))
                  .enableMetrics(true)
                  .metricsInterval(Duration.ofSeconds(1))
                  .build(),
              appPool,
              handler());
      worker.initialize();
      steps.add("initialize (runMigrations=false)");
      await().atMost(Duration.ofSeconds(30)).until(() -> worker.workerPool().isListening());
      steps.add("LISTEN");

      // 3. createJob in another manager; the worker is woken by NOTIFY and runs it, writing a
      //    side effect in the completing transaction.
      execute(ownerPool, "create table \"" + schema + "\".side_effects (job_id text primary key)");
      execute(ownerPool, "grant select, insert on \"" + schema + "\".side_effects to " + app);
      long created = System.nanoTime();
      String id = enqueuer.createJob(CreateJobOptions.of("lp", new Task(1)));
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> enqueuer.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
      long pickupMillis = (System.nanoTime() - created) / 1_000_000;
      assertThat(pickupMillis).as("woken by NOTIFY, not the 30 s poll").isLessThan(10_000);
      assertThat(
              countRows(
                  appPool,
                  "select count(*) from \""
                      + schema
                      + "\".side_effects where job_id = '"
                      + id
                      + "'"))
          .isEqualTo(1);
      steps.add("createJob + NOTIFY pickup + completeInTransaction (" + pickupMillis + " ms)");

      // 4. Transactional enqueue, getJobs, cancel, retry.
      try (Connection tx = appPool.getConnection()) {
        tx.setAutoCommit(false);
        enqueuer.createJob(
            tx,
            CreateJobOptions.builder("lp", new Task(2))
                .scheduledAt(Instant.now().plus(Duration.ofHours(1)))
                .build());
        tx.commit();
      }
      List<Job> later =
          enqueuer.getJobs(JobFilters.builder().status(JobStatus.PENDING).type("lp").build());
      assertThat(later).hasSize(1);
      assertThat(enqueuer.cancelJob(later.get(0).id())).isTrue();
      assertThat(enqueuer.retryJob(later.get(0).id())).isTrue();
      assertThat(enqueuer.cancelJob(later.get(0).id())).isTrue();
      steps.add("createJob(tx), getJobs, cancelJob, retryJob");

      // 5. Monitoring: health, metrics, statistics.
      HealthCheckResult health = worker.healthCheck();
      assertThat(health.status()).as("health %s", health).isEqualTo(HealthStatus.HEALTHY);
      JobMetrics metrics = worker.getJobMetrics();
      assertThat(metrics.byStatus().get("completed")).isGreaterThanOrEqualTo(1L);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> worker.getProcessingStats().cluster().overall().processed() >= 1);
      ProcessingStats stats = worker.getProcessingStats();
      steps.add("healthCheck " + health.status() + ", getJobMetrics, getProcessingStats");

      // 5b. Leader election's lease row: the worker node leads; a leadership of the test's own
      //     is acquired, read and resigned with the same rights.
      assertThat(worker.healthCheck().cluster().leader())
          .isEqualTo(worker.workerPool().getNodeId());
      LeaderStore leader = new LeaderStore(appPool, schema);
      assertThat(leader.acquireOrRenew("least-privilege", "lp-node", 30_000).leading()).isTrue();
      assertThat(leader.current("least-privilege")).isPresent();
      assertThat(leader.resign("least-privilege", "lp-node")).isTrue();
      steps.add("leader lease");

      // 6. Pruning: the 50 old finished jobs go, the new ones stay.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  countRows(
                          appPool,
                          "select count(*) from \""
                              + schema
                              + "\".jobs where completed_at < now() - interval '1 day'")
                      == 0);
      assertThat(enqueuer.getJob(id)).isPresent();
      steps.add("prune");

      // 7. Graceful shutdown (releases, node row removal) under the same role.
      worker.shutdown();
      enqueuer.shutdown();
      steps.add("shutdown");

      List<String> problems =
          logs.list.stream()
              .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
              .map(e -> e.getLevel() + " " + e.getFormattedMessage())
              .toList();
      // 8. The application role cannot change the schema.
      Map<String, String> ddl = new java.util.LinkedHashMap<>();
      String s = "\"" + schema + "\"";
      for (String statement :
          List.of(
              "create table " + s + ".evil (x int)",
              "create index evil_idx on " + s + ".jobs (type)",
              "alter table " + s + ".jobs add column evil int",
              "drop table " + s + ".jobs",
              "truncate " + s + ".jobs",
              "create schema evil_" + schema,
              "drop schema " + s + " cascade",
              "create function " + s + ".evil() returns int language sql as 'select 1'",
              "alter table " + s + ".jobs owner to " + app,
              "delete from " + s + ".jobqueue_schema_history where false")) {
        SQLException refused =
            catchThrowableOfType(SQLException.class, () -> execute(appPool, statement));
        ddl.put(statement, refused == null ? "ALLOWED" : refused.getSQLState());
      }
      System.out.printf(
          Locale.ROOT,
          "RELIABILITY least-privilege: owner %s migrated; role %s (USAGE + DML only) ran %s;"
              + " cluster processed %d; warnings/errors logged %d; DDL by the role: %s%n",
          owner,
          app,
          steps,
          stats.cluster().overall().processed(),
          problems.size(),
          ddl);
      assertThat(problems)
          .as("warnings and errors logged under the least-privileged role")
          .isEmpty();
      // Every statement is refused with insufficient_privilege (42501).
      ddl.forEach((statement, state) -> assertThat(state).as(statement).isEqualTo("42501"));
    } finally {
      library.detachAppender(logs);
    }
  }

  private JobHandler<Task> handler() {
    return JobHandler.of(
        "lp",
        Task.class,
        (payload, ctx) ->
            ctx.completeInTransaction(
                connection -> {
                  try (PreparedStatement insert =
                      connection.prepareStatement(
                          "insert into \"" + schema + "\".side_effects (job_id) values (?)")) {
                    insert.setString(1, ctx.jobId());
                    insert.executeUpdate();
                  }
                  return null;
                }));
  }

  private static void execute(javax.sql.DataSource pool, String sql) throws SQLException {
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static long countRows(javax.sql.DataSource pool, String sql) throws SQLException {
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String text(javax.sql.DataSource pool, String sql) {
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
