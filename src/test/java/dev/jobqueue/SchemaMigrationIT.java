package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * initialize() and the library's Flyway migrations. Each test migrates a fresh schema of its own,
 * dropped afterwards.
 */
class SchemaMigrationIT {

  private static final String HISTORY = "jobqueue_schema_history";

  /** Every migration the library ships, in order: each applied exactly once. */
  private static final String[] MIGRATIONS = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};

  /** Every table the library creates in its schema. */
  private static final String[] LIBRARY_TABLES = {
    "jobs",
    "nodes",
    "job_stats",
    "leader",
    "queues",
    "job_starts",
    "schedules",
    "audit_log",
    HISTORY
  };

  /** The first key of the library's advisory lock ("jobq"). */
  private static final long LOCK_CLASS = 0x6a6f6271L;

  /** A fresh schema for each test, not created yet: initialize() creates it. */
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final List<String> extraSchemas = new ArrayList<>();

  /** Schemas a test made besides its own; the extension stops the managers first. */
  @AfterEach
  void dropExtraSchemas() {
    jobqueue.support().close();
    extraSchemas.forEach(db::dropSchema);
  }

  @AfterAll
  static void publicSchemaIsLeftAlone() {
    assertThat(schemaExists("public")).isTrue();
  }

  // ---------------------------------------------------------------- what initialize creates

  @Test
  void initializeCreatesTheSchemaTheJobsTableAndItsOwnHistoryTable() {
    assertThat(schemaExists(schema)).isFalse();

    manager(schema).initialize();

    assertThat(schemaExists(schema)).isTrue();
    assertThat(tables(schema)).containsExactlyInAnyOrder(LIBRARY_TABLES);
    assertThat(appliedVersions(schema)).containsExactly(MIGRATIONS);
    assertThat(
            db.queryLong(
                "select count(*) from information_schema.tables where table_name = 'jobs'"
                    + " and table_schema = 'public'"))
        .isZero();
  }

  @Test
  void statusCheckConstraintRejectsUnknownStatus() {
    manager(schema).initialize();

    assertThatThrownBy(
            () ->
                db.execute(
                    "insert into "
                        + schema
                        + ".jobs (type, status, payload, max_retries, timeout_seconds)"
                        + " values ('t', 'bogus', '{}', 0, 1)"))
        .hasRootCauseInstanceOf(SQLException.class)
        .rootCause()
        .hasMessageContaining("jobs_status_check");
    assertThat(rows.count()).isZero();
  }

  @Test
  void otherCheckConstraintsGuardTheRow() {
    manager(schema).initialize();
    String insert =
        "insert into "
            + schema
            + ".jobs (type, status, priority, payload, max_retries, timeout_seconds) values ";

    assertThatThrownBy(() -> db.execute(insert + "('t', 'running', 2, '{}', 0, 1)"))
        .rootCause()
        .hasMessageContaining("jobs_running_lease_check");
    assertThatThrownBy(() -> db.execute(insert + "('t', 'pending', 4, '{}', 0, 1)"))
        .rootCause()
        .hasMessageContaining("jobs_priority_check");
    assertThatThrownBy(() -> db.execute(insert + "('t', 'pending', 2, '[]', 0, 1)"))
        .rootCause()
        .hasMessageContaining("jobs_payload_object_check");
    assertThatThrownBy(() -> db.execute(insert + "('t', 'pending', 2, '{}', -1, 1)"))
        .rootCause()
        .hasMessageContaining("jobs_max_retries_check");
    assertThatThrownBy(() -> db.execute(insert + "('t', 'pending', 2, '{}', 0, 0)"))
        .rootCause()
        .hasMessageContaining("jobs_timeout_check");
    assertThatThrownBy(() -> db.execute(insert + "('', 'pending', 2, '{}', 0, 1)"))
        .rootCause()
        .hasMessageContaining("jobs_type_check");
  }

  @Test
  void theQueuesTableAcceptsExactlyTheNamesThatQueueOptionsAccepts() {
    manager(schema).initialize();
    List<String> names =
        List.of(
            "default",
            "a",
            "mail-out_2",
            "a" + "b".repeat(62),
            "a" + "b".repeat(63),
            "",
            "Mail",
            "2fast",
            "-x",
            "_x",
            "with space",
            "dot.ted",
            "ümlaut",
            "x\n");
    for (String name : names) {
      String sql =
          "insert into "
              + schema
              + ".queues (name) values ('"
              + name.replace("'", "''")
              + "') on conflict do nothing";
      if (QueueOptions.NAME_PATTERN.matcher(name).matches()) {
        db.execute(sql);
      } else {
        assertThatThrownBy(() -> db.execute(sql))
            .as(name)
            .rootCause()
            .hasMessageContaining("queues_name_check");
      }
    }
  }

  @Test
  void theNewJobColumnsCarryNoCheckConstraintsWhichWouldCostEveryWrite() {
    manager(schema).initialize();
    List<String> checks =
        strings(
            "select conname from pg_constraint where contype = 'c' and conrelid = '"
                + schema
                + ".jobs'::regclass order by conname");
    assertThat(checks)
        .containsExactly(
            "jobs_attempt_check",
            "jobs_errors_array_check",
            "jobs_max_retries_check",
            "jobs_payload_object_check",
            "jobs_priority_check",
            "jobs_retry_count_check",
            "jobs_running_lease_check",
            "jobs_status_check",
            "jobs_timeout_check",
            "jobs_type_check");
  }

  @Test
  void theJobsTableHasExactlyTheIndexesItsWritesAreCostedFor() {
    manager(schema).initialize();

    Map<String, String> indexes = new LinkedHashMap<>();
    indexes(schema)
        .forEach(
            (name, def) -> {
              if (def.contains(" ON " + schema + ".jobs ")) {
                indexes.put(name, def);
              }
            });

    // Every index costs every write of a job's row that its predicate lets in: an index added
    // here must say what it costs on the claim and completion path, in the benchmark.
    assertThat(indexes.keySet())
        .containsExactlyInAnyOrder(
            "jobs_pkey",
            "jobs_claim_idx",
            "jobs_pending_created_idx",
            "jobs_done_status_created_idx",
            "jobs_done_type_created_idx",
            "jobs_done_payload_idx",
            "jobs_running_key_idx",
            "jobs_unique_idx",
            "jobs_occurrence_idx");
    String finished =
        "WHERE (status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text]))";
    assertThat(indexes.get("jobs_claim_idx"))
        .contains("(queue, priority, run_at, id)")
        .contains("WHERE (status = 'pending'::text)");
    assertThat(indexes.get("jobs_pending_created_idx"))
        .contains("(created_at DESC, id DESC)")
        .contains("WHERE (status = 'pending'::text)");
    assertThat(indexes.get("jobs_done_status_created_idx"))
        .contains("(status, created_at DESC, id DESC)")
        .contains(finished);
    assertThat(indexes.get("jobs_done_type_created_idx"))
        .contains("(status, type, created_at DESC, id DESC)")
        .contains(finished);
    assertThat(indexes.get("jobs_done_payload_idx"))
        .contains("USING gin (payload jsonb_path_ops)")
        .contains(finished);
    assertThat(indexes.get("jobs_running_key_idx"))
        .contains("(queue, concurrency_key)")
        .contains("WHERE (status = 'running'::text)");
    assertThat(indexes.get("jobs_unique_idx"))
        .startsWith("CREATE UNIQUE INDEX")
        .contains("(type, unique_key)")
        .contains("(unique_key IS NOT NULL)");
    // No index holds lease_expires_at: a lease renewal changes no indexed column (a HOT update).
    assertThat(String.join("\n", indexes.values())).doesNotContain("lease_expires_at");
  }

  @Test
  void thePriorityConstraintAndDefaultComeFromJobPriority() {
    manager(schema).initialize();
    String table = schema + ".jobs";
    db.execute(
        "insert into "
            + table
            + " (type, payload, max_retries, timeout_seconds)"
            + " values ('t', '{}', 0, 1)");
    assertThat(db.queryLong("select priority from " + table))
        .isEqualTo((long) JobPriority.NORMAL.rank());
    String insert =
        "insert into " + table + " (type, payload, max_retries, timeout_seconds, priority) values ";
    JobPriority[] all = JobPriority.values();
    db.execute(insert + "('t', '{}', 0, 1, " + all[all.length - 1].rank() + ")");
    assertThatThrownBy(() -> db.execute(insert + "('t', '{}', 0, 1, " + (all[0].rank() - 1) + ")"))
        .rootCause()
        .hasMessageContaining("jobs_priority_check");
    assertThatThrownBy(
            () ->
                db.execute(insert + "('t', '{}', 0, 1, " + (all[all.length - 1].rank() + 1) + ")"))
        .rootCause()
        .hasMessageContaining("jobs_priority_check");
  }

  // ---------------------------------------------------------------- idempotence and concurrency

  @Test
  void initializingTwiceIsHarmless() {
    JobQueueManager manager = manager(schema);
    manager.initialize();
    List<String> historyBefore = history(schema);

    manager.initialize();
    JobQueueManager second = manager(schema);
    second.initialize();

    assertThat(history(schema)).isEqualTo(historyBefore);
    String id = second.createJob(CreateJobOptions.of("any-type", Map.of("a", 1)));
    assertThat(manager.getJob(id)).isPresent();
  }

  @Test
  void fourManagersWithSeparatePoolsInitializeTheSameFreshSchemaAtOnce() throws Exception {
    int nodes = 4;
    List<JobQueueManager> racing = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      HikariDataSource pool = jobqueue.newPool("migration-race-" + i, 3);
      racing.add(managerOn(schema, pool));
    }
    CyclicBarrier start = new CyclicBarrier(nodes);
    ExecutorService threads = Executors.newFixedThreadPool(nodes);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (JobQueueManager m : racing) {
        results.add(
            threads.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  m.initialize();
                  return null;
                }));
      }
      for (Future<?> result : results) {
        result.get(60, TimeUnit.SECONDS); // rethrows any node's failure
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(appliedVersions(schema)).containsExactly(MIGRATIONS);
    assertThat(
            db.queryLong(
                "select count(*) from "
                    + schema
                    + "."
                    + HISTORY
                    + " where version = '1' and success"))
        .isEqualTo(1);
    assertThat(
            db.queryLong(
                "select count(*) from pg_locks where locktype = 'advisory' and classid = "
                    + LOCK_CLASS))
        .as("advisory locks still held after initialize")
        .isZero();
    for (JobQueueManager m : racing) {
      String id = m.createJob(CreateJobOptions.of("any-type", Map.of("n", 1)));
      assertThat(racing.get(0).getJob(id)).isPresent();
    }
  }

  // ---------------------------------------------------------------- the application's Flyway

  @Test
  void applicationsOwnFlywayHistoryIsUntouched(@TempDir Path migrations) throws IOException {
    String appSchema = schema + "_app";
    extraSchemas.add(appSchema);
    Files.writeString(
        migrations.resolve("V1__app.sql"),
        "create table ${flyway:defaultSchema}.widgets (id bigint primary key, name text);\n");
    Flyway appFlyway =
        Flyway.configure()
            .dataSource(db.dataSource())
            .schemas(appSchema)
            .locations("filesystem:" + migrations.toAbsolutePath())
            .load();
    assertThat(appFlyway.migrate().migrationsExecuted).isEqualTo(1);
    List<String> appHistoryBefore = history(appSchema, "flyway_schema_history");

    manager(schema).initialize();
    Files.writeString(
        migrations.resolve("V2__app_more.sql"),
        "alter table ${flyway:defaultSchema}.widgets add column size int;\n");
    int appliedAfter = appFlyway.migrate().migrationsExecuted;

    assertThat(appliedAfter).as("only the application's own V2").isEqualTo(1);
    List<String> appHistoryAfter = history(appSchema, "flyway_schema_history");
    assertThat(appHistoryAfter.subList(0, appHistoryBefore.size())).isEqualTo(appHistoryBefore);
    assertThat(appHistoryAfter).hasSize(appHistoryBefore.size() + 1);
    assertThat(appHistoryAfter).noneMatch(row -> row.contains("create jobs"));
    assertThat(tables(appSchema)).containsExactlyInAnyOrder("widgets", "flyway_schema_history");
    assertThat(tables(schema)).containsExactlyInAnyOrder(LIBRARY_TABLES);
    assertThat(history(schema)).noneMatch(row -> row.contains("app"));
  }

  @Test
  void initializeWorksInASchemaThatAlreadyHoldsApplicationTables() {
    db.execute("create schema " + schema);
    db.execute("create table " + schema + ".customers (id bigint primary key)");

    manager(schema).initialize();

    assertThat(tables(schema)).contains("customers", "jobs", HISTORY);
    assertThat(appliedVersions(schema)).containsExactly(MIGRATIONS);
  }

  // ---------------------------------------------------------------- runMigrations(false)

  @Test
  void withoutMigrationsInitializeOnAFreshSchemaSaysMigrationsArePending() {
    JobQueueManager verifying =
        managerWith(
            JobQueueConfig.builder()
                .schema(schema)
                .runMigrations(false)
                .allowUnknownTypes(true)
                .build());

    assertThatThrownBy(verifying::initialize)
        .isInstanceOf(JobQueueException.class)
        .hasMessageContaining(schema)
        .hasMessageContaining("pending")
        .hasMessageContaining("V1__create_jobs.sql");
    assertThat(schemaExists(schema)).as("a verifying manager must not create the schema").isFalse();
    assertThatThrownBy(() -> verifying.getJob("1")).isInstanceOf(IllegalStateException.class);

    manager(schema).initialize();
    verifying.initialize();

    String id = verifying.createJob(CreateJobOptions.of("any-type", Map.of("a", 1)));
    assertThat(verifying.getJob(id)).isPresent();
  }

  @Test
  void withoutMigrationsANewManagerOnAMigratedSchemaInitializes() {
    manager(schema).initialize();
    List<String> historyBefore = history(schema);

    JobQueueManager verifying =
        managerWith(JobQueueConfig.builder().schema(schema).runMigrations(false).build());
    verifying.initialize();

    assertThat(history(schema)).isEqualTo(historyBefore);
  }

  // ---------------------------------------------------------------- schema names

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a; drop schema public",
        "\"x\"",
        "x\"; drop table y; --",
        "$$",
        "public; drop schema public cascade; --",
        "Upper",
        "1starts_with_digit",
        "has-dash",
        "has space",
        "",
        "sch\u00e9ma",
        "x\u0000",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", // 64 characters
      })
  void hostileSchemaNameIsRejectedBeforeAnySqlRuns(String name) {
    long schemasBefore = db.queryLong("select count(*) from pg_namespace");

    assertThatThrownBy(() -> JobQueueConfig.builder().schema(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema must match")
        .hasMessageContaining("'" + name + "'");
    if (!name.isBlank() && name.trim().equals(name)) {
      // The environment reader skips blank values and trims the rest.
      assertThatThrownBy(() -> JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_SCHEMA", name)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("JOB_QUEUE_SCHEMA");
    }

    assertThat(schemaExists("public")).isTrue();
    assertThat(db.queryLong("select count(*) from pg_namespace")).isEqualTo(schemasBefore);
  }

  @Test
  void nullSchemaNameIsRejected() {
    assertThatThrownBy(() -> JobQueueConfig.builder().schema(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(was null)");
  }

  @Test
  void longestAllowedSchemaNameWorks() {
    String longest = (schema + "_" + "x".repeat(63)).substring(0, 63);
    extraSchemas.add(longest);
    db.dropSchema(longest);

    JobQueueManager m = manager(longest);
    m.initialize();

    assertThat(tables(longest)).contains("jobs", HISTORY);
    String id = m.createJob(CreateJobOptions.of("any-type", Map.of("a", 1)));
    assertThat(m.getJob(id)).isPresent();
  }

  // ---------------------------------------------------------------- helpers

  private JobQueueManager manager(String schemaName) {
    return managerWith(JobQueueConfig.builder().schema(schemaName).allowUnknownTypes(true).build());
  }

  private JobQueueManager managerWith(JobQueueConfig config) {
    return jobqueue.build(JobQueueManager.builder().config(config).dataSource(db.dataSource()));
  }

  private JobQueueManager managerOn(String schemaName, HikariDataSource pool) {
    return jobqueue.build(
        JobQueueManager.builder()
            .config(JobQueueConfig.builder().schema(schemaName).allowUnknownTypes(true).build())
            .dataSource(pool));
  }

  private static boolean schemaExists(String name) {
    return TestDatabase.get()
            .queryLong("select count(*) from pg_namespace where nspname = '" + name + "'")
        == 1;
  }

  private List<String> tables(String schemaName) {
    return strings(
        "select table_name from information_schema.tables where table_schema = '"
            + schemaName
            + "'");
  }

  private List<String> appliedVersions(String schemaName) {
    return strings(
        "select version from "
            + schemaName
            + "."
            + HISTORY
            + " where version is not null and type not in ('SCHEMA', 'BASELINE')"
            + " order by installed_rank");
  }

  private List<String> history(String schemaName) {
    return history(schemaName, HISTORY);
  }

  /** Every history row, rendered as text, in installed order. */
  private List<String> history(String schemaName, String table) {
    return strings(
        "select row_to_json(h)::text from "
            + schemaName
            + "."
            + table
            + " h order by installed_rank");
  }

  private Map<String, String> indexes(String schemaName) {
    Map<String, String> result = new LinkedHashMap<>();
    query(
        "select indexname, indexdef from pg_indexes where schemaname = '" + schemaName + "'",
        rs -> result.put(rs.getString(1), rs.getString(2)));
    return result;
  }

  private List<String> strings(String sql) {
    List<String> result = new ArrayList<>();
    query(sql, rs -> result.add(rs.getString(1)));
    return result;
  }

  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private void query(String sql, RowReader reader) {
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        reader.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
