package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.MissedRunPolicy;
import dev.jobqueue.Schedule;
import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.OccurrenceRows;
import dev.jobqueue.testing.OccurrenceRows.Row;
import dev.jobqueue.testing.ScheduleNode;
import dev.jobqueue.testing.ScheduleNode.Settings;
import dev.jobqueue.testing.ScheduleNode.Tick;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Schedules after every node was down: a worker node runs three every-second schedules, one per
 * missed-run policy ({@code SKIP}, {@code ONCE}, {@code ALL(cap 3, window 5 s)}), with {@code
 * missedRunThreshold} 1 s; every node stops, nothing runs for about 8 s, and a new node starts on
 * the same schema. In the default build the node runs in this JVM and stops with {@code
 * shutdown()}; tagged {@code reliability}, two worker JVMs are SIGKILLed and one is started again.
 * Its first look at each schedule, at the database time {@code T} (the {@code created_at} of the
 * jobs that look inserted: the transaction's {@code now()}), must enqueue exactly what the policy
 * promises, given the occurrences between the last one enqueued before the downtime and {@code T}:
 * on time (at most 1 s old at {@code T}) they run whatever the policy; missed, SKIP runs none, ONCE
 * runs the latest as one catch-up, ALL runs the latest 3 of those at most 5 s old. Every occurrence
 * from the downtime on is accounted for: a job or a skip ({@code runs + skips}), and the catch-ups
 * counted are exactly the jobs enqueued more than the threshold after their occurrence. Each
 * handler is handed its job's occurrence, the catch-ups' included.
 */
class ScheduleDowntimeIT {

  private static final Duration THRESHOLD = Duration.ofSeconds(1);
  private static final int CAP = 3;
  private static final Duration WINDOW = Duration.ofSeconds(5);
  private static final Duration DOWNTIME = Duration.ofSeconds(8);

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  /** The occurrence each job's handler was handed, by job id. */
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();

  private final JobHandler<Tick> tick =
      JobHandler.of(
          ScheduleNode.TYPE,
          Tick.class,
          (payload, ctx) -> {
            seen.put(ctx.jobId(), ctx.occurrenceAt().orElseThrow());
            return null;
          });

  private JobQueueConfig config(String nodeId) {
    return jobqueue
        .fastConfig()
        .runWorkers(true)
        .nodeId(nodeId)
        .missedRunThreshold(THRESHOLD)
        .build();
  }

  /** What one schedule stored when the first node had stopped. */
  record Before(Instant lastOccurrence, Instant nextRunAt, long runs, long catchUps, long skips) {}

  /** The worker nodes of one variant: started, and all stopped at once. */
  interface Nodes {
    /** Starts a node that can lead, and returns once it runs. */
    void start(String nodeId) throws Exception;

    /** Stops every node. */
    void stop() throws Exception;

    /** The occurrence each job's handler was handed, by job id. */
    Map<String, Instant> seen();
  }

  /** In the default build: one in-process node shut down gracefully, a new one started. */
  @Test
  void afterTheOnlyNodeShutDown() throws Exception {
    List<JobQueueManager> running = new ArrayList<>();
    run(
        "graceful shutdown() of the only node, a new node in this JVM",
        new Nodes() {
          @Override
          public void start(String nodeId) {
            running.add(jobqueue.start(nodeId, config(nodeId), tick));
          }

          @Override
          public void stop() {
            running.forEach(JobQueueManager::shutdown);
            running.clear();
          }

          @Override
          public Map<String, Instant> seen() {
            return seen;
          }
        });
  }

  /** Two worker JVMs SIGKILLed at once, one started again. */
  @Test
  @Tag("reliability")
  void afterKillNineOfEveryNode() throws Exception {
    List<Child> children = new ArrayList<>();
    try {
      run(
          "SIGKILL of both worker JVMs, one JVM started again",
          new Nodes() {
            @Override
            public void start(String nodeId) throws Exception {
              int n = children.isEmpty() ? 2 : 1;
              List<Child> started = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                started.add(
                    ScheduleNode.launch(
                        jobqueue.db(),
                        jobqueue.schema(),
                        Settings.of(nodeId + "-" + i)
                            .withLease(Duration.ofSeconds(2))
                            .withMissedRunThreshold(THRESHOLD)));
              }
              for (Child child : started) {
                child.awaitReady(Duration.ofSeconds(60));
              }
              children.addAll(started);
            }

            @Override
            public void stop() throws Exception {
              for (Child child : children) {
                if (child.process().isAlive()) {
                  assertThat(child.kill9()).isEqualTo(137);
                }
              }
            }

            @Override
            public Map<String, Instant> seen() {
              Map<String, Instant> all = new HashMap<>();
              ScheduleNode.ran(children).forEach(r -> all.put(r.jobId(), r.occurrenceAt()));
              return all;
            }
          });
    } finally {
      children.forEach(Child::close);
    }
  }

  private void run(String how, Nodes nodes) throws Exception {
    Map<String, MissedRunPolicy> policies = new LinkedHashMap<>();
    policies.put("skip", MissedRunPolicy.skip());
    policies.put("once", MissedRunPolicy.once());
    policies.put("all", MissedRunPolicy.all(CAP, WINDOW));
    String schema = jobqueue.schema();
    DataSource ds = jobqueue.db().dataSource();
    OccurrenceRows occurrences = new OccurrenceRows(ds, schema);
    // Adds, pauses and reads the schedules; runs nothing.
    JobQueueManager owner =
        jobqueue.start("owner", jobqueue.fastConfig().runWorkers(false).build(), tick);

    nodes.start("before");
    Instant anchor = ScheduleNode.dbNow(ds).truncatedTo(ChronoUnit.SECONDS);
    policies.forEach(
        (name, policy) ->
            owner.addSchedule(
                Schedule.every(
                        name, Duration.ofSeconds(1), CreateJobOptions.of("tick", new Tick(0)))
                    .anchor(anchor)
                    .missedRuns(policy)
                    .build()));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> policies.keySet().stream().allMatch(n -> occurrences.of(n).size() >= 3));
    nodes.stop();
    Instant stoppedAt = ScheduleNode.dbNow(ds);
    Map<String, Before> before = new LinkedHashMap<>();
    for (String name : policies.keySet()) {
      List<Row> rows = occurrences.of(name);
      before.put(name, stored(schema, name, rows.get(rows.size() - 1).occurrenceAt()));
    }

    Thread.sleep(DOWNTIME.toMillis());
    Instant restartAt = ScheduleNode.dbNow(ds);
    nodes.start("after");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                policies.keySet().stream()
                    .allMatch(
                        n ->
                            occurrences.of(n).stream()
                                    .filter(r -> r.createdAt().isAfter(restartAt))
                                    .count()
                                >= 3 + CAP));
    for (String name : policies.keySet()) {
      owner.pauseSchedule(name);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> occurrences.all().stream().allMatch(r -> "completed".equals(r.status())));
    Map<String, Instant> seen = nodes.seen();

    List<String> figures = new ArrayList<>();
    for (Map.Entry<String, MissedRunPolicy> e : policies.entrySet()) {
      String name = e.getKey();
      MissedRunPolicy policy = e.getValue();
      Before b = before.get(name);
      ScheduleInfo info = owner.getSchedule(name).orElseThrow();
      List<Row> rows = occurrences.of(name);
      // Before the downtime: every occurrence ran on time, and the schedule was moved on to the
      // one after the last job.
      assertThat(b.nextRunAt()).as(name).isEqualTo(b.lastOccurrence().plusSeconds(1));
      assertThat(b.skips()).as(name + " skips before").isZero();
      assertThat(b.catchUps()).as(name + " catch-ups before").isZero();
      assertThat(rows.stream().filter(r -> !r.occurrenceAt().isAfter(b.lastOccurrence())))
          .as(name + " jobs before the downtime")
          .hasSize((int) b.runs())
          .allMatch(r -> r.createdAt().isBefore(stoppedAt));

      List<Row> after =
          rows.stream().filter(r -> r.occurrenceAt().isAfter(b.lastOccurrence())).toList();
      assertThat(after).as(name).allMatch(r -> r.createdAt().isAfter(restartAt));
      Instant t = after.stream().map(Row::createdAt).min(Instant::compareTo).orElseThrow();
      List<Instant> looked = new ArrayList<>();
      for (Instant o = b.lastOccurrence().plusSeconds(1); !o.isAfter(t); o = o.plusSeconds(1)) {
        looked.add(o);
      }
      Instant onTimeFrom = t.minus(THRESHOLD);
      List<Instant> missed = looked.stream().filter(o -> o.isBefore(onTimeFrom)).toList();
      List<Instant> onTime = looked.stream().filter(o -> !o.isBefore(onTimeFrom)).toList();
      List<Instant> inWindow = missed.stream().filter(o -> !o.isBefore(t.minus(WINDOW))).toList();
      List<Instant> catchUps =
          switch (policy.kind()) {
            case SKIP -> List.of();
            case ONCE -> List.of(missed.get(missed.size() - 1));
            case ALL -> inWindow.subList(Math.max(0, inWindow.size() - CAP), inWindow.size());
          };
      Set<Instant> expectedFirstLook = new TreeSet<>(catchUps);
      expectedFirstLook.addAll(onTime);
      Set<Instant> firstLook =
          after.stream()
              .filter(r -> r.createdAt().equals(t))
              .map(Row::occurrenceAt)
              .collect(Collectors.toCollection(TreeSet::new));
      long firstLookSkips = missed.size() - catchUps.size();

      // Occurrences the first look's successors looked at: from after T until the next one.
      Instant next = info.nextRunAt().orElseThrow();
      long laterOccurrences = 0;
      Set<Instant> jobAt = after.stream().map(Row::occurrenceAt).collect(Collectors.toSet());
      long laterMissing = 0;
      for (Instant o = looked.get(looked.size() - 1).plusSeconds(1);
          o.isBefore(next);
          o = o.plusSeconds(1)) {
        laterOccurrences++;
        laterMissing += jobAt.contains(o) ? 0 : 1;
      }
      long lateJobs =
          after.stream()
              .filter(
                  r -> Duration.between(r.occurrenceAt(), r.createdAt()).compareTo(THRESHOLD) > 0)
              .count();
      long occurrencesSince = Duration.between(b.lastOccurrence(), next).toSeconds() - 1;
      long newSkips = info.skips() - b.skips();
      long newRuns = info.runs() - b.runs();
      long newCatchUps = info.catchUps() - b.catchUps();
      figures.add(
          String.format(
              "%s: last before %s, first look %s (%d ms after the restart), %d occurrences"
                  + " looked at (%d missed, %d within the window), enqueued %s (%d catch-ups),"
                  + " skips %d; then %d occurrences, %d skipped; runs + skips %d + %d = %d of %d",
              policy,
              b.lastOccurrence(),
              t,
              Duration.between(restartAt, t).toMillis(),
              looked.size(),
              missed.size(),
              inWindow.size(),
              firstLook,
              newCatchUps,
              newSkips,
              laterOccurrences,
              laterMissing,
              newRuns,
              newSkips,
              newRuns + newSkips,
              occurrencesSince));

      assertThat(after.stream().filter(r -> r.createdAt().equals(t)))
          .as(name + " the first look is one transaction")
          .hasSize(firstLook.size());
      assertThat(missed.size()).as(name + " missed occurrences").isGreaterThan(CAP + 1);
      assertThat(inWindow.size()).as(name + " the window bounds").isLessThan(missed.size());
      assertThat(inWindow.size()).as(name + " the cap bounds").isGreaterThan(CAP);
      assertThat(firstLook).as(name + " the first look's occurrences").isEqualTo(expectedFirstLook);
      assertThat(newRuns).as(name + " runs").isEqualTo(after.size());
      assertThat(newRuns + newSkips).as(name + " runs + skips").isEqualTo(occurrencesSince);
      assertThat(newSkips).as(name + " skips").isEqualTo(firstLookSkips + laterMissing);
      assertThat(newCatchUps).as(name + " catch-ups: the jobs enqueued late").isEqualTo(lateJobs);
      assertThat(after.stream().filter(r -> r.createdAt().equals(t)))
          .filteredOn(r -> Duration.between(r.occurrenceAt(), t).compareTo(THRESHOLD) > 0)
          .as(name + " catch-ups of the first look")
          .hasSize(catchUps.size());
      if (policy.kind() == MissedRunPolicy.Kind.SKIP) {
        assertThat(rows)
            .as("SKIP enqueues nothing older than the threshold")
            .allMatch(
                r -> Duration.between(r.occurrenceAt(), r.createdAt()).compareTo(THRESHOLD) <= 0);
      }
      if (policy.kind() == MissedRunPolicy.Kind.ONCE) {
        assertThat(catchUps).containsExactly(missed.get(missed.size() - 1));
      }
      for (Row row : rows) {
        assertThat(row.scheduledAt()).isEqualTo(row.occurrenceAt());
        assertThat(row.createdAt()).isAfterOrEqualTo(row.occurrenceAt());
        assertThat(row.startedAt()).isAfterOrEqualTo(row.occurrenceAt());
        assertThat(seen.get(String.valueOf(row.id())))
            .as("the occurrence job %s's handler was handed", row.id())
            .isEqualTo(row.occurrenceAt());
      }
    }
    System.out.printf(
        "RELIABILITY schedule-downtime: %s; threshold %d ms, every node down %d ms (database"
            + " time from the stop to the restart); %s%n",
        how,
        THRESHOLD.toMillis(),
        Duration.between(stoppedAt, restartAt).toMillis(),
        String.join("; ", figures));
  }

  private Before stored(String schema, String name, Instant lastOccurrence) {
    String where = " from " + schema + ".schedules where name = '" + name + "'";
    var db = jobqueue.db();
    return new Before(
        lastOccurrence,
        Instant.ofEpochMilli(
            db.queryLong("select (extract(epoch from next_run_at) * 1000)::bigint" + where)),
        db.queryLong("select runs" + where),
        db.queryLong("select catch_ups" + where),
        db.queryLong("select skips" + where));
  }
}
