package dev.jobqueue.internal.store;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueException;
import dev.jobqueue.JobStoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.PreferQueryMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code initialize()} checks before anything else: that the server is a supported PostgreSQL,
 * whether the connections go through a pooler in transaction mode, and, if they do, that nothing
 * the library does keeps state in a database session. Then it applies or verifies the migrations.
 *
 * <p><b>Detecting transaction pooling.</b> Through a direct connection, or a pooler in session
 * mode, a client connection keeps one server session: {@code pg_backend_pid()} never changes, and
 * no other client connection can ever report it. Through a pooler in transaction mode, a client
 * gets whichever server connection is free for each transaction. The check reads the backend pid of
 * connection A, then opens a transaction on connection B and reads B's pid while B holds its server
 * connection, then reads A's pid again. B reporting A's first pid, or A reporting another pid the
 * second time, proves transaction pooling. PgBouncer hands the most recently freed server
 * connection to the next client by default, so B gets A's; with {@code server_round_robin} the
 * second read of A lands elsewhere. Other clients of the pooler can take A's server connection and
 * give it back between the reads, so the check runs up to five rounds: a round can miss a pooler,
 * but none can find one that is not there. Set {@link JobQueueConfig#transactionPooling()} to be
 * certain rather than rely on detection.
 */
public final class DatabaseSetup {

  /** The oldest server version that works: {@code WITH ... AS MATERIALIZED} needs 12. */
  public static final int MINIMUM_VERSION_NUM = 120_000;

  /** How many times the pooling check is tried before the connections count as not pooled. */
  private static final int DETECTION_ROUNDS = 20;

  private static final Logger log = LoggerFactory.getLogger(DatabaseSetup.class);

  private DatabaseSetup() {}

  /**
   * What was found about the server and the connections to it.
   *
   * @param version the server's {@code server_version}, for example {@code 17.11}
   * @param versionNum its {@code server_version_num}, for example {@code 170011}
   * @param transactionPooling whether the connections go through a pooler in transaction mode,
   *     detected or configured
   */
  public record Server(String version, int versionNum, boolean transactionPooling) {}

  /**
   * The result of {@link #prepare}: the data source to use from now on, and the server.
   *
   * @param dataSource the data source, replaced when the library's own pool had to be reopened
   * @param server the server
   */
  public record Prepared(DataSource dataSource, Server server) {}

  /**
   * Checks the server and the connections, then applies or verifies the migrations.
   *
   * @param config the settings: schema, migrations, transaction pooling
   * @param dataSource the library's connections
   * @param withoutServerPrepares for the library's own pool: closes it and returns one that
   *     prepares nothing server-side; null for a {@code DataSource} the application passed in
   * @param migrationDataSource a direct connection to migrate over, or null
   * @return the data source to use and what was found
   * @throws JobQueueException if the server is too old, the connections are unsafe through the
   *     pooler, or the schema cannot be brought up to date
   * @throws JobStoreException if the database cannot be reached
   */
  public static Prepared prepare(
      JobQueueConfig config,
      DataSource dataSource,
      UnaryOperator<DataSource> withoutServerPrepares,
      DataSource migrationDataSource) {
    Server server = inspect(dataSource, "the database");
    boolean pooled = server.transactionPooling() || config.transactionPooling();
    if (server.transactionPooling() && !config.transactionPooling()) {
      log.warn(
          "The database connections go through a pooler in transaction mode (consecutive"
              + " transactions of one connection ran in different server sessions). The library"
              + " will poll instead of LISTEN and prepare nothing server-side; set"
              + " JOB_QUEUE_TRANSACTION_POOLING=true to say so and skip this warning");
    }
    server = new Server(server.version(), server.versionNum(), pooled);
    DataSource used = dataSource;
    if (pooled) {
      if (withoutServerPrepares != null) {
        used = withoutServerPrepares.apply(dataSource);
        requireNoServerPrepares(used, "The library's connection pool (from its JDBC URL)");
      } else {
        requireNoServerPrepares(used, "The DataSource passed to the library");
      }
    }
    if (!config.runMigrations()) {
      SchemaMigrator.verify(used, config.schema());
    } else if (migrationDataSource != null) {
      if (inspect(migrationDataSource, "the migration connection").transactionPooling()) {
        throw new JobQueueException(
            "the migration connection goes through a pooler in transaction mode too; point"
                + " JOB_QUEUE_MIGRATION_DATABASE_URL (or migrationDataSource) at the database"
                + " directly, or at a pooler in session mode");
      }
      SchemaMigrator.migrate(migrationDataSource, config.schema(), config.migrationLockTimeout());
    } else if (pooled) {
      throw new JobQueueException(
          "cannot apply migrations to schema '"
              + config.schema()
              + "' through a pooler in transaction mode: Flyway keeps session state (search_path,"
              + " role, its lock) that would stay on pooled server connections and reach their"
              + " other clients. Set JOB_QUEUE_MIGRATION_DATABASE_URL (migrationDatabaseUrl, or"
              + " migrationDataSource in the builder) to a direct connection or a session-mode"
              + " pooler, or apply the migrations yourself and set runMigrations(false)");
    } else {
      SchemaMigrator.migrate(used, config.schema(), config.migrationLockTimeout());
    }
    return new Prepared(used, server);
  }

  /**
   * Reads the server version, refusing versions older than 12, and detects transaction pooling.
   * Needs two connections at once. Leaves no session state.
   *
   * @param dataSource where connections come from
   * @param what how to name the connections in an error
   * @return what was found
   * @throws JobQueueException if the server is older than PostgreSQL 12
   * @throws JobStoreException if the database cannot be reached
   */
  public static Server inspect(DataSource dataSource, String what) {
    try (Connection first = dataSource.getConnection()) {
      String version;
      int versionNum;
      long firstPid;
      try (Statement statement = first.createStatement();
          ResultSet rs =
              statement.executeQuery(
                  "select pg_backend_pid(), current_setting('server_version'),"
                      + " current_setting('server_version_num')::int")) {
        rs.next();
        firstPid = rs.getLong(1);
        version = rs.getString(2);
        versionNum = rs.getInt(3);
      }
      if (versionNum < MINIMUM_VERSION_NUM) {
        throw new JobQueueException(
            "PostgreSQL "
                + version
                + " is not supported: jobqueue needs PostgreSQL 12 or newer (its claim uses"
                + " WITH ... AS MATERIALIZED); upgrade the server");
      }
      return new Server(version, versionNum, transactionPooled(dataSource, first, firstPid));
    } catch (SQLException e) {
      throw new JobStoreException(
          "cannot inspect " + what + " before initializing: " + e.getMessage(), e);
    }
  }

  private static boolean transactionPooled(DataSource dataSource, Connection first, long firstPid)
      throws SQLException {
    if (first.unwrap(PGConnection.class).getBackendPID() == firstPid) {
      // The cancel key the client got at login names the server process itself: no pooler is in
      // between (a pooler hands out keys of its own, to route cancel requests).
      return false;
    }
    try (Connection second = dataSource.getConnection()) {
      if (first.unwrap(PGConnection.class) == second.unwrap(PGConnection.class)) {
        // The same physical connection twice (a transaction-bound proxy): nothing to compare.
        return false;
      }
      // A pooler is in between. One round can miss transaction pooling when other clients take
      // the first connection's server session and give it back between our reads (several nodes
      // starting at once through one pooler); no round can find it where it is not. So rounds go
      // on, at random moments, until one proves it or enough have not.
      for (int round = 0; round < DETECTION_ROUNDS; round++) {
        if (round > 0) {
          sleepQuietly(ThreadLocalRandom.current().nextInt(1, 6));
        }
        if (pooledRound(first, firstPid, second)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * One round: the second connection's transaction reports the first one's server session, or the
   * first connection comes back on another. The first connection reads only after the second one's
   * transaction ended, so that nodes starting together cannot hold every server connection while
   * each waits for one more.
   */
  private static boolean pooledRound(Connection first, long firstPid, Connection second)
      throws SQLException {
    long secondPid;
    // BEGIN and ROLLBACK as plain statements: pgjdbc's setAutoCommit(false) and rollback() would
    // prepare ROLLBACK as a named statement (prepareThreshold is still pgjdbc's default here),
    // which stays on the pooled server session and breaks the next client that prepares S_1.
    try (Statement transaction = second.createStatement()) {
      transaction.execute("begin");
      try {
        secondPid = backendPid(second);
      } finally {
        transaction.execute("rollback");
      }
    }
    return secondPid == firstPid || backendPid(first) != firstPid;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long backendPid(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("select pg_backend_pid()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Refuses connections that prepare statements server-side, which a pooler in transaction mode
   * mixes up between its clients.
   *
   * @param dataSource where connections come from
   * @param what how to name the connections in the error
   * @throws JobQueueException if pgjdbc's {@code prepareThreshold} is not 0 (and the query mode is
   *     not {@code simple})
   */
  public static void requireNoServerPrepares(DataSource dataSource, String what) {
    int threshold;
    try (Connection connection = dataSource.getConnection()) {
      PGConnection pg = connection.unwrap(PGConnection.class);
      if (pg.getPreferQueryMode() == PreferQueryMode.SIMPLE) {
        return;
      }
      threshold = pg.getPrepareThreshold();
    } catch (SQLException e) {
      throw new JobStoreException(
          "cannot inspect the connections' settings before initializing: " + e.getMessage(), e);
    }
    if (threshold != 0) {
      throw new JobQueueException(
          what
              + " goes through a pooler in transaction mode and prepares statements on the server"
              + " (pgjdbc prepareThreshold="
              + threshold
              + "). Such a pooler hands a named statement to whichever server session is free, so"
              + " one client's statement can run as another's: a COMMIT can run as a ROLLBACK and an"
              + " acknowledged job can vanish. Add prepareThreshold=0 to its JDBC URL (or set it"
              + " as a data source property), or connect directly or through a pooler in session"
              + " mode");
    }
  }
}
