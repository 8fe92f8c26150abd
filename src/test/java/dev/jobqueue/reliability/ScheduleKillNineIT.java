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
import dev.jobqueue.testing.ScheduleNode.Ran;
import dev.jobqueue.testing.ScheduleNode.Settings;
import dev.jobqueue.testing.ScheduleNode.Tick;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Schedules under kill -9 of the leader: every-second schedules (overlap {@code ALLOW}, missed runs
 * {@code SKIP}, the default threshold of 60 s) on worker JVMs against one database. The test finds
 * the leader (the {@code leader} row), SIGKILLs it, waits for another node to take the lease,
 * starts a replacement, and again. Afterwards, for each schedule: one job for every occurrence from
 * the first to the last (consecutive seconds from the anchor), none twice, none created before its
 * occurrence and none started before it by the database clock, every job completed, no skip and no
 * catch-up, and each handler was handed its job's occurrence. The lateness of the occurrences that
 * fell into a handover (created_at − occurrence_at) is reported, and bounded: lease + 5 s.
 *
 * <p>In the full version the JVMs declare the schedules in their builders, without an anchor, as an
 * application does: every start, each replacement's included, brings the stored schedules in line
 * while the leader enqueues them. The reduced version adds them at run time, anchored.
 */
class ScheduleKillNineIT {

  private static final int SCHEDULES = 3;

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

  /** The scenario's figures: 3 JVMs, lease 3 s, 7 SIGKILLs of the leader over about 90 s. */
  @Test
  @Tag("reliability")
  void sevenKillsOfTheLeaderOnThreeJvms() throws Exception {
    run(new Plan(3, Duration.ofSeconds(3), 7, Duration.ofSeconds(5), true));
  }

  /** The reduced version for the default build: 2 JVMs, lease 2 s, 2 SIGKILLs. */
  @Test
  void twoKillsOfTheLeaderOnTwoJvms() throws Exception {
    run(new Plan(2, Duration.ofSeconds(2), 2, Duration.ofSeconds(2), false));
  }

  /**
   * One run.
   *
   * @param jvms worker JVMs alive at a time
   * @param lease their lease (jobs and leadership)
   * @param kills SIGKILLs of the leader
   * @param settle after a replacement is ready, how long until the next kill
   * @param declared whether the JVMs declare the schedules in their builders (without an anchor, so
   *     that every start, a replacement's included, brings them in line while the leader enqueues),
   *     or the test adds them at run time with an anchor
   */
  record Plan(int jvms, Duration lease, int kills, Duration settle, boolean declared) {}

  /** One kill: who, when, and who led next when. */
  record Kill(String victim, int exit, Instant killedAt, String next, Instant electedAt) {
    long handoverMillis() {
      return Duration.between(killedAt, electedAt).toMillis();
    }
  }

