package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** initialize() and shutdown(), with a caller's DataSource and with a pool the manager owns. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagerLifecycleIT {

  record Note(String text) {}

  private static final AtomicInteger APP_NAMES = new AtomicInteger();

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobQueueConfig config =
      JobQueueConfig.builder().schema(schema).runWorkers(false).build();

  private JobQueueManager.Builder onSharedPool() {
    return JobQueueManager.builder()
        .config(config)
        .dataSource(db.dataSource())
        .handler(JobHandler.of("note", Note.class, (p, c) -> null));
  }

  private static CreateJobOptions note() {
    return CreateJobOptions.of("note", new Note("hello"));
  }

  // ---------------------------------------------------------------- before initialize

  @Test
  void everyOperationBeforeInitializeAsksForInitialize() throws SQLException {
    JobQueueManager manager = onSharedPool().build();

    assertNotInitialized(() -> manager.createJob(note()));
    assertNotInitialized(() -> manager.createJobs(List.of(note())));
    assertNotInitialized(() -> manager.getJob("1"));
    assertNotInitialized(() -> manager.getJob("not-an-id"));
    assertNotInitialized(() -> manager.getJobs(JobFilters.all()));
    assertNotInitialized(() -> manager.cancelJob("1"));
    try (Connection connection = db.dataSource().getConnection()) {
      assertNotInitialized(() -> manager.createJob(connection, note()));
      assertNotInitialized(() -> manager.createJobs(connection, List.of(note())));
    }
    assertThat(manager.getRegisteredTypes()).containsExactly("note");
  }

  @Test
  void shutdownBeforeInitializeIsHarmless() {
    JobQueueManager manager = onSharedPool().build();

    manager.shutdown();
    manager.shutdown();
    manager.initialize();

    String id = manager.createJob(note());
    assertThat(manager.getJob(id)).isPresent();
    manager.shutdown();
  }

  // ---------------------------------------------------------------- after shutdown

  @Test
  void shutdownTwiceIsHarmless() {
    JobQueueManager manager = onSharedPool().build();
    manager.initialize();

    manager.shutdown();
    manager.shutdown();
    manager.close();
  }

  @Test
  void everyOperationAfterShutdownIsRefused() throws SQLException {
    JobQueueManager manager = onSharedPool().build();
    manager.initialize();
    String id = manager.createJob(note());
    manager.shutdown();

    assertShutDown(() -> manager.createJob(note()));
    assertShutDown(() -> manager.createJobs(List.of(note())));
    assertShutDown(() -> manager.getJob(id));
    assertShutDown(() -> manager.getJobs(JobFilters.all()));
    assertShutDown(() -> manager.cancelJob(id));
    try (Connection connection = db.dataSource().getConnection()) {
      assertShutDown(() -> manager.createJob(connection, note()));
    }
    assertThatThrownBy(manager::initialize)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shut down");
  }

  @Test
  void tryWithResourcesShutsTheManagerDown() {
    JobQueueManager escaped;
    try (JobQueueManager manager = onSharedPool().build()) {
      manager.initialize();
      manager.createJob(note());
      escaped = manager;
    }

    assertShutDown(() -> escaped.getJobs(JobFilters.all()));
  }

  // ---------------------------------------------------------------- who owns the pool

  @Test
  void callersDataSourceIsNotClosedByShutdown() throws SQLException {
    try (HikariDataSource pool = db.newPool("lifecycle-caller-pool", 3)) {
      JobQueueManager manager =
          JobQueueManager.builder()
              .config(config)
              .dataSource(pool)
              .handler(JobHandler.of("note", Note.class, (p, c) -> null))
              .build();
      manager.initialize();
      manager.createJob(note());

      manager.shutdown();

      assertThat(pool.isClosed()).isFalse();
      try (Connection connection = pool.getConnection()) {
        assertThat(connection.isValid(2)).isTrue();
      }
    }
  }

  @Test
  void operationsCommitEvenWhenTheCallersDataSourceDefaultsToManualCommit() {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("lifecycle-manual-commit");
    hikari.setJdbcUrl(db.jdbcUrl());
    hikari.setUsername(db.user());
    hikari.setPassword(db.password());
    hikari.setMaximumPoolSize(3);
    hikari.setAutoCommit(false);
    try (HikariDataSource pool = new HikariDataSource(hikari)) {
      JobQueueManager manager =
          JobQueueManager.builder()
              .config(config)
              .dataSource(pool)
              .handler(JobHandler.of("note", Note.class, (p, c) -> null))
              .build();
      manager.initialize();
      JobQueueManager reader = onSharedPool().build();
      reader.initialize();
      try {
        String id = manager.createJob(note());
        List<String> ids = manager.createJobs(List.of(note(), note()));

        assertThat(reader.getJob(id)).as("job created through a manual-commit pool").isPresent();
        assertThat(ids).allSatisfy(each -> assertThat(reader.getJob(each)).isPresent());
        assertThat(manager.cancelJob(id)).isTrue();
        assertThat(reader.getJob(id).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
      } finally {
        manager.shutdown();
        reader.shutdown();
      }
    }
  }

  @Test
  void managerBuiltFromAJdbcUrlOwnsItsPoolAndClosesItOnShutdown() {
    String appName = appName();
    JobQueueManager manager =
        JobQueueManager.builder()
            .config(config)
            .jdbcUrl(db.jdbcUrl(appName), db.user(), db.password())
            .handler(JobHandler.of("note", Note.class, (p, c) -> null))
            .build();
    assertThat(connectionsNamed(appName)).as("no connection before initialize").isZero();

    manager.initialize();
    String id = manager.createJob(note());
    assertThat(manager.getJob(id)).isPresent();
    assertThat(connectionsNamed(appName)).isPositive();

    manager.shutdown();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(connectionsNamed(appName)).isZero());
    assertShutDown(() -> manager.getJob(id));
  }

  @Test
  void ownedPoolIsClosedWhenInitializeFails() {
    String fresh = db.newSchema("lifecycle_unmigrated");
    String appName = appName();
    JobQueueManager manager =
        JobQueueManager.builder()
            .config(JobQueueConfig.builder().schema(fresh).runMigrations(false).build())
            .jdbcUrl(db.jdbcUrl(appName), db.user(), db.password())
            .build();

    try {
      assertThatThrownBy(manager::initialize)
          .isInstanceOf(JobQueueException.class)
          .hasMessageContaining("pending");

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(connectionsNamed(appName)).isZero());
      assertNotInitialized(() -> manager.getJob("1"));
    } finally {
      manager.shutdown();
      db.dropSchema(fresh);
    }
  }

  @Test
  void libpqStyleUrlWithCredentialsWorks() {
    String appName = appName();
    JobQueueManager manager =
        JobQueueManager.builder()
            .config(config)
            .jdbcUrl(libpqUrl(appName))
            .handler(JobHandler.of("note", Note.class, (p, c) -> null))
            .build();
    try {
      manager.initialize();
      String id = manager.createJob(note());

      assertThat(manager.getJob(id).orElseThrow().payloadAs(Note.class))
          .isEqualTo(new Note("hello"));
      assertThat(connectionsNamed(appName)).isPositive();
    } finally {
      manager.shutdown();
    }
  }

  @Test
  void databaseUrlFromTheConfigurationIsUsedWhenNoneIsGivenToTheBuilder() {
    String appName = appName();
    JobQueueManager manager =
        JobQueueManager.builder()
            .config(
                JobQueueConfig.fromEnvironment(
                    Map.of(
                        "JOB_QUEUE_SCHEMA", schema,
                        "JOB_QUEUE_DATABASE_URL", db.jdbcUrl(appName),
                        "JOB_QUEUE_DATABASE_USER", db.user(),
                        "JOB_QUEUE_DATABASE_PASSWORD", db.password())))
            .handler(JobHandler.of("note", Note.class, (p, c) -> null))
            .build();
    try {
      manager.initialize();
      String id = manager.createJob(note());

      assertThat(manager.getJob(id)).isPresent();
      assertThat(connectionsNamed(appName)).isPositive();
    } finally {
      manager.shutdown();
    }
  }

  @Test
  void buildingWithoutADatabaseIsRefused() {
    assertThatThrownBy(() -> JobQueueManager.builder().config(config).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dataSource")
        .hasMessageContaining("JOB_QUEUE_DATABASE_URL");
    assertThatThrownBy(() -> JobQueueManager.builder().build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void buildingWithBothADataSourceAndAUrlIsRefused() {
    assertThatThrownBy(
            () ->
                JobQueueManager.builder()
                    .config(config)
                    .dataSource(db.dataSource())
                    .jdbcUrl(db.jdbcUrl(), db.user(), db.password())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not both");
  }

  // ---------------------------------------------------------------- unreachable database

  @Test
  void initializeAgainstAClosedPortFailsFast() {
    String url = "jdbc:postgresql://127.0.0.1:" + closedPort() + "/postgres";
    JobQueueManager manager =
        JobQueueManager.builder().config(config).jdbcUrl(url, "u", "p").build();

    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            assertThatThrownBy(manager::initialize)
                .isInstanceOf(RuntimeException.class)
                .hasStackTraceContaining("Connection to 127.0.0.1")
                .hasStackTraceContaining("refused"));
    manager.shutdown();
  }

  @Test
  void initializeAgainstAClosedPortFailsWithAJobQueueException() {
    int port = closedPort();
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    JobQueueManager manager =
        JobQueueManager.builder().config(config).jdbcUrl(url, "u", "p").build();

    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            assertThatThrownBy(manager::initialize)
                .isInstanceOf(JobQueueException.class)
                .hasMessageContaining("127.0.0.1:" + port));
  }

  // ---------------------------------------------------------------- helpers

  private static void assertNotInitialized(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call initialize()");
  }

  private static void assertShutDown(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shut down");
  }

  private static String appName() {
    return "jq-lifecycle-it-" + APP_NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();
  }

  /** The fixture's server as {@code postgresql://user:password@host:port/db?...}. */
  private String libpqUrl(String appName) {
    URI uri = URI.create(db.jdbcUrl().substring("jdbc:".length()));
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery() + "&";
    return "postgresql://"
        + URLEncoder.encode(db.user(), StandardCharsets.UTF_8)
        + ":"
        + URLEncoder.encode(db.password(), StandardCharsets.UTF_8)
        + "@"
        + uri.getHost()
        + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
        + uri.getRawPath()
        + "?"
        + query
        + "ApplicationName="
        + appName;
  }

  private long connectionsNamed(String appName) {
    return db.queryLong(
        "select count(*) from pg_stat_activity where application_name = '" + appName + "'");
  }

  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
