package dev.jobqueue.internal.store;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueException;
import dev.jobqueue.JobStoreException;
import dev.jobqueue.internal.JdbcUrls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

/**
 * What operator tools need of the migrations beside {@link SchemaMigrator}: the state of each one
 * as Flyway sees it, and the SQL a DBA applies by hand, history rows included. <strong>Not
 * API.</strong>
 */
public final class SchemaHistory {

  /**
   * One migration: a script of the library, the history table's row, or both.
   *
   * @param version its version, e.g. {@code 9}
   * @param description its description, e.g. {@code audit log and progress}
   * @param script its file name
   * @param checksum Flyway's checksum of the script
   * @param applied whether the history table records it
   * @param failed whether the history table records it as failed
   * @param known whether this version of the library has the script
   * @param installedOn when it was applied, or null
   */
  public record Entry(
      String version,
      String description,
      String script,
      Integer checksum,
      boolean applied,
      boolean failed,
      boolean known,
      Instant installedOn) {}

  /**
   * The history of a schema.
   *
   * @param tableExists whether the history table exists
   * @param entries every migration, in version order
   */
  public record History(boolean tableExists, List<Entry> entries) {
    /**
     * Copies the list.
     *
     * @param tableExists whether the history table exists
     * @param entries every migration, in version order
     */
    public History {
      entries = List.copyOf(entries);
    }
  }

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");

  private SchemaHistory() {}

  /**
   * A small pool of its own where the configuration says migrations go: {@code
   * migrationDatabaseUrl}, else {@code databaseUrl}, with their credentials.
   *
   * @param config the settings
   * @return the pool; three connections, as {@link SchemaMigrator#migrate} needs (the lock's and
   *     Flyway's)
   * @throws IllegalArgumentException if the configuration names no database
   * @throws JobStoreException naming the URL (without credentials) when it cannot connect
   */
  public static HikariDataSource pool(JobQueueConfig config) {
    if (config.databaseUrl().isEmpty() && config.migrationDatabaseUrl().isEmpty()) {
      throw new IllegalArgumentException("no database: set databaseUrl or JOB_QUEUE_DATABASE_URL");
    }
    JdbcUrls.Parsed main =
        config.databaseUrl().isEmpty() ? null : Database.resolveUrl(config, null, null, null);
    JdbcUrls.Parsed migrations = Database.resolveMigrationUrl(config, main, null, null);
    JdbcUrls.Parsed url = migrations != null ? migrations : main;
    try {
      return Database.newPool("jobqueue-migrations", url, 3);
    } catch (RuntimeException e) {
      throw new JobStoreException(
          "cannot connect to " + JdbcUrls.redact(url.jdbcUrl()) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the history, changing nothing.
   *
   * @param dataSource where connections come from
   * @param schema a checked schema name
   * @return the history
   * @throws JobQueueException if Flyway cannot read it
   */
  public static History read(DataSource dataSource, String schema) {
    boolean tableExists = tableExists(dataSource, schema);
    MigrationInfo[] all;
    try {
      all = SchemaMigrator.flyway(dataSource, schema).info().all();
    } catch (FlywayException e) {
      throw new JobQueueException(
          "cannot read the migrations of schema '" + schema + "': " + e.getMessage(), e);
    }
    List<Entry> entries = new ArrayList<>();
    for (MigrationInfo info : all) {
      if (info.getVersion() == null
          || info.getState() == MigrationState.BASELINE
          || info.getScript().startsWith("<<")) {
        continue; // Flyway's own rows: the schema's creation, the baseline.
      }
      MigrationState state = info.getState();
      entries.add(
          new Entry(
              info.getVersion().getVersion(),
              info.getDescription(),
              info.getScript(),
              info.getChecksum(),
              state.isApplied(),
              state.isFailed(),
              state.isResolved(),
              info.getInstalledOn() == null ? null : info.getInstalledOn().toInstant()));
    }
    return new History(tableExists, entries);
  }

  private static boolean tableExists(DataSource dataSource, String schema) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement("select to_regclass(?)")) {
      statement.setString(1, "\"" + schema + "\"." + SchemaMigrator.HISTORY_TABLE);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() && rs.getString(1) != null;
      }
    } catch (SQLException e) {
      throw new JobStoreException(
          "cannot read the migration history of schema '" + schema + "': " + e.getMessage(), e);
    }
  }

