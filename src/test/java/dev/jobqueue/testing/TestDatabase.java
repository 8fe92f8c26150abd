package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * The one place tests get PostgreSQL from. One server per test JVM, chosen in this order:
 *
 * <ol>
 *   <li>{@code JOBQUEUE_TEST_JDBC_URL} (with {@code JOBQUEUE_TEST_JDBC_USER} and {@code
 *       JOBQUEUE_TEST_JDBC_PASSWORD}), if set: your own server;
 *   <li>else Testcontainers ({@code postgres:<major>-alpine}), when a Docker engine answers;
 *   <li>else an embedded PostgreSQL from the {@code io.zonky.test} Maven artifacts.
 * </ol>
 *
 * <p>The version is the Maven property {@code postgres.version} (default 17.11.0), which selects
 * the embedded binaries and reaches this class as the system property {@value #VERSION_PROPERTY}
 * (the Testcontainers image's major comes from it). The server's own {@code server_version} is
 * logged, and a server whose major differs from the requested one is refused.
 *
 * <p>With the system property {@value #POOLER_PROPERTY}{@code =session}, everything this class
 * hands out (URLs, the shared pool, new pools) goes through a {@link PgBouncer} in session mode in
 * front of the server; {@link #directJdbcUrl()} still reaches the server itself.
 *
 * <p>Each test class isolates itself in a schema of its own from {@link #newSchema(String)}.
 */
public final class TestDatabase {

  /** The requested PostgreSQL version, set by Maven from {@code postgres.version}. */
  public static final String VERSION_PROPERTY = "jobqueue.test.postgres.version";

  /** Overrides the Testcontainers image ({@code postgres:<major>-alpine} by default). */
  public static final String IMAGE_PROPERTY = "jobqueue.test.postgres.image";

  /** {@code session}: hand out connections through PgBouncer in session mode. */
  public static final String POOLER_PROPERTY = "jobqueue.test.pooler";

  /** Server connections of the session-mode PgBouncer; the servers allow 300 connections. */
  static final int SESSION_POOL_SIZE = 250;

  private static final Logger log = LoggerFactory.getLogger(TestDatabase.class);
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static TestDatabase instance;

  private final String source;
  private final String directJdbcUrl;
  private final String user;
  private final String password;
  private final String serverVersion;
  private final PgBouncer pooler;
  private final String jdbcUrl;
  private final HikariDataSource dataSource;

  private TestDatabase(
      String source, String directJdbcUrl, String user, String password, String requested) {
    this.source = source;
    this.directJdbcUrl = directJdbcUrl;
    this.user = user;
    this.password = password;
    this.serverVersion = checkServerVersion(source, directJdbcUrl, user, password, requested);
    String pooling = System.getProperty(POOLER_PROPERTY, "").strip().toLowerCase(Locale.ROOT);
    switch (pooling) {
      case "", "none" -> {
        this.pooler = null;
        this.jdbcUrl = directJdbcUrl;
      }
      case "session" -> {
        if (!PgBouncer.installed()) {
          throw new IllegalStateException(
              POOLER_PROPERTY + "=session asks for PgBouncer, but " + PgBouncer.missingReason());
        }
        this.pooler =
            PgBouncer.start(
                directJdbcUrl, user, password, PgBouncer.PoolMode.SESSION, SESSION_POOL_SIZE);
        this.jdbcUrl = pooler.jdbcUrlWithCredentials();
      }
      default ->
          throw new IllegalStateException(
              POOLER_PROPERTY + "=" + pooling + ": only \"session\" (or nothing) is supported");
    }
    this.dataSource = newPool("jobqueue-test-shared", 8);
    if (pooler != null) {
      checkThroughPooler();
    }
  }

  /** That the shared pool's connections are PgBouncer's clients, not the server's. */
  private void checkThroughPooler() {
    try (Connection connection = dataSource.getConnection()) {
      if (pooler.admin("SHOW CLIENTS").stream()
          .noneMatch(
              client ->
                  pooler.user().equals(client.get("user"))
                      && pooler.database().equals(client.get("database")))) {
        throw new IllegalStateException("the shared pool does not connect through PgBouncer");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect through PgBouncer " + pooler.jdbcUrl(), e);
    }
  }

  /**
   * The server for this JVM, started on first use.
   *
   * @return the shared test database
   */
  public static synchronized TestDatabase get() {
    if (instance == null) {
      instance = start();
      log.info(
          "Test PostgreSQL {} from {}: {}, server_version {}{}",
          requestedVersion().isEmpty() ? "(version not set)" : requestedVersion(),
          instance.source,
          instance.directJdbcUrl,
          instance.serverVersion,
          instance.pooler == null
              ? ""
              : ", tests connect through PgBouncer in session mode: " + instance.pooler.jdbcUrl());
    }
    return instance;
  }

  /**
   * The PostgreSQL version the build asked for ({@code postgres.version}), or empty outside Maven.
   *
   * @return for example {@code 17.11.0}
   */
  public static String requestedVersion() {
    return System.getProperty(VERSION_PROPERTY, "").strip();
  }

  private static TestDatabase start() {
    String requested = requestedVersion();
    String url = System.getenv("JOBQUEUE_TEST_JDBC_URL");
    if (url != null && !url.isBlank()) {
      return new TestDatabase(
          "JOBQUEUE_TEST_JDBC_URL",
          url,
          System.getenv().getOrDefault("JOBQUEUE_TEST_JDBC_USER", "postgres"),
          System.getenv().getOrDefault("JOBQUEUE_TEST_JDBC_PASSWORD", "postgres"),
          "");
    }
    if (dockerAvailable()) {
      String image =
          System.getProperty(
              IMAGE_PROPERTY,
              "postgres:" + (requested.isEmpty() ? "17" : major(requested)) + "-alpine");
      PostgreSQLContainer<?> container =
          new PostgreSQLContainer<>(
                  org.testcontainers.utility.DockerImageName.parse(image)
                      .asCompatibleSubstituteFor("postgres"))
              .withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off");
      container.start();
      Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-postgres-stop"));
      return new TestDatabase(
          "Testcontainers",
          container.getJdbcUrl(),
          container.getUsername(),
          container.getPassword(),
          System.getProperty(IMAGE_PROPERTY) == null ? requested : "");
    }
    try {
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("fsync", "off")
              .setServerConfig("full_page_writes", "off")
              .start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      postgres.close();
                    } catch (IOException e) {
                      log.warn("Could not stop embedded PostgreSQL", e);
                    }
                  },
                  "test-postgres-stop"));
      return new TestDatabase(
          "embedded PostgreSQL",
          postgres.getJdbcUrl("postgres", "postgres"),
          "postgres",
          "postgres",
          requested);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL", e);
    }
  }

  /**
   * Reads the server's {@code server_version} on a direct connection and, when a version was
   * requested, refuses a server of another major version (binaries or an image that did not follow
   * {@code postgres.version}).
   */
  private static String checkServerVersion(
      String source, String url, String user, String password, String requested) {
    String version;
    try (Connection connection =
            java.sql.DriverManager.getConnection(withoutCredentials(url), user, password);
        Statement statement = connection.createStatement();
        var rs = statement.executeQuery("show server_version")) {
      rs.next();
      version = rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read server_version of " + url, e);
    }
    if (!requested.isEmpty() && !major(version).equals(major(requested))) {
      throw new IllegalStateException(
          source
              + " runs PostgreSQL "
              + version
              + ", but "
              + VERSION_PROPERTY
              + " asks for "
              + requested);
    }
    return version;
  }

  /** The major version: {@code 17} of {@code 17.11.0}, {@code 17.11} or {@code 17.11 (Debian)}. */
  static String major(String version) {
    String digits = version.strip();
    int end = 0;
    while (end < digits.length() && Character.isDigit(digits.charAt(end))) {
      end++;
    }
    return digits.substring(0, end);
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  /**
   * Where the server came from: the environment, Testcontainers or embedded.
   *
   * @return a description
   */
  public String source() {
    return source;
  }

  /**
   * The server's {@code server_version}, as the server reports it.
   *
   * @return for example {@code 17.11}
   */
  public String serverVersion() {
    return serverVersion;
  }

  /**
   * The JDBC URL tests connect with: the server's, or with {@value #POOLER_PROPERTY}{@code
   * =session} PgBouncer's (with {@code user} and {@code password} parameters).
   *
   * @return the URL
   */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /**
   * The server's own JDBC URL, never through a pooler: for fixtures that put something in front of
   * the server ({@link PgBouncer}) and for work that must reach the server itself (migrations
   * beside a transaction-mode pooler).
   *
   * @return the URL
   */
  public String directJdbcUrl() {
    return directJdbcUrl;
  }

  /**
   * {@link #directJdbcUrl()} without {@code user} and {@code password} parameters.
   *
   * @return the URL
   */
  public String directUrlWithoutCredentials() {
    return withoutCredentials(directJdbcUrl);
  }

  /**
   * The session-mode PgBouncer every connection goes through, if {@value #POOLER_PROPERTY}{@code
   * =session}.
   *
   * @return the pooler, or empty when tests connect directly
   */
  public java.util.Optional<PgBouncer> pooler() {
    return java.util.Optional.ofNullable(pooler);
  }

  /**
   * The server's JDBC URL with an {@code ApplicationName}, so that its connections can be told
   * apart in {@code pg_stat_activity} (and terminated selectively).
   *
   * @param applicationName the name the connections report
   * @return the URL
   */
  public String jdbcUrl(String applicationName) {
    return withApplicationName(jdbcUrl, applicationName);
  }

  /**
   * Adds an {@code ApplicationName} parameter to a PostgreSQL JDBC URL.
   *
   * @param jdbcUrl the URL
   * @param applicationName the name the connections report
   * @return the URL with the parameter
   */
  public static String withApplicationName(String jdbcUrl, String applicationName) {
    return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "ApplicationName=" + applicationName;
  }

  /**
   * The user to connect as.
   *
   * @return the user
   */
  public String user() {
    return user;
  }

  /**
   * The password to connect with.
   *
   * @return the password
   */
  public String password() {
    return password;
  }

  /**
   * A small pool shared by all tests, for test-side SQL and managers that need no pool of their
   * own.
   *
   * @return the shared data source
   */
  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * A new pool of its own, for tests that need separate connection pools (several nodes). The
   * caller closes it.
   *
   * @param name the pool name
   * @param size the maximum pool size
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size) {
    return newPool(name, size, config -> {});
  }

  /**
   * A new pool of its own that logs in as another role (created by the test), for tests of
   * privileges. The caller closes it.
   *
   * @param name the pool name
   * @param size the maximum pool size
   * @param role the role to log in as
   * @param rolePassword its password
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size, String role, String rolePassword) {
    return newPool(
        name,
        size,
        config -> {
          config.setUsername(role);
          config.setPassword(rolePassword);
        });
  }

  /**
   * A new pool of its own, adjusted before it starts (another URL, an {@code ApplicationName}, a
   * shorter connection timeout, another role). The caller closes it.
   *
   * @param name the pool name
   * @param size the maximum pool size
   * @param adjust changes to the configuration, applied last
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size, Consumer<HikariConfig> adjust) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(urlWithoutCredentials());
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    adjust.accept(config);
    return new HikariDataSource(config);
  }

  /**
   * The JDBC URL without {@code user} and {@code password} parameters, which the driver would
   * prefer over the pool's credentials (the embedded server's URL carries {@code user=postgres}).
   *
   * @return the URL
   */
  public String urlWithoutCredentials() {
    return withoutCredentials(jdbcUrl);
  }

  private static String withoutCredentials(String jdbcUrl) {
    int query = jdbcUrl.indexOf('?');
    if (query < 0) {
      return jdbcUrl;
    }
    String kept =
        java.util.Arrays.stream(jdbcUrl.substring(query + 1).split("&"))
            .filter(p -> !p.startsWith("user=") && !p.startsWith("password="))
            .collect(java.util.stream.Collectors.joining("&"));
    return jdbcUrl.substring(0, query) + (kept.isEmpty() ? "" : "?" + kept);
  }

  /**
   * A fresh, unused schema name, derived from {@code hint} and unique in this JVM run.
   *
   * @param hint usually the test class's simple name
   * @return a valid schema name that does not exist yet
   */
  public String newSchema(String hint) {
    String base = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (base.length() > 40) {
      base = base.substring(0, 40);
    }
    String schema =
        "t_"
            + base
            + "_"
            + SCHEMAS.incrementAndGet()
            + "_"
            + Long.toString(System.nanoTime() % 1_000_000, 36);
    dropSchema(schema);
    return schema;
  }

  /**
   * A builder for an enqueue-only manager ({@code runWorkers(false)}) on the shared pool,
   * configured for {@code schema}: jobs it creates stay pending.
   *
   * @param schema the schema
   * @return a builder; add handlers and build
   */
  public JobQueueManager.Builder managerBuilder(String schema) {
    return JobQueueManager.builder()
        .config(JobQueueConfig.builder().schema(schema).runWorkers(false).build())
        .dataSource(dataSource);
  }

  /**
   * Drops a schema and everything in it, if it exists.
   *
   * @param schema a schema name from {@link #newSchema(String)}
   */
  public void dropSchema(String schema) {
    execute("drop schema if exists \"" + schema + "\" cascade");
  }

  /**
   * Runs SQL on the shared pool.
   *
   * @param sql the statement
   */
  public void execute(String sql) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }

  /**
   * Runs a query that returns one number.
   *
   * @param sql the query
   * @return the number in the first column of the first row
   */
  public long queryLong(String sql) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        var rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }

  /**
   * Runs a query that returns one text value.
   *
   * @param sql the query
   * @return the text in the first column of the first row
   */
  public String queryString(String sql) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        var rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }
}
