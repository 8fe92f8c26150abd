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
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.TcpProxy;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Scenario 6 of the reliability suite: the database is unreachable for 60 s under load. The nodes
 * reach PostgreSQL through a {@link TcpProxy} in this JVM; the cut closes their connections and
 * refuses new ones (accepted and reset at once, the fastest failure, so the one that would show a
 * missing backoff most). The producer and the ledger talk to the server directly, as other parts of
 * an application would, so jobs keep arriving during the outage.
 *
 * <p>Each node has a proxy of its own, so that its attempts can be counted apart. Figures:
 * connection attempts per minute at the proxies, log lines per minute (every logback event, with
 * {@code dev.jobqueue} at INFO), the health check during and after, and the jobs' retry counts.
 */
@Tag("reliability")
class DatabaseOutageIT {

  private static final String PREFIX = "jqrel-outage-";
  private static final int NODES = 3;
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

  /**
   * The bound on the library's log lines per minute per node during the outage. A line per failed
   * attempt would be hundreds a minute on the fail-fast node (its poller alone retries every 500
   * ms, its rescue every 500 ms). Each loop logs the first failure of a streak, a reminder a
   * minute, and its recovery; the listener logs attempts 1, 2, 4, 8...: about a dozen lines.
   */
  private static final long LOG_LINES_PER_MINUTE_PER_NODE_LIMIT = 30;

  /**
   * The bounds for the node on the fail-fast pool. Once they back off, its poller, rescue,
   * heartbeat, statistics, pruning and completer each ask the pool for a connection at most every 5
   * s (12 a minute each), the listener every 30 s at most, and the leader election at its own pace
   * (50 a minute measured in every run); lease renewal keeps its pace of {@code leaseDuration / 3}
   * (36 a minute here) while the node holds jobs whose outcomes wait to be written, and a worker
   * whose job ended asks once: about 180 a minute when jobs were running at the cut (176 measured),
   * about 110 when none were. Without backoff the poller and the rescue alone asked every 500 ms
   * (240 a minute). HikariCP then tries to connect every {@code connectionTimeout / 2} (125 ms)
   * while a request waits, two or three TCP attempts per request: 345 a minute were measured before
   * the loops backed off, and the bound stays well under the 600 a minute of one attempt every 100
   * ms.
   */
  private static final long FAIL_FAST_REQUESTS_PER_MINUTE_LIMIT = 220;

  private static final long FAIL_FAST_ATTEMPTS_PER_MINUTE_LIMIT = 450;

  private final Map<String, AtomicLong> failFastByThread = new ConcurrentHashMap<>();

  private final AtomicLong failFastRequests = new AtomicLong();

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perTest().migrated();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final List<TcpProxy> proxies = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Level jobqueueLevel;

  @BeforeEach
  void setUp() throws Exception {
    for (int i = 0; i < NODES; i++) {
      proxies.add(TcpProxy.forJdbcUrl(db.jdbcUrl()));
    }
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
    proxies.forEach(TcpProxy::restore);
    jobqueue.support().close(); // the nodes, then their pools, while the proxies still forward
    proxies.forEach(TcpProxy::close);
  }

