package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.TcpProxy;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Scenario 6 of the reliability suite: the database is unreachable for 60 s under load. The nodes
 * reach PostgreSQL through a {@link TcpProxy} in this JVM; the cut closes their connections and
 * refuses new ones (accepted and reset at once, the fastest failure, so the one that would show a
 * missing backoff most). The producer and the ledger talk to the server directly, as other parts of
 * an application would, so jobs keep arriving during the outage.
 *
 * <p>Figures: connection attempts per minute at the proxy, log lines per minute (every logback
 * event, with {@code dev.jobqueue} at INFO), the health check during and after, and the jobs' retry
 * counts.
 */
@Tag("reliability")
class DatabaseOutageIT {

  private static final String PREFIX = "jqrel-outage-";
  private static final int NODES = 2;
  private static final int WORKERS = 4;
  private static final int MAX_RETRIES = 3;
  private static final long OUTAGE_MILLIS = 60_000;

  /**
   * The bound on connection attempts per minute per node while the database is away. Each node has
   * about seven threads that use the database (poller, completer, listener, lease renewal, rescue,
   * node heartbeat, pruning, health checks), here with a 100 ms poll interval and a 500 ms rescue
   * interval. Without backoff they would reconnect every few hundred milliseconds: thousands of
   * attempts a minute. HikariCP retries a failed connection with backoff up to 5 s, and the
   * listener backs off up to 30 s: about 15 attempts a minute.
   */
  private static final long ATTEMPTS_PER_MINUTE_PER_NODE_LIMIT = 60;

  /** The bound on log lines per minute per node during the outage: a line per failure would be */
  private static final long LOG_LINES_PER_MINUTE_PER_NODE_LIMIT = 60;

  private TestDatabase db;
  private String schema;
  private EngineTestSupport support;
  private TcpProxy proxy;
  private final List<JobQueueManager> managers = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Level jobqueueLevel;

