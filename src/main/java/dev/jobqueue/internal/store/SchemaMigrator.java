package dev.jobqueue.internal.store;

import dev.jobqueue.JobPriority;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueException;
import dev.jobqueue.JobStoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the library's Flyway migrations to its schema, or checks that none is pending.
 *
 * <p>The scripts live under {@value #LOCATION} and record themselves in their own history table,
 * {@value #HISTORY_TABLE}, inside the library's schema, so they never meet an application's own
 * Flyway setup. Several nodes may start at once: a transaction-scoped advisory lock, keyed by the
 * schema name and held by an open transaction on a connection of its own while Flyway works, lets
 * one migrate while the others wait and then find nothing to do. A transaction cannot be split
 * between server sessions by a pooler, and its lock ends with it: the lock cannot leak. The wait is
 * bounded by {@code lock_timeout}; a node that times out names the session holding the lock.
 */
public final class SchemaMigrator {

  /** The Flyway history table, created in the library's schema. */
  public static final String HISTORY_TABLE = "jobqueue_schema_history";

  /** Where the migration scripts are on the classpath. */
  public static final String LOCATION = "classpath:dev/jobqueue/db/migration";

  /**
   * Every migration script under {@link #LOCATION}, in order; a test keeps the list equal to the
   * directory. {@link #verify} compares the history table against it without Flyway, whose
   * session-level settings would stay on a pooled server connection.
   */
  public static final List<String> SCRIPTS =
      List.of(
          "V1__create_jobs.sql",
          "V2__nodes_and_stats.sql",
          "V3__leader.sql",
          "V4__queues_limits_unique.sql",
          "V5__cheaper_job_checks.sql",
          "V6__schedules.sql",
          "V7__pending_and_finished_indexes.sql",
          "V8__trace_context.sql",
          "V9__audit_log_and_progress.sql");

  /** First key of the advisory lock: "jobq" in ASCII. */
  private static final int LOCK_CLASS = 0x6a6f6271;

  private static final String LOCK_TIMEOUT_STATE = "55P03";
  private static final String UNDEFINED_TABLE_STATE = "42P01";

  private static final Logger log = LoggerFactory.getLogger(SchemaMigrator.class);

  private SchemaMigrator() {}

  /**
   * Brings the schema up to date, creating it if needed, waiting up to two minutes for another node
   * that is migrating it.
   *
   * @param dataSource where connections come from; it must allow two at once
   * @param schema a checked schema name
   * @return how many migrations were applied
   */
  public static int migrate(DataSource dataSource, String schema) {
    return migrate(dataSource, schema, JobQueueConfig.defaults().migrationLockTimeout());
  }

  /**
   * Brings the schema up to date, creating it if needed.
   *
   * @param dataSource where connections come from; it must allow two at once (the lock's, and
   *     Flyway's)
   * @param schema a checked schema name
   * @param lockTimeout how long to wait for another node that is migrating
   * @return how many migrations were applied
   * @throws JobQueueException if a migration fails, or the lock is not granted in time (naming its
   *     holder when it is visible)
   * @throws JobStoreException if the database fails
   */
  public static int migrate(DataSource dataSource, String schema, Duration lockTimeout) {
    try (Connection lockConnection = dataSource.getConnection()) {
      boolean autoCommit = lockConnection.getAutoCommit();
      lockConnection.setAutoCommit(false);
      try {
        lock(lockConnection, schema, lockTimeout);
        int applied;
        try {
          applied = flyway(dataSource, schema).migrate().migrationsExecuted;
        } catch (FlywayException e) {
          throw new JobQueueException(
              "failed to migrate schema '" + schema + "': " + e.getMessage(), e);
        }
        lockConnection.commit(); // Releases the lock.
        if (applied > 0) {
          log.info("Applied {} migration(s) to schema {}", applied, schema);
        }
        return applied;
      } finally {
        endQuietly(lockConnection, autoCommit);
      }
    } catch (SQLException e) {
      throw new JobStoreException(
          "database error while migrating schema '" + schema + "': " + e.getMessage(), e);
    }
  }

  /**
   * Checks, without changing anything and without Flyway, that every migration has been applied: it
   * reads the history table with one query, so it leaves no session state behind.
   *
   * @param dataSource where connections come from
   * @param schema a checked schema name
   * @throws JobQueueException naming the pending or failed migrations, if any
   */
  public static void verify(DataSource dataSource, String schema) {
    Set<String> applied = new HashSet<>();
    Set<String> failed = new TreeSet<>();
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs =
          statement.executeQuery(
              "select version, success from \""
                  + schema
                  + "\"."
                  + HISTORY_TABLE
                  + " where version is not null")) {
        while (rs.next()) {
          (rs.getBoolean(2) ? applied : failed).add(rs.getString(1));
        }
      } catch (SQLException e) {
        if (!UNDEFINED_TABLE_STATE.equals(e.getSQLState())) {
          throw e;
        }
        // No history table: nothing is applied.
      }
    } catch (SQLException e) {
      throw new JobQueueException(
          "cannot read the migration history of schema '" + schema + "': " + e.getMessage(), e);
    }
    List<String> pending = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (String script : SCRIPTS) {
      String version = version(script);
      if (failed.contains(version)) {
        broken.add(script);
      } else if (!applied.contains(version)) {
        pending.add(script);
      }
    }
    if (!broken.isEmpty()) {
      throw new JobQueueException(
          "schema '"
              + schema
              + "' records failed migration(s) ("
              + String.join(", ", broken)
              + ") in "
              + HISTORY_TABLE
              + "; fix the schema and run Flyway repair, then migrate again");
    }
    if (!pending.isEmpty()) {
      throw new JobQueueException(
          "schema '"
              + schema
              + "' has "
              + pending.size()
              + " pending migration(s) ("
              + String.join(", ", pending)
              + "); apply them, or set runMigrations(true)");
    }
  }

  /** The version of a script named {@code V<version>__<description>.sql}. */
  static String version(String script) {
    return script.substring(1, script.indexOf("__"));
  }

  /** The Flyway the library migrates with; {@link SchemaHistory} reads its view of the schema. */
  static Flyway flyway(DataSource dataSource, String schema) {
    return Flyway.configure(SchemaMigrator.class.getClassLoader())
        .dataSource(dataSource)
        .schemas(schema)
        .defaultSchema(schema)
        .createSchemas(true)
        .table(HISTORY_TABLE)
        .locations(LOCATION)
        .placeholders(placeholders())
        .cleanDisabled(true)
        // The schema may already hold the application's tables (even "public"): the history
        // table is ours alone, so baselining below V1 and then applying V1 is safe.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .validateMigrationNaming(true)
        .load();
  }

  /**
   * The values the scripts take from the library's own definitions rather than repeat: the
   * priorities' stored ranks, from {@link JobPriority}.
   */
  static Map<String, String> placeholders() {
    JobPriority[] priorities = JobPriority.values();
    return Map.of(
        "priority_first", String.valueOf(priorities[0].rank()),
        "priority_last", String.valueOf(priorities[priorities.length - 1].rank()),
        "priority_default", String.valueOf(JobPriority.NORMAL.rank()));
  }

  private static void lock(Connection connection, String schema, Duration timeout)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("set local lock_timeout = " + Math.max(1, timeout.toMillis()));
    }
    try (PreparedStatement statement =
        connection.prepareStatement("select pg_advisory_xact_lock(?, ?)")) {
      statement.setInt(1, LOCK_CLASS);
      statement.setInt(2, schema.hashCode());
      statement.execute();
    } catch (SQLException e) {
      if (!LOCK_TIMEOUT_STATE.equals(e.getSQLState())) {
        throw e;
      }
      connection.rollback();
      throw new JobQueueException(
          "another node has been migrating schema '"
              + schema
              + "' for longer than migrationLockTimeout ("
              + timeout.toMillis()
              + " ms): "
              + holder(connection, schema)
              + ". If that session is stuck, end it (SELECT pg_terminate_backend(pid)) and start"
              + " again",
          e);
    }
  }

  /** Who holds the migration lock of {@code schema}, as far as this role may see. */
  private static String holder(Connection connection, String schema) {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "select l.pid, a.usename, a.application_name, host(a.client_addr), a.state,"
                + " a.xact_start, left(a.query, 200)"
                + " from pg_locks l left join pg_stat_activity a on a.pid = l.pid"
                + " where l.locktype = 'advisory' and l.granted and l.objsubid = 2"
                + " and l.classid::bigint = ? and l.objid::bigint = ?")) {
      statement.setLong(1, LOCK_CLASS & 0xffffffffL);
      statement.setLong(2, schema.hashCode() & 0xffffffffL);
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next()) {
          return "its holder is not visible to this role";
        }
        return "the lock is held by session pid "
            + rs.getLong(1)
            + " (user "
            + rs.getString(2)
            + ", application '"
            + rs.getString(3)
            + "', client "
            + (rs.getString(4) == null ? "local" : rs.getString(4))
            + ", state "
            + rs.getString(5)
            + ", in a transaction since "
            + rs.getString(6)
            + ", last query: "
            + rs.getString(7)
            + ")";
      }
    } catch (SQLException e) {
      return "its holder could not be read (" + e.getMessage() + ")";
    } finally {
      try {
        connection.rollback();
      } catch (SQLException ignored) {
        // The connection is closed next.
      }
    }
  }

  private static void endQuietly(Connection connection, boolean autoCommit) {
    try {
      connection.rollback(); // After a commit this does nothing; otherwise it releases the lock.
      connection.setAutoCommit(autoCommit);
    } catch (SQLException ignored) {
      // A broken connection: its session, and the lock with it, ends when it closes.
    }
  }
}
