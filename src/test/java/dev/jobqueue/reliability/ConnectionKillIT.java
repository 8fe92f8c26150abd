package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 4 of the reliability suite: {@code pg_terminate_backend} on every library connection
 * (each node's pool, its LISTEN connection, the producer's pool) every 5 s for 60 s, while three
 * nodes run thousands of short jobs and a producer keeps enqueueing. No accepted job may be lost,
 * none may run twice, and the backlog must drain within 5 s of the last kill.
 *
 * <p>The nodes are managers in this JVM, each with the pool the library creates from a JDBC URL;
 * the URL's {@code ApplicationName} ({@code jqrel-kill-*}) is what the killer selects on in {@code
 * pg_stat_activity}.
 */
@Tag("reliability")
class ConnectionKillIT {

  private static final String PREFIX = "jqrel-kill-";
  private static final int NODES = 3;
  private static final int WORKERS = 4;
  private static final int MAX_RETRIES = 30;
  private static final int INITIAL_JOBS = 3_000;
  private static final int BATCH = 20;
  private static final long BATCH_EVERY_MILLIS = 100;
  private static final long KILL_EVERY_MILLIS = 5_000;
  private static final int KILL_ROUNDS = 13; // at 0, 5, ..., 60 s
  private static final long RECOVERY_LIMIT_MILLIS = 5_000;

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perTest().migrated();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();

  @Test
  void killingEveryLibraryConnectionLosesAndDuplicatesNothing() throws Exception {
    InProcessLoad load = new InProcessLoad(db.dataSource(), schema, 0);
    Ledger ledger = load.ledger();
    String effects = ledger.q("side_effects");
    String jobs = ledger.q("jobs");
    HikariDataSource ledgerPool = jobqueue.newPool("rel-kill-ledger", 2 * NODES * WORKERS);
    List<JobQueueManager> nodes = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      String node = "kill-node-" + i;
      JobQueueConfig config =
          EngineTestSupport.fastConfig(schema)
              .nodeId(node)
              .maxWorkers(WORKERS)
              .minWorkers(WORKERS)
              .leaseDuration(Duration.ofSeconds(2))
              .build();
      nodes.add(
          started(
              JobQueueManager.builder()
                  .config(config)
                  .jdbcUrl(db.jdbcUrl(PREFIX + node), db.user(), db.password())
                  .handler(ledger.handler(node, ledgerPool))));
    }
    JobQueueManager producer =
        started(
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(schema).runWorkers(false).build())
                .jdbcUrl(db.jdbcUrl(PREFIX + "producer"), db.user(), db.password())
                .handler(ledger.handler("producer", ledgerPool)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> nodes.stream().allMatch(n -> n.workerPool().isListening()));

    load.enqueue(producer, INITIAL_JOBS, MAX_RETRIES);
    InProcessLoad.Producer steady = load.produce(producer, BATCH, BATCH_EVERY_MILLIS, MAX_RETRIES);
    Thread.sleep(3_000);
    long warmFrom = dbMillis();
    long warmEffects = load.effects();
    Thread.sleep(2_000);
    double baselineRate = (load.effects() - warmEffects) * 1000.0 / (dbMillis() - warmFrom);