  @BeforeEach
  void setUp() throws Exception {
    db = TestDatabase.get();
    schema = db.newSchema("dboutage");
    support = new EngineTestSupport(db, schema);
    support.migrate();
    proxy = TcpProxy.forJdbcUrl(db.jdbcUrl());
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger jobqueue = context.getLogger("dev.jobqueue");
    jobqueueLevel = jobqueue.getLevel();
    jobqueue.setLevel(Level.INFO);
    logs.setContext(context);
    logs.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logs);
    context.getLogger("dev.jobqueue").setLevel(jobqueueLevel);
    proxy.restore();
    for (int i = managers.size() - 1; i >= 0; i--) {
      managers.get(i).shutdown();
    }
    proxy.close();
    support.close();
    db.dropSchema(schema);
  }

  @Test
  void sixtySecondsWithoutTheDatabase() throws Exception {
    ExecutionLedger ledger = new ExecutionLedger(db.dataSource(), schema);
    HikariDataSource ledgerPool = support.newPool("rel-outage-ledger", 2 * NODES * WORKERS);
    List<JobQueueManager> nodes = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      String node = "outage-node-" + i;
      JobQueueManager manager =
          JobQueueManager.builder()
              .config(
                  EngineTestSupport.fastConfig(schema)
                      .nodeId(node)
                      .maxWorkers(WORKERS)
                      .minWorkers(WORKERS)
                      .leaseDuration(Duration.ofSeconds(5))
                      .build())
              .jdbcUrl(
                  TestDatabase.withApplicationName(proxy.rewrite(db.jdbcUrl()), PREFIX + node),
                  db.user(),
                  db.password())
              .handler(ledger.handler(node, ledgerPool, 5))
              .build();
      managers.add(manager);
      manager.initialize();
      nodes.add(manager);
    }
    JobQueueManager producer =
        db.managerBuilder(schema).handler(ledger.handler("producer", ledgerPool, 0)).build();
    managers.add(producer);
    producer.initialize();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> nodes.stream().allMatch(n -> n.workerPool().isListening()));
    ledger.enqueue(producer, 500, MAX_RETRIES);
    ExecutionLedger.Producer steady = ledger.produce(producer, 5, 100, MAX_RETRIES);

    List<Sample> health = new CopyOnWriteArrayList<>();
    long origin = System.nanoTime();
    Thread prober =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                long at = System.nanoTime();
                HealthCheckResult result = nodes.get(0).healthCheck();
                health.add(
                    new Sample(
                        TimeUnit.NANOSECONDS.toMillis(at - origin),
                        result.status(),
                        result.cluster().wakeup()));
                try {
                  Thread.sleep(
                      Math.max(0, 1_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - at)));
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "health-prober");
    prober.start();
    Thread.sleep(5_000);

    long runningAtCut = support.count("status = 'running'");
    long attemptsBefore = proxy.attempts();
    int logsBefore = logs.list.size();
    long cutAt = System.nanoTime();
    proxy.cut();
    Thread.sleep(OUTAGE_MILLIS);
    long attempts = proxy.attempts() - attemptsBefore;
    List<ILoggingEvent> outageLogs =
        new ArrayList<>(logs.list.subList(logsBefore, logs.list.size()));
    long pendingAtRestore = support.count("status = 'pending'");
    long restoredAt = System.nanoTime();
    long restoredDb = db.queryLong("select (extract(epoch from clock_timestamp()) * 1000)::bigint");
    proxy.restore();

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                ledger.scalar(
                        "select count(*) from {s}.rel_effect where at > to_timestamp("
                            + restoredDb
                            + " / 1000.0)")
                    > 0);
    long firstCompletion =
        ledger.scalar(
            "select round(extract(epoch from min(at) - to_timestamp("
                + restoredDb
                + " / 1000.0)) * 1000) from {s}.rel_effect where at > to_timestamp("
                + restoredDb
                + " / 1000.0)");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                health.stream()
                    .anyMatch(
                        s ->
                            s.millis > TimeUnit.NANOSECONDS.toMillis(restoredAt - origin)
                                && s.status == HealthStatus.HEALTHY));
    Thread.sleep(5_000);
    steady.close();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> ledger.unfinished() == 0);
    prober.interrupt();
    prober.join(10_000);
    ExecutionLedger.Result result = ledger.check();

    long cutMillis = TimeUnit.NANOSECONDS.toMillis(cutAt - origin);
    long restoreMillis = TimeUnit.NANOSECONDS.toMillis(restoredAt - origin);
    double minutes = OUTAGE_MILLIS / 60_000.0;
    Map<String, Integer> byLogger = new TreeMap<>();
    for (ILoggingEvent event : outageLogs) {
      byLogger.merge(event.getLevel() + " " + event.getLoggerName(), 1, Integer::sum);
    }
    long libraryLines =
        outageLogs.stream().filter(e -> e.getLoggerName().startsWith("dev.jobqueue")).count();
    // Health during: samples started 6 s after the cut (a check in flight at the cut answers
    // within the health check timeout of 5 s) and before the restore.
    List<Sample> during =
        health.stream()
            .filter(s -> s.millis > cutMillis + 6_000 && s.millis < restoreMillis)
            .toList();
    long healthyAfter =
        health.stream()
                .filter(s -> s.millis > restoreMillis && s.status == HealthStatus.HEALTHY)
                .mapToLong(s -> s.millis)
                .min()
                .orElse(Long.MAX_VALUE)
            - restoreMillis;
    long retried =
        result.retryCounts().entrySet().stream()
            .filter(e -> e.getKey() > 0)
            .mapToLong(Map.Entry::getValue)
            .sum();

    System.out.printf(
        "RELIABILITY database-outage: %d nodes x %d workers behind a TCP proxy cut for %d s;"
            + " connection attempts at the proxy %d (%.1f/min, %.1f/min per node, limit %d);"
            + " log lines %d (%.1f/min, library %.1f/min per node, limit %d) by logger %s;"
            + " health during the outage %s (%d samples), healthy %d ms after the restore;"
            + " first completion %d ms after the restore; %d jobs running at the cut, %d pending"
            + " at the restore; retried jobs %d (max retry_count %d); %s%n",
        NODES,
        WORKERS,
        OUTAGE_MILLIS / 1000,
        attempts,
        attempts / minutes,
        attempts / minutes / NODES,
        ATTEMPTS_PER_MINUTE_PER_NODE_LIMIT,
        outageLogs.size(),
        outageLogs.size() / minutes,
        libraryLines / minutes / NODES,
        LOG_LINES_PER_MINUTE_PER_NODE_LIMIT,
        byLogger,
        during.stream().map(s -> s.status.wireName()).distinct().toList(),
        during.size(),
        healthyAfter,
        firstCompletion,
        runningAtCut,
        pendingAtRestore,
        retried,
        result.maxRetryCount(),
        result.summary());

    assertThat(attempts).as("the nodes tried to reconnect").isPositive();
    assertThat(attempts / minutes / NODES).isLessThanOrEqualTo(ATTEMPTS_PER_MINUTE_PER_NODE_LIMIT);
    assertThat(libraryLines / minutes / NODES)
        .isLessThanOrEqualTo(LOG_LINES_PER_MINUTE_PER_NODE_LIMIT);
    assertThat(during).hasSizeGreaterThanOrEqualTo(5);
    assertThat(during).allMatch(s -> s.status == HealthStatus.UNHEALTHY);
    assertThat(healthyAfter).isLessThanOrEqualTo(30_000);
    assertThat(result.failed()).as("jobs failed").isZero();
    assertThat(result.lost()).as("accepted jobs lost").isZero();
    assertThat(result.duplicates()).as("duplicate executions").isZero();
    assertThat(result.maxRetryCount()).as("retries consumed by the outage").isLessThanOrEqualTo(1);
  }

  private record Sample(long millis, HealthStatus status, String wakeup) {}
}
