package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.internal.store.DatabaseSetup;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;

/**
 * What {@code initialize()} checks and does about poolers and migrations, on a direct connection:
 * detection finds no pooler there; {@code transactionPooling(true)} makes the library keep no
 * session state (no server-side prepares, no LISTEN, no migrations over the main connection); a
 * user's {@code DataSource} that prepares server-side is refused; the migration lock's wait is
 * bounded and names its holder. Real PgBouncer runs are in {@code PgBouncerTransactionModeIT}.
 */
class TransactionPoolingSettingIT {
  record Work(int n) {}

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();

  @Test
  void aDirectConnectionIsNotTakenForAPooler() {
    DatabaseSetup.Server server = DatabaseSetup.inspect(db.dataSource(), "the test database");
    assertThat(server.transactionPooling()).isFalse();
    assertThat(server.versionNum()).isGreaterThanOrEqualTo(DatabaseSetup.MINIMUM_VERSION_NUM);
  }

  @Test
  void declaredPoolingRefusesToMigrateOverTheMainConnection() {
    JobQueueManager jobs =
        ownPool(JobQueueConfig.builder().schema(schema).transactionPooling(true));
    assertThatThrownBy(jobs::initialize)
        .isInstanceOf(JobQueueException.class)
        .hasMessageContaining("transaction mode")
        .hasMessageContaining("JOB_QUEUE_MIGRATION_DATABASE_URL")
        .hasMessageContaining("runMigrations(false)");
    assertThat(db.queryLong("select count(*) from pg_namespace where nspname = '" + schema + "'"))
        .as("nothing is created")
        .isZero();
  }

  @Test
  void declaredPoolingPollsPreparesNothingAndMigratesOverTheMigrationUrl() throws Exception {
    JobQueueManager jobs =
        ownPool(
            JobQueueConfig.builder()
                .schema(schema)
                .transactionPooling(true)
                .pollInterval(Duration.ofMillis(200))
                .migrationDatabaseUrl(db.urlWithoutCredentials()));
    jobs.initialize();

    try (Connection connection = jobs.workerPool().dataSource().getConnection()) {
      assertThat(connection.unwrap(PGConnection.class).getPrepareThreshold()).isZero();
    }
    assertThat(jobs.workerPool().isListening()).isFalse();
    assertThat(jobs.healthCheck().cluster().wakeup()).isEqualTo("polling");
    String id = jobs.createJob(CreateJobOptions.of("work", new Work(1)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> jobs.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    await()
        .during(Duration.ofMillis(1_500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> !jobs.workerPool().isListening());
  }

  @Test
  void aUserDataSourceThatPreparesServerSideIsRefusedUnderDeclaredPooling() {
    HikariDataSource pool = jobqueue.newPool("txpooling-prepares", 4);
    JobQueueManager jobs =
        jobqueue.build(
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(schema).transactionPooling(true).build())
                .dataSource(pool)
                .migrationDataSource(pool)
                .handler(JobHandler.of("work", Work.class, (payload, ctx) -> null)));
    assertThatThrownBy(jobs::initialize)
        .isInstanceOf(JobQueueException.class)
        .hasMessageContaining("prepareThreshold=5")
        .hasMessageContaining("prepareThreshold=0");
    assertThat(db.queryLong("select count(*) from pg_namespace where nspname = '" + schema + "'"))
        .isZero();
  }

  @Test
  void aUserDataSourceWithoutServerPreparesIsAccepted() {
    HikariDataSource pool =
        jobqueue.newPool(
            "txpooling-unprepared", 6, c -> c.addDataSourceProperty("prepareThreshold", "0"));
    HikariDataSource direct = jobqueue.newPool("txpooling-migrate", 3);
    JobQueueManager jobs =
        jobqueue.build(
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(schema).transactionPooling(true).build())
                .dataSource(pool)
                .migrationDataSource(direct)
                .handler(JobHandler.of("work", Work.class, (payload, ctx) -> null)));
    jobs.initialize();
    assertThat(jobs.healthCheck().cluster().wakeup()).isEqualTo("polling");
  }

  @Test
  void theMigrationLockWaitIsBoundedAndNamesItsHolder() throws Exception {
    try (Connection holder = db.dataSource().getConnection()) {
      holder.setAutoCommit(false);
      long pid;
      try (Statement statement = holder.createStatement();
          ResultSet rs =
              statement.executeQuery(
                  "select pg_backend_pid(), pg_advisory_xact_lock("
                      + 0x6a6f6271
                      + ", "
                      + schema.hashCode()
                      + ")")) {
        rs.next();
        pid = rs.getLong(1);
      }
      JobQueueManager waiting =
          ownPool(
              JobQueueConfig.builder().schema(schema).migrationLockTimeout(Duration.ofSeconds(1)));
      long started = System.nanoTime();
      assertThatThrownBy(waiting::initialize)
          .isInstanceOf(JobQueueException.class)
          .hasMessageContaining("migrationLockTimeout (1000 ms)")
          .hasMessageContaining("pid " + pid)
          .hasMessageContaining("pg_terminate_backend");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
      holder.rollback();
    }
    JobQueueManager after = ownPool(JobQueueConfig.builder().schema(schema));
    after.initialize();
    assertThat(
            db.queryLong(
                "select count(*) from pg_locks where locktype = 'advisory' and classid = "
                    + 0x6a6f6271))
        .isZero();
  }

  private JobQueueManager ownPool(JobQueueConfig.Builder config) {
    JobQueueManager jobs =
        jobqueue.build(
            JobQueueManager.builder()
                .config(config.maxWorkers(2).build())
                .jdbcUrl(db.urlWithoutCredentials(), db.user(), db.password())
                .handler(JobHandler.of("work", Work.class, (payload, ctx) -> null)));
    return jobs;
  }
}