    long firstKill = 0;
    long lastKill = 0;
    long killed = 0;
    long minPerRound = Long.MAX_VALUE;
    int listeningBeforeKill = 0;
    long effectsBefore = load.effects();
    long start = System.nanoTime();
    for (int round = 0; round < KILL_ROUNDS; round++) {
      long due = start + round * KILL_EVERY_MILLIS * 1_000_000;
      long sleep = (due - System.nanoTime()) / 1_000_000;
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
      for (JobQueueManager node : nodes) {
        listeningBeforeKill += node.workerPool().isListening() ? 1 : 0;
      }
      long[] kill = killLibraryConnections();
      lastKill = kill[0];
      firstKill = round == 0 ? kill[0] : firstKill;
      killed += kill[1];
      minPerRound = Math.min(minPerRound, kill[1]);
    }
    double faultRate = (load.effects() - effectsBefore) * 1000.0 / (lastKill - firstKill);
    Thread.sleep(8_000);
    steady.close();

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> load.unfinished() == 0);
    // Recovery: from the last kill until (a) every job created before it has completed (the
    // backlog, the attempts it killed and the claims whose reply it lost included) and (b) the
    // completions of a whole second are back to 90 % of the producer's rate.
    String at = "to_timestamp(" + lastKill + " / 1000.0)";
    long drained =
        Math.max(
            0,
            ledger.queryLong(
                "select coalesce(round(extract(epoch from max(e.at) - "
                    + at
                    + ") * 1000), 0) from "
                    + effects
                    + " e join "
                    + jobs
                    + " j on j.id = e.job_id"
                    + " where j.created_at <= "
                    + at));
    long producerRate = BATCH * 1000 / BATCH_EVERY_MILLIS;
    long rateBack = -1;
    for (long t = 0; t <= 7_000 && rateBack < 0; t += 100) {
      long window =
          ledger.queryLong(
              "select count(*) from "
                  + effects
                  + " where at >= "
                  + at
                  + " + interval '"
                  + t
                  + " milliseconds' and at < "
                  + at
                  + " + interval '"
                  + (t + 1_000)
                  + " milliseconds'");
      if (window >= producerRate * 9 / 10) {
        rateBack = t;
      }
    }
    long firstAfter =
        ledger.queryLong(
            "select coalesce(round(extract(epoch from min(at) - "
                + at
                + ") * 1000), 999999) from "
                + effects
                + " where at > "
                + at);
    long recovery =
        rateBack < 0 ? Long.MAX_VALUE : Math.max(firstAfter, Math.max(drained, rateBack));
    // The longest pause between two completions anywhere in the kill period.
    long longestPause =
        ledger.queryLong(
            "select coalesce(round(max(gap)), 0) from (select extract(epoch from at - lag(at)"
                + " over (order by at)) * 1000 as gap from "
                + effects
                + " where at between"
                + " to_timestamp("
                + firstKill
                + " / 1000.0) and "
                + at
                + " + interval '5 seconds') x");
    List<Long> perSecondAfter = new ArrayList<>();
    for (int s = 0; s < 6; s++) {
      perSecondAfter.add(
          ledger.queryLong(
              "select count(*) from "
                  + effects
                  + " where at >= "
                  + at
                  + " + interval '"
                  + s
                  + " seconds' and at < "
                  + at
                  + " + interval '"
                  + (s + 1)
                  + " seconds'"));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> nodes.stream().allMatch(n -> n.workerPool().isListening()));
    InProcessLoad.Result result = load.check();

    System.out.printf(
        "RELIABILITY connection-kills: %d nodes x %d workers, kills every %d s for %d s (%d"
            + " rounds, %d backends terminated, min %d per round; listeners connected before a"
            + " kill %d/%d); recovery %d ms (limit %d; first completion after the last kill %d ms,"
            + " backlog of the last kill drained after %d ms, completions back to 90%% of the"
            + " producer rate after %d ms); longest pause between completions during the kill"
            + " period %d ms; completions/s baseline %.0f, during kills %.0f, per second after"
            + " the last kill %s; producer %d jobs/s, enqueues failed by kills %d; %s%n",
        NODES,
        WORKERS,
        KILL_EVERY_MILLIS / 1000,
        (KILL_ROUNDS - 1) * KILL_EVERY_MILLIS / 1000,
        KILL_ROUNDS,
        killed,
        minPerRound,
        listeningBeforeKill,
        KILL_ROUNDS * NODES,
        recovery,
        RECOVERY_LIMIT_MILLIS,
        firstAfter,
        drained,
        rateBack,
        longestPause,
        baselineRate,
        faultRate,
        perSecondAfter,
        producerRate,
        steady.failures(),
        result.summary());

    assertThat(minPerRound).as("library backends terminated in each round").isGreaterThan(NODES);
    assertThat(result.lost()).as("accepted jobs lost").isZero();
    assertThat(result.duplicates()).as("duplicate executions").isZero();
    assertThat(result.sameAttemptTwice()).as("attempts executed twice").isZero();
    assertThat(result.missingEffects()).as("completed jobs without side effect").isZero();
    assertThat(result.failed()).as("jobs failed").isZero();
    assertThat(result.accepted()).isGreaterThan(INITIAL_JOBS + 5_000);
    assertThat(recovery)
        .as("recovery after the last kill, ms")
        .isLessThanOrEqualTo(RECOVERY_LIMIT_MILLIS);
  }

  private JobQueueManager started(JobQueueManager.Builder builder) {
    return jobqueue.start(builder);
  }

  /** Terminates every library backend; returns the database time (epoch ms) and the count. */
  private long[] killLibraryConnections() throws SQLException {
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "with k as (select pg_terminate_backend(pid) as done from pg_stat_activity where"
                    + " application_name like '"
                    + PREFIX
                    + "%' and pid <> pg_backend_pid()) select (extract(epoch from"
                    + " clock_timestamp()) * 1000)::bigint, count(*) filter (where done) from k")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private long dbMillis() {
    return db.queryLong("select (extract(epoch from clock_timestamp()) * 1000)::bigint");
  }
}
