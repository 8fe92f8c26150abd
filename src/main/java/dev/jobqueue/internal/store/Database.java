package dev.jobqueue.internal.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobStoreException;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.internal.AutoCommitDataSource;
import dev.jobqueue.internal.JdbcUrls;
import javax.sql.DataSource;

/**
 * Where a manager's connections come from: the caller's {@code DataSource}, or a HikariCP pool the
 * manager owns, opened on {@link #open()} and closed on {@link #close()}; and the one-time setup
 * (server checks, pooler detection, migrations) before any other use. <strong>Not API.</strong>
 */
public final class Database {

  /**
   * Connections an owned pool has beyond {@code maxWorkers}: the listener's (held), the poller's,
   * the completer's, and one at a time for lease renewal, rescue, the heartbeat, the statistics,
   * pruning, the notifier, the health check and callers enqueueing jobs. Every worker inside {@code
   * completeInTransaction} holds one too.
   */
  public static final int CONNECTIONS_BEYOND_WORKERS = 8;

  private final JobQueueConfig config;
  private final DataSource external;
  private final DataSource externalMigrations;
  private final JdbcUrls.Parsed url;
  private final JdbcUrls.Parsed migrationUrl;
  private HikariDataSource owned;
  private DataSource dataSource;
  private DatabaseSetup.Server server;

  /**
   * A database reached through the caller's data source or a URL.
   *
   * @param config the settings
   * @param external the caller's data source, or null to connect to a URL
   * @param externalMigrations the caller's data source for migrations, or null
   * @param url the URL, user and password when {@code external} is null
   * @param migrationUrl where migrations go instead, or null
   */
  public Database(
      JobQueueConfig config,
      DataSource external,
      DataSource externalMigrations,
      JdbcUrls.Parsed url,
      JdbcUrls.Parsed migrationUrl) {
    this.config = config;
    this.external = external == null ? null : new AutoCommitDataSource(external);
    this.externalMigrations =
        externalMigrations == null ? null : new AutoCommitDataSource(externalMigrations);
    this.url = url;
    this.migrationUrl = migrationUrl;
  }

  /**
   * Where an owned pool connects: the builder's URL, else {@code databaseUrl}; the user and
   * password from the builder, else the URL, else {@code databaseUser} and {@code
   * databasePassword}.
   *
   * @param config the settings
   * @param jdbcUrl the builder's URL, or null
   * @param user the builder's user, or null
   * @param password the builder's password, or null
   * @return the URL and credentials
   */
  public static JdbcUrls.Parsed resolveUrl(
      JobQueueConfig config, String jdbcUrl, String user, String password) {
    String url = jdbcUrl != null ? jdbcUrl : config.databaseUrl().orElseThrow();
    JdbcUrls.Parsed parsed = JdbcUrls.parse(url);
    String resolvedUser =
        user != null
            ? user
            : parsed.user() != null ? parsed.user() : config.databaseUser().orElse(null);
    String resolvedPassword =
        password != null
            ? password
            : parsed.password() != null
                ? parsed.password()
                : config.databasePassword().orElse(null);
    return new JdbcUrls.Parsed(parsed.jdbcUrl(), resolvedUser, resolvedPassword);
  }

  /**
   * Where migrations go when {@code migrationDatabaseUrl} is set: that URL, with the main
   * connection's credentials where it names none.
   *
   * @param config the settings
   * @param main the main URL and credentials, or null when the caller gave a data source
   * @param user the builder's user, or null
   * @param password the builder's password, or null
   * @return the URL and credentials, or null when migrations use the main connections
   */
  public static JdbcUrls.Parsed resolveMigrationUrl(
      JobQueueConfig config, JdbcUrls.Parsed main, String user, String password) {
    if (config.migrationDatabaseUrl().isEmpty()) {
      return null;
    }
    JdbcUrls.Parsed parsed = JdbcUrls.parse(config.migrationDatabaseUrl().orElseThrow());
    String fallbackUser = config.databaseUser().orElse(main == null ? user : main.user());
    String fallbackPassword =
        config.databasePassword().orElse(main == null ? password : main.password());
    return new JdbcUrls.Parsed(
        parsed.jdbcUrl(),
        parsed.user() != null ? parsed.user() : fallbackUser,
        parsed.password() != null ? parsed.password() : fallbackPassword);
  }