  private void run(Plan plan) throws Exception {
    long t0 = System.nanoTime();
    schema = db.newSchema(getClass().getSimpleName());
    owner =
        db.managerBuilder(schema)
            .handler(JobHandler.of(ScheduleNode.TYPE, Tick.class, (t, ctx) -> null))
            .build();
    owner.initialize();
    DataSource ds = db.dataSource();
    Settings base =
        Settings.of("s9").withLease(plan.lease()).withDeclared(plan.declared() ? SCHEDULES : 0);
    int started = 0;
    for (int i = 0; i < plan.jvms(); i++) {
      children.add(ScheduleNode.launch(db, schema, base.withNodeId("s9-" + started++)));
    }
    for (Child child : children) {
      child.awaitReady(Duration.ofSeconds(60));
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < SCHEDULES; i++) {
      names.add((plan.declared() ? ScheduleNode.DECLARED_PREFIX : "every-second-") + i);
    }
    if (!plan.declared()) {
      Instant anchor = ScheduleNode.dbNow(ds).truncatedTo(ChronoUnit.SECONDS);
      for (int i = 0; i < SCHEDULES; i++) {
        owner.addSchedule(
            Schedule.every(
                    names.get(i), Duration.ofSeconds(1), CreateJobOptions.of("tick", new Tick(i)))
                .anchor(anchor)
                .build());
      }
    }
    Map<String, Instant> anchors = new HashMap<>();
    for (String name : names) {
      anchors.put(
          name,
          ScheduleNode.instant(
              ds, "anchor", "from " + schema + ".schedules where name = '" + name + "'"));
    }
    Thread.sleep(plan.settle().toMillis());

    List<Kill> kills = new ArrayList<>();
    for (int k = 0; k < plan.kills(); k++) {
      String leader = awaitLeader(ds, null, Duration.ofSeconds(30));
      Child victim =
          children.stream()
              .filter(c -> c.nodeId().equals(leader) && c.process().isAlive())
              .findFirst()
              .orElseThrow(() -> new AssertionError("the leader " + leader + " is no child"));
      Instant killedAt = ScheduleNode.dbNow(ds);
      int exit = victim.kill9();
      String next = awaitLeader(ds, leader, Duration.ofSeconds(30));
      Instant electedAt = ScheduleNode.electedAt(ds, schema).orElseThrow();
      kills.add(new Kill(leader, exit, killedAt, next, electedAt));
      Child replacement = ScheduleNode.launch(db, schema, base.withNodeId("s9-" + started++));
      children.add(replacement);
      replacement.awaitReady(Duration.ofSeconds(60));
      Thread.sleep(plan.settle().toMillis());
    }

    // The end: no more occurrences, and every job enqueued runs.
    for (String name : names) {
      owner.pauseSchedule(name);
    }
    OccurrenceRows occurrences = new OccurrenceRows(ds, schema);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (occurrences.all().stream().anyMatch(r -> !"completed".equals(r.status()))
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);

    Map<String, Instant> stored = new HashMap<>();
    List<Ran> ran = ScheduleNode.ran(children);
    long jobs = 0;
    long missing = 0;
    long doubled = 0;
    long early = 0;
    long startedEarly = 0;
    long notCompleted = 0;
    long maxLatenessMs = 0;
    long maxSteadyMs = 0;
    List<String> perKill = new ArrayList<>();
    List<Row> all = occurrences.all();
    for (Row row : all) {
      stored.put(String.valueOf(row.id()), row.occurrenceAt());
      long lateness = Duration.between(row.occurrenceAt(), row.createdAt()).toMillis();
      maxLatenessMs = Math.max(maxLatenessMs, lateness);
      boolean inHandover =
          kills.stream()
              .anyMatch(
                  k ->
                      !row.occurrenceAt().isBefore(k.killedAt().minusSeconds(1))
                          && !row.occurrenceAt().isAfter(k.electedAt().plusSeconds(1)));
      if (!inHandover) {
        maxSteadyMs = Math.max(maxSteadyMs, lateness);
      }
    }
    for (Kill k : kills) {
      long worst =
          all.stream()
              .filter(
                  r ->
                      !r.occurrenceAt().isBefore(k.killedAt().minusSeconds(1))
                          && !r.occurrenceAt().isAfter(k.electedAt().plusSeconds(1)))
              .mapToLong(r -> Duration.between(r.occurrenceAt(), r.createdAt()).toMillis())
              .max()
              .orElse(-1);
      perKill.add(
          String.format(
              "%s->%s handover %d ms, latest job %d ms",
              k.victim(), k.next(), k.handoverMillis(), worst));
    }
    List<String> perSchedule = new ArrayList<>();
    for (String name : names) {
      List<Row> rows = occurrences.of(name);
      ScheduleInfo info = owner.getSchedule(name).orElseThrow();
      jobs += rows.size();
      long distinct = rows.stream().map(Row::occurrenceAt).distinct().count();
      doubled += rows.size() - distinct;
      assertThat(rows).as(name).isNotEmpty();
      Instant first = rows.get(0).occurrenceAt();
      Instant last = rows.get(rows.size() - 1).occurrenceAt();
      long expected = Duration.between(first, last).toSeconds() + 1;
      missing += expected - distinct;
      for (Row row : rows) {
        assertThat(
                Duration.between(anchors.get(name), row.occurrenceAt()).toNanos() % 1_000_000_000L)
            .as("an occurrence on the anchor's seconds")
            .isZero();
        assertThat(row.scheduledAt()).isEqualTo(row.occurrenceAt());
        early += row.createdAt().isBefore(row.occurrenceAt()) ? 1 : 0;
        startedEarly +=
            row.startedAt() != null && row.startedAt().isBefore(row.occurrenceAt()) ? 1 : 0;
        notCompleted += "completed".equals(row.status()) ? 0 : 1;
      }
      // The first occurrence is the first after the schedule was stored.
      assertThat(first).as(name).isAfter(info.createdAt());
      assertThat(first).as(name).isBeforeOrEqualTo(info.createdAt().plusSeconds(1));
      assertThat(info.skips()).as(name + " skips").isZero();
      assertThat(info.catchUps()).as(name + " catch-ups").isZero();
      assertThat(info.runs()).as(name + " runs").isEqualTo(rows.size());
      perSchedule.add(name + " " + rows.size());
    }
    long wrongOccurrence =
        ran.stream()
            .filter(
                r ->
                    !r.occurrenceAt().equals(stored.get(r.jobId()))
                        || !names.contains(r.schedule()))
            .count();
    long completedUnseen =
        all.stream()
            .filter(r -> "completed".equals(r.status()))
            .filter(r -> ran.stream().noneMatch(x -> x.jobId().equals(String.valueOf(r.id()))))
            .count();
    System.out.printf(
        "RELIABILITY schedule-kill-9: %d JVMs, lease %d ms, %d every-second schedules (%s), %d s;"
            + " %d SIGKILLs of the leader (exits %s): %s; jobs %d (%s), missing occurrences %d,"
            + " doubled %d, created before their occurrence %d, started before it %d, not"
            + " completed %d; lateness max %d ms (outside handovers %d ms); handlers handed"
            + " another occurrence %d, completed jobs no handler reported %d%n",
        plan.jvms(),
        plan.lease().toMillis(),
        SCHEDULES,
        plan.declared() ? "declared by every JVM" : "added at run time",
        seconds,
        kills.size(),
        kills.stream().map(k -> String.valueOf(k.exit())).distinct().toList(),
        perKill,
        jobs,
        String.join(", ", perSchedule),
        missing,
        doubled,
        early,
        startedEarly,
        notCompleted,
        maxLatenessMs,
        maxSteadyMs,
        wrongOccurrence,
        completedUnseen);

    assertThat(kills).hasSize(plan.kills());
    assertThat(kills).allMatch(k -> k.exit() == 137, "killed by SIGKILL");
    assertThat(kills).allMatch(k -> !k.next().equals(k.victim()), "another node took over");
    assertThat(missing).as("occurrences without a job").isZero();
    assertThat(doubled).as("occurrences with two jobs").isZero();
    assertThat(early).as("jobs created before their occurrence").isZero();
    assertThat(startedEarly).as("jobs started before their occurrence").isZero();
    assertThat(notCompleted).as("jobs not completed").isZero();
    assertThat(wrongOccurrence).as("handlers handed another occurrence").isZero();
    assertThat(completedUnseen).as("completed jobs no handler reported").isZero();
    assertThat(maxLatenessMs)
        .as("lateness: lease + 5 s")
        .isLessThanOrEqualTo(plan.lease().toMillis() + 5_000);
  }

  /** Waits until a node other than {@code not} holds the lease; returns its id. */
  private String awaitLeader(DataSource ds, String not, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<String> leader = ScheduleNode.leader(ds, schema);
      if (leader.isPresent() && !leader.get().equals(not)) {
        return leader.get();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader other than " + not + " after " + timeout);
  }
}
