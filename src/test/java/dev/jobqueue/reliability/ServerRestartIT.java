package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 5 of the reliability suite: PostgreSQL restarts in the middle of a run. Processing must
 * resume within 30 s of the server's return, and no accepted job may be lost.
 *
 * <p>The shared test server cannot be restarted under the other test classes, so this scenario
 * always starts a server of its own, even when {@code JOBQUEUE_TEST_JDBC_URL} names another one: an
 * embedded PostgreSQL 17 ({@code io.zonky}) on a fixed port and data directory. Restarting is
 * {@code close()} (a fast shutdown through {@code pg_ctl stop -m fast}) and a new {@code
 * EmbeddedPostgres} on the same directory and port with {@code setCleanDataDirectory(false)}, which
 * skips {@code initdb} when the directory holds a cluster.
 */
@Tag("reliability")
class ServerRestartIT {

  private static final String PREFIX = "jqrel-restart-";
  private static final String SCHEMA = "rel_restart";
  private static final int NODES = 2;
  private static final int WORKERS = 4;
  private static final int MAX_RETRIES = 10;
  private static final long DOWN_MILLIS = 5_000;
  private static final long RESUME_LIMIT_MILLIS = 30_000;

  private final List<AutoCloseable> closing = new ArrayList<>();
  private Path dataDirectory;
  private EmbeddedPostgres server;
  private int port;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    if (server != null) {
      server.close();
    }
    if (dataDirectory != null) {
      try (Stream<Path> files = Files.walk(dataDirectory)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Test
  void processingResumesAfterARestartAndNothingIsLost() throws Exception {
    dataDirectory = Files.createTempDirectory("jobqueue-restart-");
    port = freePort();
    server = startServer();
    String url = server.getJdbcUrl("postgres", "postgres");

    HikariDataSource testPool =
        TestDatabase.get()
            .newPool(
                "rel-restart-test",
                2 * NODES * WORKERS + 2,
                config -> {
                  config.setJdbcUrl(TestDatabase.withApplicationName(url, "jqtest-restart"));
                  config.setUsername("postgres");
                  config.setPassword("postgres");
                });
    closing.add(testPool);
    InProcessLoad load = new InProcessLoad(testPool, SCHEMA, 2);
    Ledger ledger = load.ledger();
    String effects = ledger.q("side_effects");
    String jobs = ledger.q("jobs");
    List<JobQueueManager> nodes = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      String node = "restart-node-" + i;
      nodes.add(
          started(
              JobQueueManager.builder()
                  .config(
                      EngineTestSupport.fastConfig(SCHEMA)
                          .nodeId(node)
                          .maxWorkers(WORKERS)
                          .minWorkers(WORKERS)
                          .leaseDuration(Duration.ofSeconds(10))
                          .rescueInterval(Duration.ofSeconds(1))
                          .build())
                  .jdbcUrl(TestDatabase.withApplicationName(url, PREFIX + node))
                  .handler(ledger.handler(node, testPool))));
    }
    JobQueueManager producer =
        started(
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(SCHEMA).runWorkers(false).build())
                .jdbcUrl(TestDatabase.withApplicationName(url, PREFIX + "producer"))
                .handler(ledger.handler("producer", testPool)));
    load.enqueue(producer, 1_000, MAX_RETRIES);
    InProcessLoad.Producer steady = load.produce(producer, 10, 100, MAX_RETRIES);
    Thread.sleep(5_000);
    long effectsBeforeStop = load.effects();

    long stopping = System.nanoTime();
    server.close();
    long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);
    Thread.sleep(DOWN_MILLIS);
    long starting = System.nanoTime();
    server = startServer();
    long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starting);
    long upAt = serverMillis(url);
    long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);

    String since = "to_timestamp(" + upAt + " / 1000.0)";
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> ledger.queryLong("select count(*) from " + effects + " where at > " + since) > 0);
    long firstClaim =
        ledger.queryLong(
            "select round(extract(epoch from min(started_at) - "
                + since
                + ") * 1000) from "
                + jobs
                + " where started_at > "
                + since);
    long firstCompletion =
        ledger.queryLong(
            "select round(extract(epoch from min(at) - "
                + since
                + ") * 1000) from "
                + effects
                + " where at > "
                + since);
    Thread.sleep(10_000);
    steady.close();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(() -> load.unfinished() == 0);
    boolean listening =
        await()
            .atMost(Duration.ofSeconds(40))
            .until(() -> nodes.stream().allMatch(n -> n.workerPool().isListening()), ok -> ok);
    InProcessLoad.Result result = load.check();

    String source = TestDatabase.get().source();
    System.out.printf(
        "RELIABILITY server-restart: own embedded PostgreSQL on port %d (the shared fixture is"
            + " %s and is not restarted); %d nodes x %d workers, %d completions before the"
            + " stop; stop took %d ms, start %d ms, server away %d ms; after its return: first"
            + " claim %d ms, first completion %d ms (limit %d); all nodes listening again: %s;"
            + " enqueues failed while down %d; %s%n",
        port,
        source,
        NODES,
        WORKERS,
        effectsBeforeStop,
        stopMillis,
        startMillis,
        downMillis,
        firstClaim,
        firstCompletion,
        RESUME_LIMIT_MILLIS,
        listening,
        steady.failures(),
        result.summary());

    assertThat(effectsBeforeStop).isPositive();
    assertThat(firstCompletion).isLessThanOrEqualTo(RESUME_LIMIT_MILLIS);
    assertThat(result.lost()).as("accepted jobs lost").isZero();
    assertThat(result.duplicates()).as("duplicate executions").isZero();
    assertThat(result.missingEffects()).isZero();
    assertThat(result.failed()).isZero();
  }

  private EmbeddedPostgres startServer() throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setServerConfig("max_connections", "100")
        .start();
  }

  private JobQueueManager started(JobQueueManager.Builder builder) {
    JobQueueManager manager = builder.build();
    closing.add(manager);
    manager.initialize();
    return manager;
  }

  /** The server's clock (epoch ms), read on a new connection. */
  private static long serverMillis(String url) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url, "postgres", "postgres");
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "select (extract(epoch from clock_timestamp()) * 1000)::bigint")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