  /**
   * The SQL that applies the pending migrations of a history by hand, as Flyway would: the schema
   * and the history table when missing, each script with its placeholders replaced, and the history
   * row that tells Flyway (and {@code initialize()}) it is applied. Meant to run in one
   * transaction.
   *
   * @param schema a checked schema name
   * @param history the schema's history, from {@link #read}
   * @return the SQL text; only comments when nothing is pending
   */
  public static String pendingSql(String schema, History history) {
    List<Entry> pending =
        history.entries().stream().filter(e -> e.known() && !e.applied()).toList();
    StringBuilder sql = new StringBuilder();
    sql.append("-- jobqueue: ")
        .append(pending.size())
        .append(" pending migration(s) for schema ")
        .append(schema)
        .append('\n');
    if (pending.isEmpty()) {
      return sql.append("-- nothing to apply\n").toString();
    }
    sql.append(
        "-- Apply in one transaction: psql -v ON_ERROR_STOP=1 --single-transaction -f FILE\n");
    String table = schema + "." + SchemaMigrator.HISTORY_TABLE;
    if (!history.tableExists()) {
      sql.append("\nCREATE SCHEMA IF NOT EXISTS ").append(schema).append(";\n");
      sql.append(historyTable(table));
    }
    for (Entry entry : pending) {
      sql.append("\n-- ").append(entry.script()).append('\n');
      sql.append(script(entry.script(), schema).strip()).append('\n');
      sql.append("INSERT INTO ")
          .append(table)
          .append(
              " (installed_rank, version, description, type, script, checksum, installed_by,"
                  + " execution_time, success)\n  SELECT coalesce(max(installed_rank), 0) + 1, ")
          .append(literal(entry.version()))
          .append(", ")
          .append(literal(entry.description()))
          .append(", 'SQL', ")
          .append(literal(entry.script()))
          .append(", ")
          .append(entry.checksum())
          .append(", current_user, 0, true FROM ")
          .append(table)
          .append(";\n");
    }
    return sql.toString();
  }

  /** The history table as Flyway creates it on PostgreSQL. */
  private static String historyTable(String table) {
    String name = SchemaMigrator.HISTORY_TABLE;
    return "CREATE TABLE "
        + table
        + " (\n"
        + "    installed_rank INT NOT NULL,\n"
        + "    version VARCHAR(50),\n"
        + "    description VARCHAR(200) NOT NULL,\n"
        + "    type VARCHAR(20) NOT NULL,\n"
        + "    script VARCHAR(1000) NOT NULL,\n"
        + "    checksum INTEGER,\n"
        + "    installed_by VARCHAR(100) NOT NULL,\n"
        + "    installed_on TIMESTAMP NOT NULL DEFAULT now(),\n"
        + "    execution_time INTEGER NOT NULL,\n"
        + "    success BOOLEAN NOT NULL\n"
        + ");\n"
        + "ALTER TABLE "
        + table
        + " ADD CONSTRAINT "
        + name
        + "_pk PRIMARY KEY (installed_rank);\n"
        + "CREATE INDEX "
        + name
        + "_s_idx ON "
        + table
        + " (success);\n";
  }

  /** A script's text with its placeholders replaced as Flyway replaces them. */
  static String script(String script, String schema) {
    String text;
    try (InputStream in =
        SchemaHistory.class.getResourceAsStream("/dev/jobqueue/db/migration/" + script)) {
      if (in == null) {
        throw new IllegalStateException("migration script " + script + " is not on the classpath");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration script " + script, e);
    }
    Map<String, String> values = new HashMap<>(SchemaMigrator.placeholders());
    values.put("flyway:defaultSchema", schema);
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalStateException(
            "migration script " + script + " uses an unknown placeholder ${" + m.group(1) + "}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