  /**
   * The most workers a node with this configuration runs at once: the sum over its queues.
   *
   * @param config the configuration
   * @return the count
   */
  public static int workersOf(JobQueueConfig config) {
    int workers = 0;
    for (QueueOptions queue : config.queues()) {
      workers += queue.maxWorkers().orElse(config.maxWorkers());
    }
    return workers;
  }

  /**
   * The pool size an owned pool gets.
   *
   * @param maxWorkers the node's workers, over all its queues
   * @return {@code maxWorkers + }{@value #CONNECTIONS_BEYOND_WORKERS}
   */
  public static int poolSize(int maxWorkers) {
    return maxWorkers + CONNECTIONS_BEYOND_WORKERS;
  }

  /**
   * Connects, checks the server, detects a pooler in transaction mode and applies (or verifies) the
   * migrations; on failure nothing stays open.
   *
   * @throws JobStoreException if the database cannot be reached or set up
   */
  public void open() {
    DataSource connections;
    try {
      connections = external != null ? external : openPool(false);
    } catch (RuntimeException e) {
      throw new JobStoreException(
          "cannot connect to " + JdbcUrls.redact(url.jdbcUrl()) + ": " + e.getMessage(), e);
    }
    HikariDataSource ownedMigrations = null;
    try {
      DataSource migrations = externalMigrations;
      if (migrations == null && config.runMigrations() && migrationUrl != null) {
        ownedMigrations = openMigrationPool();
        migrations = ownedMigrations;
      }
      DatabaseSetup.Prepared prepared =
          DatabaseSetup.prepare(
              config,
              connections,
              external != null ? null : unused -> reopenWithoutServerPrepares(),
              migrations);
      dataSource = prepared.dataSource();
      server = prepared.server();
    } catch (RuntimeException e) {
      close();
      throw e;
    } finally {
      if (ownedMigrations != null) {
        ownedMigrations.close();
      }
    }
  }

  /**
   * The library's connections, after {@link #open()}.
   *
   * @return the data source
   */
  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * The server found by {@link #open()}.
   *
   * @return its version and whether a transaction-mode pooler sits in front of it
   */
  public DatabaseSetup.Server server() {
    return server;
  }

  /** Closes the owned pool, if any; a caller's data source stays open. Idempotent. */
  public void close() {
    if (owned != null) {
      owned.close();
      owned = null;
    }
  }

  private DataSource openPool(boolean withoutServerPrepares) {
    owned = newPool("jobqueue", url, poolSize(workersOf(config)), withoutServerPrepares);
    return owned;
  }

  /** Through a pooler in transaction mode: the same pool, but no server-side prepares. */
  private DataSource reopenWithoutServerPrepares() {
    close();
    return openPool(true);
  }

  /** For migrations only, closed when they are done: the lock's connection, and Flyway's. */
  private HikariDataSource openMigrationPool() {
    try {
      return newPool("jobqueue-migration", migrationUrl, 3, false);
    } catch (RuntimeException e) {
      throw new JobStoreException(
          "cannot connect to the migration database "
              + JdbcUrls.redact(migrationUrl.jdbcUrl())
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * A pool of its own, for a tool that works on the schema without a manager.
   *
   * @param name the pool name
   * @param url where it connects, with the credentials
   * @param size the most connections
   * @return the pool, connected once (so that a wrong URL or password fails here)
   */
  public static HikariDataSource newPool(String name, JdbcUrls.Parsed url, int size) {
    return newPool(name, url, size, false);
  }

  private static HikariDataSource newPool(
      String name, JdbcUrls.Parsed url, int size, boolean withoutServerPrepares) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setJdbcUrl(url.jdbcUrl());
    if (url.user() != null) {
      hikari.setUsername(url.user());
    }
    if (url.password() != null) {
      hikari.setPassword(url.password());
    }
    if (withoutServerPrepares) {
      // A parameter in the URL itself wins over this; DatabaseSetup then refuses the pool.
      hikari.addDataSourceProperty("prepareThreshold", "0");
    }
    hikari.setMaximumPoolSize(size);
    hikari.setMinimumIdle(1);
    // Fail fast when the database is unreachable instead of Hikari's 30 s default.
    hikari.setConnectionTimeout(10_000);
    return new HikariDataSource(hikari);
  }
}
