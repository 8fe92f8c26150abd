package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.Schedule;
import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.internal.WallClock;
import dev.jobqueue.testing.OccurrenceRows;
import dev.jobqueue.testing.OccurrenceRows.Row;
import dev.jobqueue.testing.ScheduleNode;
import dev.jobqueue.testing.ScheduleNode.Ran;
import dev.jobqueue.testing.ScheduleNode.Settings;
import dev.jobqueue.testing.ScheduleNode.Tick;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Schedules led by nodes whose wall clock is wrong: a worker JVM 10 minutes ahead leads an
 * every-second schedule, next to one 10 minutes behind ({@value WallClock#SKEW_PROPERTY}, see
 * {@code ClockSkewIT}); the one ahead shuts down and the one behind takes over. Every occurrence
 * from the first to the last has exactly one job, none created before its occurrence by the
 * database clock and none more than 2.5 s after it, under either leader and across the handover;
 * each handler is handed its job's occurrence.
 */
@Tag("reliability")
class ScheduleClockSkewIT {

  private static final long SKEW = Duration.ofMinutes(10).toMillis();
  private static final Duration RUN = Duration.ofSeconds(8);
  private static final long MAX_LATENESS_MS = 2_500;

  private final TestDatabase db = TestDatabase.get();
  private final List<Child> children = new ArrayList<>();
  private String schema;
  private JobQueueManager owner;

  @AfterEach
  void tearDown() {
    children.forEach(Child::close);
    if (owner != null) {
      owner.shutdown();
    }
    if (schema != null) {
      db.dropSchema(schema);
    }
  }

  @Test
  void skewedLeadersEnqueueEachOccurrenceOnceAndOnTimeByTheDatabaseClock() throws Exception {
    long t0 = System.nanoTime();
    schema = db.newSchema(getClass().getSimpleName());
    owner =
        db.managerBuilder(schema)
            .handler(JobHandler.of(ScheduleNode.TYPE, Tick.class, (t, ctx) -> null))
            .build();
    owner.initialize();
    DataSource ds = db.dataSource();
    Settings base = Settings.of("skew").withLease(Duration.ofSeconds(4));
    Child ahead =
        ScheduleNode.launch(db, schema, base.withNodeId("ahead").withClockSkewMillis(SKEW));
    children.add(ahead);
    ahead.awaitReady(Duration.ofSeconds(60));
    assertThat(awaitLeader(ds, null)).isEqualTo("ahead");
    Child behind =
        ScheduleNode.launch(db, schema, base.withNodeId("behind").withClockSkewMillis(-SKEW));
    children.add(behind);
    behind.awaitReady(Duration.ofSeconds(60));
    Instant dbNow = ScheduleNode.dbNow(ds);
    List<String> clocks = new ArrayList<>();
    for (Child child : children) {
      long clock = Long.parseLong(child.lines("CLOCK ").get(0).substring("CLOCK ".length()));
      long offset = clock - dbNow.toEpochMilli();
      clocks.add(child.nodeId() + " " + offset / 1000 + " s");
      long expected = child == ahead ? SKEW : -SKEW;
      assertThat(offset).as(child.nodeId()).isBetween(expected - 90_000, expected + 5_000);
    }

    Instant anchor = ScheduleNode.dbNow(ds).truncatedTo(ChronoUnit.SECONDS);
    owner.addSchedule(
        Schedule.every("skewed", Duration.ofSeconds(1), CreateJobOptions.of("tick", new Tick(1)))
            .anchor(anchor)
            .build());
    Thread.sleep(RUN.toMillis());
    assertThat(ScheduleNode.leader(ds, schema)).contains("ahead");
    Instant handoverFrom = ScheduleNode.dbNow(ds);
    ahead.send("SHUTDOWN");
    assertThat(ahead.awaitExit(Duration.ofSeconds(30))).isZero();
    assertThat(awaitLeader(ds, "ahead")).isEqualTo("behind");
    Instant electedAt = ScheduleNode.electedAt(ds, schema).orElseThrow();
    Thread.sleep(RUN.toMillis());
    assertThat(ScheduleNode.leader(ds, schema)).contains("behind");
    owner.pauseSchedule("skewed");

    OccurrenceRows occurrences = new OccurrenceRows(ds, schema);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (occurrences.of("skewed").stream().anyMatch(r -> !"completed".equals(r.status()))
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);

    List<Row> rows = occurrences.of("skewed");
    ScheduleInfo info = owner.getSchedule("skewed").orElseThrow();
    Map<String, Instant> stored =
        rows.stream().collect(Collectors.toMap(r -> String.valueOf(r.id()), Row::occurrenceAt));
    List<Ran> ran = ScheduleNode.ran(children);
    long distinct = rows.stream().map(Row::occurrenceAt).distinct().count();
    Instant first = rows.get(0).occurrenceAt();
    Instant last = rows.get(rows.size() - 1).occurrenceAt();
    long missing = Duration.between(first, last).toSeconds() + 1 - distinct;
    long early = rows.stream().filter(r -> r.createdAt().isBefore(r.occurrenceAt())).count();
    long startedEarly =
        rows.stream()
            .filter(r -> r.startedAt() == null || r.startedAt().isBefore(r.occurrenceAt()))
            .count();
    long maxLateness = rows.stream().mapToLong(ScheduleClockSkewIT::lateness).max().orElse(-1);
    long minLateness = rows.stream().mapToLong(ScheduleClockSkewIT::lateness).min().orElse(-1);
    long byAhead = rows.stream().filter(r -> r.createdAt().isBefore(handoverFrom)).count();
    long byBehind = rows.stream().filter(r -> !r.createdAt().isBefore(electedAt)).count();
    long maxAhead =
        rows.stream()
            .filter(r -> r.createdAt().isBefore(handoverFrom))
            .mapToLong(ScheduleClockSkewIT::lateness)
            .max()
            .orElse(-1);
    long maxBehind =
        rows.stream()
            .filter(r -> !r.createdAt().isBefore(electedAt))
            .mapToLong(ScheduleClockSkewIT::lateness)
            .max()
            .orElse(-1);
    long wrongOccurrence =
        ran.stream().filter(r -> !r.occurrenceAt().equals(stored.get(r.jobId()))).count();
    System.out.printf(
        "RELIABILITY schedule-clock-skew: child wall clocks vs database %s; an every-second"
            + " schedule led %d s by the node ahead, then by the one behind (elected %d ms after"
            + " the other's shutdown began); %d s; jobs %d (%d under the node ahead, %d under the"
            + " one behind), missing %d, doubled %d, created before their occurrence %d, started"
            + " before it %d; lateness min %d ms, max %d ms (ahead %d ms, behind %d ms); handlers"
            + " handed another occurrence %d%n",
        clocks,
        RUN.toSeconds(),
        Duration.between(handoverFrom, electedAt).toMillis(),
        seconds,
        rows.size(),
        byAhead,
        byBehind,
        missing,
        rows.size() - distinct,
        early,
        startedEarly,
        minLateness,
        maxLateness,
        maxAhead,
        maxBehind,
        wrongOccurrence);

    assertThat(missing).as("occurrences without a job").isZero();
    assertThat(rows.size() - distinct).as("occurrences with two jobs").isZero();
    assertThat(early).as("jobs created before their occurrence").isZero();
    assertThat(startedEarly).as("jobs not started, or started before their occurrence").isZero();
    assertThat(maxLateness).as("lateness, ms").isLessThanOrEqualTo(MAX_LATENESS_MS);
    assertThat(byAhead)
        .as("jobs the node ahead enqueued")
        .isGreaterThanOrEqualTo(RUN.toSeconds() - 2);
    assertThat(byBehind)
        .as("jobs the node behind enqueued")
        .isGreaterThanOrEqualTo(RUN.toSeconds() - 2);
    assertThat(first).isAfter(info.createdAt()).isBeforeOrEqualTo(info.createdAt().plusSeconds(1));
    assertThat(info.skips()).isZero();
    assertThat(info.catchUps()).isZero();
    assertThat(info.runs()).isEqualTo(rows.size());
    assertThat(ran.stream().map(Ran::jobId).distinct().count()).isEqualTo(rows.size());
    assertThat(wrongOccurrence).as("handlers handed another occurrence").isZero();
  }

  private static long lateness(Row r) {
    return Duration.between(r.occurrenceAt(), r.createdAt()).toMillis();
  }

  /** Waits until a node other than {@code not} holds the lease; returns its id. */
  private String awaitLeader(DataSource ds, String not) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Optional<String> leader = ScheduleNode.leader(ds, schema);
      if (leader.isPresent() && !leader.get().equals(not)) {
        return leader.get();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader other than " + not + " after 30 s");
  }
}
