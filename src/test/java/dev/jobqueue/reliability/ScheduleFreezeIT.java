package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.Schedule;
import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.testing.OccurrenceRows;
import dev.jobqueue.testing.OccurrenceRows.Row;
import dev.jobqueue.testing.ScheduleNode;
import dev.jobqueue.testing.ScheduleNode.Settings;
import dev.jobqueue.testing.ScheduleNode.Tick;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A leader frozen inside a look: SIGSTOP lands on the leading JVM while one of its look
 * transactions holds a schedule's row lock (found in {@code pg_locks}), and the JVM stays stopped
 * for 12 s, longer than the lease (2 s) and than {@code missedRunThreshold} (5 s). The other node
 * takes the lease and must go on enqueueing every schedule, the one whose row the frozen
 * transaction locked included: no occurrence is skipped, none is missing, none has two jobs. The
 * same holds for a leader cut off from the database by the network in the middle of a look.
 */
@Tag("reliability")
class ScheduleFreezeIT {

  private static final int SCHEDULES = 10;
  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final Duration THRESHOLD = Duration.ofSeconds(5);
  private static final Duration FREEZE = Duration.ofSeconds(12);

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
  void aLeaderFrozenInALookDoesNotHoldItsScheduleBack() throws Exception {
    schema = db.newSchema(getClass().getSimpleName());
    owner =
        db.managerBuilder(schema)
            .handler(JobHandler.of(ScheduleNode.TYPE, Tick.class, (t, ctx) -> null))
            .build();
    owner.initialize();
    DataSource ds = db.dataSource();
    Settings base = Settings.of("fz").withLease(LEASE).withMissedRunThreshold(THRESHOLD);
    for (String id : List.of("fz-0", "fz-1")) {
      children.add(ScheduleNode.launch(db, schema, base.withNodeId(id)));
    }
    for (Child child : children) {
      child.awaitReady(Duration.ofSeconds(60));
    }
    Instant anchor = ScheduleNode.dbNow(ds).truncatedTo(ChronoUnit.SECONDS);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < SCHEDULES; i++) {
      names.add("frozen-" + i);
      owner.addSchedule(
          Schedule.every(
                  names.get(i), Duration.ofSeconds(1), CreateJobOptions.of("tick", new Tick(i)))
              .anchor(anchor)
              .build());
    }
    Thread.sleep(3_000);

    String leaderId = awaitLeader(ds, null);
    Child leader =
        children.stream().filter(c -> c.nodeId().equals(leaderId)).findFirst().orElseThrow();
    // Stop the leader until it is caught with a schedule's row locked.
    Random random = new Random(7);
    String locked = "";
    int tries = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      tries++;
      leader.signal("STOP");
      locked = lockedSchedule(ds, leaderId);
      if (!locked.isEmpty()) {
        break;
      }
      leader.signal("CONT");
      Thread.sleep(random.nextInt(40));
    }
    assertThat(locked).as("the leader caught inside a look after %d tries", tries).isNotEmpty();
    Instant frozenAt = ScheduleNode.dbNow(ds);
    String next = awaitLeader(ds, leaderId);
    Instant electedAt = ScheduleNode.electedAt(ds, schema).orElseThrow();
    long left = FREEZE.toMillis() - Duration.between(frozenAt, ScheduleNode.dbNow(ds)).toMillis();
    Thread.sleep(Math.max(0, left));
    leader.signal("CONT");
    Instant thawedAt = ScheduleNode.dbNow(ds);
    Thread.sleep(3_000);
    for (String name : names) {
      owner.pauseSchedule(name);
    }
    OccurrenceRows occurrences = new OccurrenceRows(ds, schema);
    long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (occurrences.all().stream().anyMatch(r -> !"completed".equals(r.status()))
        && System.nanoTime() < drain) {
      Thread.sleep(100);
    }

    long missing = 0;
    long skips = 0;
    long doubled = 0;
    List<String> perSchedule = new ArrayList<>();
    long lockedMaxLateness = 0;
    long othersMaxLateness = 0;
    for (String name : names) {
      List<Row> rows = occurrences.of(name);
      ScheduleInfo info = owner.getSchedule(name).orElseThrow();
      long distinct = rows.stream().map(Row::occurrenceAt).distinct().count();
      long expected =
          Duration.between(rows.get(0).occurrenceAt(), rows.get(rows.size() - 1).occurrenceAt())
                  .toSeconds()
              + 1;
      missing += expected - distinct;
      doubled += rows.size() - distinct;
      skips += info.skips();
      long late =
          rows.stream()
              .mapToLong(r -> Duration.between(r.occurrenceAt(), r.createdAt()).toMillis())
              .max()
              .orElse(0);
      if (name.equals(locked)) {
        lockedMaxLateness = late;
        perSchedule.add(name + " (locked): " + rows.size() + " jobs, " + info.skips() + " skips");
      } else {
        othersMaxLateness = Math.max(othersMaxLateness, late);
        if (info.skips() > 0 || expected != distinct) {
          perSchedule.add(name + ": " + rows.size() + " jobs, " + info.skips() + " skips");
        }
      }
    }
    System.out.printf(
        "RELIABILITY schedule-freeze: %d every-second schedules, lease %d ms, threshold %d ms;"
            + " leader %s stopped inside a look of %s after %d tries, for %d ms; %s elected %d ms"
            + " after the stop; %s; missing %d, skips %d, doubled %d; lateness max %d ms for the"
            + " locked schedule, %d ms for the others%n",
        SCHEDULES,
        LEASE.toMillis(),
        THRESHOLD.toMillis(),
        leaderId,
        locked,
        tries,
        Duration.between(frozenAt, thawedAt).toMillis(),
        next,
        Duration.between(frozenAt, electedAt).toMillis(),
        perSchedule,
        missing,
        skips,
        doubled,
        lockedMaxLateness,
        othersMaxLateness);

    assertThat(doubled).as("occurrences with two jobs").isZero();
    assertThat(missing).as("occurrences without a job").isZero();
    assertThat(skips).as("occurrences skipped").isZero();
  }

  /** The schedule whose row a stopped node's open transaction has locked, or empty. */
  private String lockedSchedule(DataSource ds, String nodeId) {
    // A look holds its schedule's row (FOR UPDATE): the row another transaction cannot lock now.
    try (var c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (var s = c.createStatement()) {
        long open;
        try (var r =
            s.executeQuery(
                "select count(*) from pg_stat_activity where application_name = '"
                    + nodeId
                    + "' and state like 'idle in transaction%' and backend_xid is not null")) {
          r.next();
          open = r.getLong(1);
        }
        String name = "";
        if (open > 0) {
          try (var r =
              s.executeQuery(
                  "select name from "
                      + schema
                      + ".schedules where name not in (select name from "
                      + schema
                      + ".schedules for update skip locked) limit 1")) {
            if (r.next()) {
              name = r.getString(1);
            }
          }
        }
        c.rollback();
        return name;
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
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
