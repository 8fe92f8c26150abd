package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 7 of the reliability suite: only the LISTEN connection's backend is terminated. The node
 * must notice, fall back to polling at its {@code pollInterval}, and listen again.
 *
 * <p>The worker node polls every 3 s, and the jobs come from another manager (a producer that runs
 * no workers), so a job starts within milliseconds only when NOTIFY wakes the node; during the
 * fallback its pickup waits for the next poll. To hold the fallback open long enough to measure it,
 * every new LISTEN backend is terminated as soon as it appears for 12 s; then the listener is left
 * alone and must come back. The listener's backends are found by wrapping the node's data source
 * ({@link EngineTestSupport#observingListen}), which reports the backend pid of each connection
 * that runs {@code LISTEN}.
 */
@Tag("reliability")
class ListenerKillIT {

  record Ping(int n) {}

  private static final Duration POLL = Duration.ofSeconds(3);
  private static final long FALLBACK_MILLIS = 12_000;
  private static final long JOB_EVERY_MILLIS = 600;
  private static final long NOTIFY_PICKUP_LIMIT_MILLIS = 1_000;
  private static final long DETECTION_LIMIT_MILLIS = 3_000;

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perTest().migrated();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  @Test
  void killedListenerFallsBackToPollingAndListensAgain() throws Exception {
    JobHandler<Ping> ping = JobHandler.of("ping", Ping.class, (payload, ctx) -> null);
    List<Integer> listenerPids = new CopyOnWriteArrayList<>();
    JobQueueManager node =
        jobqueue.start(
            EngineTestSupport.fastConfig(schema).pollInterval(POLL).maxWorkers(2).build(),
            EngineTestSupport.observingListen(
                jobqueue.newPool("rel-listener-node", 12), listenerPids::add),
            ping);
    JobQueueManager producer =
        jobqueue.start(
            JobQueueConfig.builder().schema(schema).runWorkers(false).build(),
            db.dataSource(),
            ping);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.workerPool().isListening());
    AtomicInteger seq = new AtomicInteger();

    // Before: NOTIFY wakes the node.
    List<Long> before = pickups(runSequentially(producer, seq, 10));

    // Fallback: terminate the listener's backend, and every new one for FALLBACK_MILLIS.
    int firstPid = listenerPids.get(listenerPids.size() - 1);
    long killedAt = System.nanoTime();
    terminate(firstPid);
    await()
        .atMost(Duration.ofMillis(DETECTION_LIMIT_MILLIS))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> !node.workerPool().isListening());
    long detectedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    Set<String> wakeupDuringFallback = new TreeSet<>();
    AtomicInteger relistensKilled = new AtomicInteger();
    Thread killer =
        new Thread(
            () -> {
              int seen = listenerPids.size();
              long end = killedAt + FALLBACK_MILLIS * 1_000_000;
              while (System.nanoTime() < end) {
                while (seen < listenerPids.size()) {
                  terminate(listenerPids.get(seen++));
                  relistensKilled.incrementAndGet();
                }
                sleep(5);
              }
            },
            "listener-killer");
    killer.start();
    List<String> fallbackIds = new ArrayList<>();
    int listeningAtCreate = 0;
    while (System.nanoTime() - killedAt < (FALLBACK_MILLIS - POLL.toMillis() - 500) * 1_000_000) {
      listeningAtCreate += node.workerPool().isListening() ? 1 : 0;
      fallbackIds.add(producer.createJob(CreateJobOptions.of("ping", new Ping(seq.get()))));
      wakeupDuringFallback.add(node.healthCheck().cluster().wakeup());
      Thread.sleep(JOB_EVERY_MILLIS + seq.incrementAndGet() % 7 * 37);
    }
    killer.join();
    long fallbackEnded = System.nanoTime();
    awaitCompleted(fallbackIds);
    List<Long> during = pickups(fallbackIds);

    // After: the listener is left alone and must listen again.
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> node.workerPool().isListening());
    long relistenMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fallbackEnded);
    int newPid = listenerPids.get(listenerPids.size() - 1);
    long backendAlive = db.queryLong("select count(*) from pg_stat_activity where pid = " + newPid);
    String wakeupAfter = node.healthCheck().cluster().wakeup();
    List<Long> after = pickups(runSequentially(producer, seq, 10));

    System.out.printf(
        "RELIABILITY listener-kill: pollInterval %d ms; detected in %d ms; fallback held %d s"
            + " (%d re-LISTEN backends terminated); listening again %d ms after the kills"
            + " stopped (new backend %d in pg_stat_activity: %d; health wakeup during %s, after"
            + " %s); pickup ms before (NOTIFY) %s; during fallback (polling, %d jobs, node"
            + " listening at creation %d) mean %d max %d %s; after re-listening %s%n",
        POLL.toMillis(),
        detectedMillis,
        FALLBACK_MILLIS / 1000,
        relistensKilled.get(),
        relistenMillis,
        newPid,
        backendAlive,
        wakeupDuringFallback,
        wakeupAfter,
        stats(before),
        during.size(),
        listeningAtCreate,
        Math.round(during.stream().mapToLong(Long::longValue).average().orElse(0)),
        during.stream().mapToLong(Long::longValue).max().orElse(0),
        during,
        stats(after));

    assertThat(detectedMillis).isLessThanOrEqualTo(DETECTION_LIMIT_MILLIS);
    assertThat(relistensKilled.get()).as("the listener tried to listen again").isPositive();
    assertThat(wakeupDuringFallback).contains("polling");
    assertThat(before).allMatch(ms -> ms <= NOTIFY_PICKUP_LIMIT_MILLIS);
    assertThat(during).hasSizeGreaterThanOrEqualTo(8);
    // Picked up by polling: within one poll interval (plus claim time), and not all at once.
    assertThat(during).allMatch(ms -> ms <= POLL.toMillis() + 1_000);
    assertThat(during.stream().mapToLong(Long::longValue).max().orElseThrow())
        .isGreaterThan(NOTIFY_PICKUP_LIMIT_MILLIS);
    assertThat(backendAlive).as("the new LISTEN backend is connected").isEqualTo(1);
    assertThat(wakeupAfter).isEqualTo("notify");
    assertThat(after).allMatch(ms -> ms <= NOTIFY_PICKUP_LIMIT_MILLIS);
  }

  /** Creates jobs one at a time, each after the previous one completed. */
  private List<String> runSequentially(JobQueueManager producer, AtomicInteger seq, int count)
      throws InterruptedException {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = producer.createJob(CreateJobOptions.of("ping", new Ping(seq.incrementAndGet())));
      ids.add(id);
      awaitCompleted(List.of(id));
      Thread.sleep(100 + i * 23 % 200);
    }
    return ids;
  }

  private void awaitCompleted(List<String> ids) {
    String list = String.join(",", ids);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> rows.count("id in (" + list + ") and status = 'completed'") == ids.size());
  }

  /** Pickup latency of each job: claim time minus creation time, by the database clock. */
  private List<Long> pickups(List<String> ids) {
    List<Long> millis = new ArrayList<>();
    for (String id : ids) {
      millis.add(rows.millisBetween(id, "created_at", "started_at"));
    }
    return millis;
  }

  private static String stats(List<Long> values) {
    return "mean "
        + Math.round(values.stream().mapToLong(Long::longValue).average().orElse(0))
        + " max "
        + values.stream().mapToLong(Long::longValue).max().orElse(0)
        + " "
        + values;
  }

  private void terminate(int pid) {
    db.queryLong("select count(*) from (select pg_terminate_backend(" + pid + ")) t");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