  @Test
  void sixtySecondsWithoutTheDatabase() throws Exception {
    InProcessLoad load = new InProcessLoad(db.dataSource(), schema, 5);
    Ledger ledger = load.ledger();
    String effects = ledger.q("side_effects");
    HikariDataSource ledgerPool = jobqueue.newPool("rel-outage-ledger", 2 * NODES * WORKERS);
    List<JobQueueManager> nodes = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      String node = "outage-node-" + i;
      String url =
          TestDatabase.withApplicationName(proxies.get(i - 1).rewrite(db.jdbcUrl()), PREFIX + node);
      JobQueueManager.Builder builder =
          JobQueueManager.builder()
              .config(
                  EngineTestSupport.fastConfig(schema)
                      .nodeId(node)
                      .maxWorkers(WORKERS)
                      .minWorkers(WORKERS)
                      .leaseDuration(Duration.ofSeconds(5))
                      .build())
              .handler(ledger.handler(node, ledgerPool));
      if (i < NODES) {
        // The pool the library creates from a URL (10 s connection timeout).
        builder.jdbcUrl(url, db.user(), db.password());
      } else {
        // The last node gets the application's own pool, one that fails fast (250 ms): every
        // loop of the node then fails at its own pace, which shows whether each backs off and
        // whether each failure is logged.
        builder.dataSource(
            EngineTestSupport.countingConnections(
                jobqueue.newPool(
                    "rel-outage-failfast",
                    WORKERS + 8,
                    config -> {
                      config.setJdbcUrl(url);
                      config.setConnectionTimeout(250);
                    }),
                thread -> {
                  failFastRequests.incrementAndGet();
                  failFastByThread
                      .computeIfAbsent(thread.replaceAll("-\\d+$", ""), t -> new AtomicLong())
                      .incrementAndGet();
                }));
      }
      nodes.add(jobqueue.start(builder));
    }
    JobQueueManager producer =
        jobqueue.start(db.managerBuilder(schema).handler(ledger.handler("producer", ledgerPool)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> nodes.stream().allMatch(n -> n.workerPool().isListening()));
    load.enqueue(producer, 500, MAX_RETRIES);
    InProcessLoad.Producer steady = load.produce(producer, 5, 100, MAX_RETRIES);

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

    long runningAtCut = rows.count("status = 'running'");
    long[] attemptsBefore = proxies.stream().mapToLong(TcpProxy::attempts).toArray();
    long requestsBefore = failFastRequests.get();
    failFastByThread.clear();
    int logsBefore = logs.list.size();
    long cutAt = System.nanoTime();
    proxies.forEach(TcpProxy::cut);
    Thread.sleep(OUTAGE_MILLIS);
    List<Long> attemptsPerNode = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      attemptsPerNode.add(proxies.get(i).attempts() - attemptsBefore[i]);
    }
    long attempts = attemptsPerNode.stream().mapToLong(Long::longValue).sum();
    long requests = failFastRequests.get() - requestsBefore;
    Map<String, Long> requestsByThread = new TreeMap<>();
    failFastByThread.forEach((thread, n) -> requestsByThread.put(thread, n.get()));
    List<ILoggingEvent> outageLogs =
        new ArrayList<>(logs.list.subList(logsBefore, logs.list.size()));
    long pendingAtRestore = rows.count("status = 'pending'");
    long restoredAt = System.nanoTime();
    long restoredDb = db.queryLong("select (extract(epoch from clock_timestamp()) * 1000)::bigint");
    proxies.forEach(TcpProxy::restore);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                ledger.queryLong(
                        "select count(*) from "
                            + effects
                            + " where at > to_timestamp("
                            + restoredDb
                            + " / 1000.0)")
                    > 0);
    long firstCompletion =
        ledger.queryLong(
            "select round(extract(epoch from min(at) - to_timestamp("
                + restoredDb
                + " / 1000.0)) * 1000) from "
                + effects
                + " where at > to_timestamp("
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
        .until(() -> load.unfinished() == 0);
    prober.interrupt();
    prober.join(10_000);
    InProcessLoad.Result result = load.check();

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
        "RELIABILITY database-outage: %d nodes x %d workers behind TCP proxies cut for %d s"
            + " (nodes 1-%d on the library's own pool, node %d on a pool with a 250 ms"
            + " connection timeout); connection attempts at the proxies %d (%.1f/min; per node"
            + " %s in %d s; limit %d/min on the library's pool, %d/min on the fail-fast one,"
            + " which asked its pool for a connection %d times, limit %d, by thread %s);"
            + " log lines %d (%.1f/min, library %.1f/min per node, limit %d) by logger %s;"
            + " health during the outage %s (%d samples), healthy %d ms after the restore;"
            + " first completion %d ms after the restore; %d jobs running at the cut, %d pending"
            + " at the restore; retried jobs %d (max retry_count %d); %s%n",
        NODES,
        WORKERS,
        OUTAGE_MILLIS / 1000,
        NODES - 1,
        NODES,
        attempts,
        attempts / minutes,
        attemptsPerNode,
        OUTAGE_MILLIS / 1000,
        ATTEMPTS_PER_MINUTE_PER_NODE_LIMIT,
        FAIL_FAST_ATTEMPTS_PER_MINUTE_LIMIT,
        requests,
        FAIL_FAST_REQUESTS_PER_MINUTE_LIMIT,
        requestsByThread,
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
    assertThat(attemptsPerNode.subList(0, NODES - 1))
        .allMatch(n -> n / minutes <= ATTEMPTS_PER_MINUTE_PER_NODE_LIMIT);
    assertThat(attemptsPerNode.get(NODES - 1) / minutes)
        .isLessThanOrEqualTo(FAIL_FAST_ATTEMPTS_PER_MINUTE_LIMIT);
    assertThat(requests / minutes).isLessThanOrEqualTo(FAIL_FAST_REQUESTS_PER_MINUTE_LIMIT);
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
