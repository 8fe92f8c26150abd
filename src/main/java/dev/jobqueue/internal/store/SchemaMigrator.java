package dev.jobqueue.internal.store;

import dev.jobqueue.JobQueueException;
import dev.jobqueue.JobStoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the library's Flyway migrations to its schema.
 *
 * <p>The scripts live under {@value #LOCATION} and record themselves in their own history table,
 * {@value #HISTORY_TABLE}, inside the library's schema, so they never meet an application's own
 * Flyway setup. Several nodes may start at once: a session-level advisory lock, keyed by the schema
 * name, lets one migrate while the others wait and then find nothing to do.
 */
public final class SchemaMigrator {

  /** The Flyway history table, created in the library's schema. */
  public static final String HISTORY_TABLE = "jobqueue_schema_history";

  /** Where the migration scripts are on the classpath. */
  public static final String LOCATION = "classpath:dev/jobqueue/db/migration";

  /** First key of the advisory lock: "jobq" in ASCII. */
  private static final int LOCK_CLASS = 0x6a6f6271;

  private static final Logger log = LoggerFactory.getLogger(SchemaMigrator.class);

  private SchemaMigrator() {}

  /**
   * Brings the schema up to date, creating it if needed.
   *
   * @param dataSource where connections come from; it must allow two at once
   * @param schema a checked schema name
   * @return how many migrations were applied
   */
  public static int migrate(DataSource dataSource, String schema) {
    try (Connection lockConnection = dataSource.getConnection()) {
      lockConnection.setAutoCommit(true);
      advisoryLock(lockConnection, "pg_advisory_lock", schema);
      try {
        int applied = flyway(dataSource, schema).migrate().migrationsExecuted;
        if (applied > 0) {
          log.info("Applied {} migration(s) to schema {}", applied, schema);
        }
        return applied;
      } catch (FlywayException e) {
        throw new JobQueueException(
            "failed to migrate schema '" + schema + "': " + e.getMessage(), e);
      } finally {
        advisoryLock(lockConnection, "pg_advisory_unlock", schema);
      }
    } catch (SQLException e) {
      throw new JobStoreException(
          "database error while migrating schema '" + schema + "': " + e.getMessage(), e);
    }
  }

  /**
   * Checks, without changing anything, that every migration has been applied.
   *
   * @param dataSource where connections come from
   * @param schema a checked schema name
   * @throws JobQueueException naming the pending migrations, if any
   */
  public static void verify(DataSource dataSource, String schema) {
    MigrationInfo[] pending;
    try {
      pending = flyway(dataSource, schema).info().pending();
    } catch (FlywayException e) {
      throw new JobQueueException(
          "cannot read the migration history of schema '" + schema + "': " + e.getMessage(), e);
    }
    if (pending.length > 0) {
      StringBuilder versions = new StringBuilder();
      for (MigrationInfo info : pending) {
        versions.append(versions.length() == 0 ? "" : ", ").append(info.getScript());
      }
      throw new JobQueueException(
          "schema '"
              + schema
              + "' has "
              + pending.length
              + " pending migration(s) ("
              + versions
              + "); apply them, or set runMigrations(true)");
    }
  }

  private static Flyway flyway(DataSource dataSource, String schema) {
    return Flyway.configure(SchemaMigrator.class.getClassLoader())
        .dataSource(dataSource)
        .schemas(schema)
        .defaultSchema(schema)
        .createSchemas(true)
        .table(HISTORY_TABLE)
        .locations(LOCATION)
        .cleanDisabled(true)
        // The schema may already hold the application's tables (even "public"): the history
        // table is ours alone, so baselining below V1 and then applying V1 is safe.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .validateMigrationNaming(true)
        .load();
  }

  private static void advisoryLock(Connection connection, String function, String schema)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("select " + function + "(?, ?)")) {
      statement.setInt(1, LOCK_CLASS);
      statement.setInt(2, schema.hashCode());
      statement.execute();
    }
  }
}
