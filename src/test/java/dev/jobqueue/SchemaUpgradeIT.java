package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A schema that an earlier release migrated, with jobs in it, is brought up to date by {@code
 * initialize()}: the migrations after it apply on top of the recorded history, and the jobs run.
 */
class SchemaUpgradeIT {
  private static final String HISTORY = "jobqueue_schema_history";

  /** A fresh schema for each test, not created yet. */
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  record Work(int n) {}

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final Set<String> ran = ConcurrentHashMap.newKeySet();

  private final JobHandler<Work> work =
      JobHandler.of(
          "work",
          Work.class,
          (payload, ctx) -> {
            ran.add(ctx.jobId());
            return null;
          });

  /** Migrates the schema as the release with migrations up to {@code version} did. */
  private void migrateUpTo(String version) {
    Map<String, String> placeholders =
        Map.of(
            "priority_first", String.valueOf(JobPriority.values()[0].rank()),
            "priority_last",
                String.valueOf(JobPriority.values()[JobPriority.values().length - 1].rank()),
            "priority_default", String.valueOf(JobPriority.NORMAL.rank()));
    Flyway.configure()
        .dataSource(db.dataSource())
        .schemas(schema)
        .defaultSchema(schema)
        .createSchemas(true)
        .table(HISTORY)
        .locations("classpath:dev/jobqueue/db/migration")
        .placeholders(placeholders)
        .target(version)
        .load()
        .migrate();
  }

  private List<String> strings(String sql) {
    List<String> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
    return out;
  }

  @Test
  void aSchemaAtVersion4WithTheChecksOfThatVersionIsUpgradedAndItsJobsRun() {
    migrateUpTo("4");
    assertThat(
            strings(
                "select conname from pg_constraint where conrelid = '"
                    + schema
                    + ".jobs'::regclass and conname = 'jobs_queue_check'"))
        .containsExactly("jobs_queue_check");
    db.execute(
        "insert into "
            + schema
            + ".jobs (type, payload, max_retries, timeout_seconds, queue) values"
            + " ('work', '{\"n\": 1}', 0, 60, 'default'), ('work', '{\"n\": 2}', 0, 60, 'default')");

    JobQueueManager manager = jobqueue.start("upgraded", jobqueue.fastConfig().build(), work);

    assertThat(
            strings(
                "select version from "
                    + schema
                    + "."
                    + HISTORY
                    + " where version is not null and type not in ('SCHEMA', 'BASELINE')"
                    + " order by installed_rank"))
        .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9");
    assertThat(
            strings(
                "select conname from pg_constraint where contype = 'c' and conrelid = '"
                    + schema
                    + ".jobs'::regclass and conname in ('jobs_queue_check',"
                    + " 'jobs_concurrency_key_check', 'jobs_unique_key_check',"
                    + " 'jobs_unique_states_check', 'jobs_snooze_count_check')"))
        .isEmpty();
    assertThat(
            strings(
                "select pg_get_constraintdef(oid) from pg_constraint where conname ="
                    + " 'queues_name_check' and conrelid = '"
                    + schema
                    + ".queues'::regclass"))
        .singleElement()
        .asString()
        .contains("char_length(name) <= 63")
        .doesNotContain("{0,62}");
    List<String> ids = strings("select id::text from " + schema + ".jobs order by id");
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.containsAll(ids));
    String created = manager.createJob(CreateJobOptions.of("work", new Work(3)));
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains(created));
    assertThat(Arrays.asList(ids.get(0), ids.get(1), created)).doesNotHaveDuplicates();
  }
}
