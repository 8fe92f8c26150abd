package dev.jobqueue.admin;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.store.SchemaHistory;
import dev.jobqueue.internal.store.SchemaMigrator;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The library's migrations of one schema, for operators' tools: which are applied, applying the
 * pending ones, and the SQL a DBA applies by hand instead. It works without a {@code
 * JobQueueManager}, whose {@code initialize()} refuses a schema with pending migrations when {@code
 * runMigrations} is false.
 *
 * <p>It connects where the configuration says migrations go ({@link
 * JobQueueConfig#migrationDatabaseUrl()}, else {@link JobQueueConfig#databaseUrl()}, with their
 * credentials) over a pool of three connections of its own, closed by {@link #close()}.
 * Thread-safe.
 */
public final class SchemaMigrations implements AutoCloseable {

  /** Where a migration stands. */
  public enum State {
    /** Recorded as applied. */
    APPLIED,
    /** Not applied yet. */
    PENDING,
    /** Recorded as failed: fix the schema by hand, then repair the history. */
    FAILED,
    /** Recorded as applied, but unknown to this version of the library: a newer one applied it. */
    FUTURE
  }

  /**
   * One migration.
   *
   * @param version its version, e.g. {@code 9}
   * @param description what it does, e.g. {@code audit log and progress}
   * @param script its file name, e.g. {@code V9__audit_log_and_progress.sql}
   * @param state where it stands
   * @param appliedAt when it was applied (or failed), by the database; empty when pending
   */
  public record Migration(
      String version, String description, String script, State state, Optional<Instant> appliedAt) {
    /**
     * Checks the components.
     *
     * @param version its version, e.g. {@code 9}
     * @param description what it does, e.g. {@code audit log and progress}
     * @param script its file name, e.g. {@code V9__audit_log_and_progress.sql}
     * @param state where it stands
     * @param appliedAt when it was applied (or failed), by the database; empty when pending
     */
    public Migration {
      Objects.requireNonNull(version, "version must not be null");
      Objects.requireNonNull(state, "state must not be null");
      Objects.requireNonNull(appliedAt, "appliedAt must not be null");
    }
  }

  private final JobQueueConfig config;
  private final HikariDataSource pool;

  private SchemaMigrations(JobQueueConfig config, HikariDataSource pool) {
    this.config = config;
    this.pool = pool;
  }

  /**
   * Connects to the database the configuration names.
   *
   * @param config the settings: the database, its credentials, the schema and {@link
   *     JobQueueConfig#migrationLockTimeout()}
   * @return the migrations, to close after use
   * @throws IllegalArgumentException if the configuration names no database
   * @throws dev.jobqueue.JobStoreException naming the URL (without its credentials) when it cannot
   *     connect
   */
  public static SchemaMigrations open(JobQueueConfig config) {
    Objects.requireNonNull(config, "config must not be null");
    return new SchemaMigrations(config, SchemaHistory.pool(config));
  }

  /**
   * The schema these migrations are for.
   *
   * @return its name
   */
  public String schema() {
    return config.schema();
  }

  /**
   * Every migration of the library, and any the history table records beyond them, in version
   * order; nothing changes.
   *
   * @return the migrations
   * @throws dev.jobqueue.JobQueueException if the history cannot be read
   */
  public List<Migration> status() {
    return SchemaHistory.read(pool, config.schema()).entries().stream()
        .map(
            e ->
                new Migration(
                    e.version(),
                    e.description(),
                    e.script(),
                    !e.known()
                        ? State.FUTURE
                        : e.failed() ? State.FAILED : e.applied() ? State.APPLIED : State.PENDING,
                    Optional.ofNullable(e.installedOn())))
        .toList();
  }

  /**
   * Applies the pending migrations, creating the schema if needed, as {@code initialize()} does:
   * one node at a time, waiting up to {@link JobQueueConfig#migrationLockTimeout()} for another.
   *
   * @return how many were applied
   * @throws dev.jobqueue.JobQueueException if a migration fails, or the lock is not granted in time
   */
  public int migrate() {
    return SchemaMigrator.migrate(pool, config.schema(), config.migrationLockTimeout());
  }

  /**
   * The SQL that applies the pending migrations by hand, for a DBA who applies schema changes
   * himself: the schema and history table when missing, each pending script with its placeholders
   * replaced, and after each the history row that records it, so that {@code initialize()} (and
   * {@link #status()}) then find it applied. Run it in one transaction; nothing changes here.
   *
   * @return the SQL text; only comments when nothing is pending
   * @throws dev.jobqueue.JobQueueException if the history cannot be read
   */
  public String pendingSql() {
    return SchemaHistory.pendingSql(config.schema(), SchemaHistory.read(pool, config.schema()));
  }

  /** Closes the connections. Idempotent. */
  @Override
  public void close() {
    pool.close();
  }
}
