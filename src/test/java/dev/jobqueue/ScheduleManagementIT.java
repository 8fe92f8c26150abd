package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.OccurrenceRows;
import dev.jobqueue.testing.OccurrenceRows.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The schedule API on the manager: bad input refused with nothing stored, add, get, list, update,
 * pause, resume and delete, the schedule's info, and the declared schedules that {@code
 * initialize()} brings in line.
 */
class ScheduleManagementIT {

  record Tick(String note) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach("schedules");

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private final JobHandler<Tick> tick = JobHandler.of("tick", Tick.class, (payload, ctx) -> null);

  private static CreateJobOptions tickJob() {
    return CreateJobOptions.of("tick", new Tick("hi"));
  }

  private static Schedule everySecond(String name) {
    return Schedule.every(name, Duration.ofSeconds(1), tickJob()).build();
  }

  private static Schedule hourly(String name) {
    return Schedule.every(name, Duration.ofHours(1), tickJob()).build();
  }

  /** A manager that only serves the API: no worker, no leader, so nothing is enqueued. */
  private JobQueueManager api() {
    return jobqueue.start(builder(b -> {}));
  }

  /** A worker node, the only one, so the leader. */
  private JobQueueManager leader() {
    JobQueueManager node =
        jobqueue.start("leader", jobqueue.fastConfig().runWorkers(true).build(), tick);
    await().atMost(Duration.ofSeconds(15)).until(() -> node.workerPool().isLeader());
    return node;
  }

  private JobQueueManager.Builder builder(Consumer<JobQueueManager.Builder> declarations) {
    JobQueueManager.Builder builder =
        JobQueueManager.builder()
            .config(jobqueue.fastConfig().runWorkers(false).build())
            .dataSource(jobqueue.db().dataSource())
            .handler(tick);
    declarations.accept(builder);
    return builder;
  }

  /** Builds and initializes a manager with these declarations, as a new build of the app. */
  private JobQueueManager deploy(Consumer<JobQueueManager.Builder> declarations) {
    return jobqueue.start(builder(declarations));
  }

  private OccurrenceRows occurrences() {
    return new OccurrenceRows(jobqueue.db().dataSource(), jobqueue.schema());
  }

  private static Instant dbNow() {
    long micros = jobqueue.db().queryLong("select (extract(epoch from now()) * 1000000)::bigint");
    return Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS);
  }

  private static List<String> names(JobQueueManager manager) {
    return manager.getSchedules().stream().map(ScheduleInfo::name).toList();
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void badCronExpressionsZonesAndIntervalsAreRefusedNamingTheValue() {
    JobQueueManager api = api();
    for (String bad : List.of("every day at noon", "* * * *", "0 0 * * * * *", "61 * * * *")) {
      assertThatThrownBy(() -> api.addSchedule(Schedule.cron("c", bad, tickJob()).build()))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cron expression '" + bad + "'");
    }
    assertThatThrownBy(() -> Schedule.cron("c", "0 0 31 2 *", tickJob()))
        .hasMessageContaining("'0 0 31 2 *' never matches");
    assertThatThrownBy(
            () ->
                api.addSchedule(
                    Schedule.cron("c", "* * * * *", tickJob()).zone("Mars/Olympus").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Mars/Olympus'");
    for (Duration bad :
        List.of(
            Duration.ZERO,
            Duration.ofSeconds(-1),
            Duration.ofMillis(500),
            Duration.ofDays(366).plusSeconds(1))) {
      assertThatThrownBy(() -> api.addSchedule(Schedule.every("i", bad, tickJob()).build()))
          .as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(was " + bad + ")");
    }
    assertThatThrownBy(() -> Schedule.every("i", Duration.ofSeconds(1), tickJob()).zone(BERLIN))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'i'");
    assertThatThrownBy(() -> Schedule.cron("c", "* * * * *", tickJob()).anchor(Instant.EPOCH))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'c'");
    assertThatThrownBy(() -> Schedule.every("no spaces", Duration.ofSeconds(1), tickJob()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'no spaces'");
    assertThat(api.getSchedules()).isEmpty();
  }

  @Test
  void aJobThatSetsItsOwnTimeOrBucketIsRefused() {
    JobQueueManager api = api();
    Instant at = Instant.parse("2032-01-02T03:04:05Z");
    assertThatThrownBy(
            () ->
                api.addSchedule(
                    Schedule.every(
                            "timed",
                            Duration.ofMinutes(1),
                            CreateJobOptions.builder("tick", new Tick("t")).scheduledAt(at).build())
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scheduledAt (" + at + ")");
    assertThatThrownBy(
            () ->
                api.addSchedule(
                    Schedule.every(
                            "bucketed",
                            Duration.ofMinutes(1),
                            CreateJobOptions.builder("tick", new Tick("t"))
                                .unique(UniqueOptions.byKey("k").period(Duration.ofDays(1)))
                                .build())
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unique period (PT24H)");
    assertThat(api.getSchedules()).isEmpty();
  }

  @Test
  void anUnknownJobTypeIsRefusedOnAddAndOnUpdateAndNothingChanges() {
    JobQueueManager api = api();
    Schedule unknown =
        Schedule.every("mystery", Duration.ofMinutes(1), CreateJobOptions.of("no-such", Map.of()))
            .build();
    assertThatThrownBy(() -> api.addSchedule(unknown))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("no-such")
        .hasMessageContaining("schedule[mystery].type");
    assertThat(api.getSchedules()).isEmpty();

    api.addSchedule(hourly("mystery"));
    ScheduleInfo before = api.getSchedule("mystery").orElseThrow();
    assertThatThrownBy(() -> api.updateSchedule(unknown))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("no-such");
    assertThat(api.getSchedules()).containsExactly(before);

    // A manager that allows unknown types stores it.
    JobQueueManager enqueuer =
        jobqueue.start(
            JobQueueManager.builder()
                .config(jobqueue.fastConfig().runWorkers(false).allowUnknownTypes(true).build())
                .dataSource(jobqueue.db().dataSource()));
    assertThat(enqueuer.updateSchedule(unknown)).isTrue();
    assertThat(api.getSchedule("mystery").orElseThrow().type()).isEqualTo("no-such");
  }

  @Test
  void aDuplicateNameIsRefusedAndTheFirstStaysAsItWas() {
    JobQueueManager api = api();
    api.addSchedule(hourly("report"));
    ScheduleInfo first = api.getSchedule("report").orElseThrow();

    Schedule other =
        Schedule.cron("report", "0 2 * * *", CreateJobOptions.of("tick", new Tick("other")))
            .zone(BERLIN)
            .build();
    assertThatThrownBy(() -> api.addSchedule(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'report'")
        .hasMessageContaining("exists already");
    assertThat(api.getSchedules()).containsExactly(first);
  }

  @Test
  void aNameDeclaredTwiceOrAnInvalidDeclaredScheduleFailsTheBuild() {
    JobQueueManager.Builder twice = builder(b -> b.schedule(hourly("twice")));
    assertThatThrownBy(() -> twice.schedule(everySecond("twice")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'twice'");
    assertThatThrownBy(
            () -> builder(b -> b.schedules(List.of(hourly("pair"), everySecond("pair")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'pair'");

    JobQueueManager.Builder invalid =
        builder(
            b ->
                b.schedule(hourly("fine"))
                    .schedule(
                        Schedule.cron("broken", "0 * * * *", CreateJobOptions.of("nope", Map.of()))
                            .build()));
    assertThatThrownBy(invalid::build)
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("nope");
    assertThat(api().getSchedules()).isEmpty();
  }

  // ---------------------------------------------------------------- CRUD and info

  @Test
  void anAddedCronScheduleReadsBackWithItsNextRunInItsZone() {
    JobQueueManager api = api();
    Instant before = dbNow();
    api.addSchedule(
        Schedule.cron(
                "nightly",
                "0 2 * * *",
                CreateJobOptions.builder("tick", new Tick("n")).queue("reports").build())
            .zone("Europe/Berlin")
            .missedRuns(MissedRunPolicy.all(3, Duration.ofHours(6)))
            .overlap(OverlapPolicy.QUEUE)
            .build());
    Instant after = dbNow();

    ScheduleInfo info = api.getSchedule("nightly").orElseThrow();
    assertThat(info.name()).isEqualTo("nightly");
    assertThat(info.type()).isEqualTo("tick");
    assertThat(info.queue()).isEqualTo("reports");
    assertThat(info.cron()).contains("0 2 * * *");
    assertThat(info.zone()).contains(BERLIN);
    assertThat(info.interval()).isEmpty();
    assertThat(info.missedRuns()).isEqualTo(MissedRunPolicy.all(3, Duration.ofHours(6)));
    assertThat(info.overlap()).isEqualTo(OverlapPolicy.QUEUE);
    assertThat(info.declared()).isFalse();
    assertThat(info.paused()).isFalse();
    assertThat(info.waitingAt()).isEmpty();
    assertThat(info.lastRunAt()).isEmpty();
    assertThat(info.lastJobId()).isEmpty();
    assertThat(info.runs()).isZero();
    assertThat(info.catchUps()).isZero();
    assertThat(info.skips()).isZero();
    assertThat(info.createdAt()).isBetween(before, after);
    assertThat(info.updatedAt()).isEqualTo(info.createdAt());
    assertThat(info.nextRunAt()).contains(nextAt(info.createdAt(), BERLIN, LocalTime.of(2, 0)));
  }

  @Test
  void anAddedIntervalScheduleRunsOneIntervalAfterItWasStored() {
    JobQueueManager api = api();
    api.addSchedule(
        Schedule.every("ping", Duration.ofMinutes(5), tickJob())
            .overlap(OverlapPolicy.SKIP)
            .build());
    ScheduleInfo info = api.getSchedule("ping").orElseThrow();
    assertThat(info.interval()).contains(Duration.ofMinutes(5));
    assertThat(info.cron()).isEmpty();
    assertThat(info.zone()).isEmpty();
    assertThat(info.queue()).isEqualTo(JobQueueConfig.DEFAULT_QUEUE);
    assertThat(info.missedRuns()).isEqualTo(MissedRunPolicy.skip());
    assertThat(info.overlap()).isEqualTo(OverlapPolicy.SKIP);
    assertThat(info.nextRunAt()).contains(info.createdAt().plus(Duration.ofMinutes(5)));

    Instant anchor = Instant.parse("2020-01-01T00:00:10Z");
    api.addSchedule(
        Schedule.every("anchored", Duration.ofMinutes(1), tickJob()).anchor(anchor).build());
    Instant next = api.getSchedule("anchored").orElseThrow().nextRunAt().orElseThrow();
    assertThat(next).isAfter(dbNow().minusSeconds(60)).isBefore(dbNow().plusSeconds(61));
    assertThat(Duration.between(anchor, next).toMillis() % 60_000).isZero();
  }

  @Test
  void schedulesAreListedByNameAndUnknownNamesAnswerFalseOrEmpty() {
    JobQueueManager api = api();
    api.addSchedule(hourly("b-second"));
    api.addSchedule(hourly("c-third"));
    api.addSchedule(hourly("a-first"));
    assertThat(names(api)).containsExactly("a-first", "b-second", "c-third");
    assertThat(api.getSchedule("b-second")).map(ScheduleInfo::name).contains("b-second");

    assertThat(api.getSchedule("missing")).isEmpty();
    assertThat(api.updateSchedule(hourly("missing"))).isFalse();
    assertThat(api.pauseSchedule("missing")).isFalse();
    assertThat(api.resumeSchedule("missing")).isFalse();
    assertThat(api.deleteSchedule("missing")).isFalse();
    assertThat(names(api)).containsExactly("a-first", "b-second", "c-third");
  }

  @Test
  void anUpdateReplacesTheDefinitionAndRecomputesTheNextRunOnlyWhenTheTimesChange() {
    JobQueueManager api = api();
    api.addSchedule(Schedule.cron("report", "0 2 * * *", tickJob()).zone(BERLIN).build());
    ScheduleInfo added = api.getSchedule("report").orElseThrow();

    // Same times, another job and policies: the next run stays.
    assertThat(
            api.updateSchedule(
                Schedule.cron(
                        "report",
                        "0 2 * * *",
                        CreateJobOptions.builder("tick", new Tick("v2")).queue("reports").build())
                    .zone(BERLIN)
                    .missedRuns(MissedRunPolicy.once())
                    .overlap(OverlapPolicy.SKIP)
                    .build()))
        .isTrue();
    ScheduleInfo same = api.getSchedule("report").orElseThrow();
    assertThat(same.queue()).isEqualTo("reports");
    assertThat(same.missedRuns()).isEqualTo(MissedRunPolicy.once());
    assertThat(same.overlap()).isEqualTo(OverlapPolicy.SKIP);
    assertThat(same.nextRunAt()).isEqualTo(added.nextRunAt());
    assertThat(same.createdAt()).isEqualTo(added.createdAt());
    assertThat(same.updatedAt()).isAfter(added.updatedAt());

    // Another hour: recomputed.
    assertThat(
            api.updateSchedule(
                Schedule.cron("report", "0 3 * * *", tickJob()).zone(BERLIN).build()))
        .isTrue();
    ScheduleInfo moved = api.getSchedule("report").orElseThrow();
    assertThat(moved.cron()).contains("0 3 * * *");
    assertThat(moved.queue()).isEqualTo(JobQueueConfig.DEFAULT_QUEUE);
    assertThat(moved.nextRunAt()).contains(nextAt(moved.updatedAt(), BERLIN, LocalTime.of(3, 0)));

    // Another zone: recomputed too.
    api.updateSchedule(Schedule.cron("report", "0 3 * * *", tickJob()).zone("Asia/Tokyo").build());
    ScheduleInfo tokyo = api.getSchedule("report").orElseThrow();
    ZoneId zone = ZoneId.of("Asia/Tokyo");
    assertThat(tokyo.zone()).contains(zone);
    assertThat(tokyo.nextRunAt()).contains(nextAt(tokyo.updatedAt(), zone, LocalTime.of(3, 0)));

    // From cron to an interval: the interval counts from now.
    api.updateSchedule(hourly("report"));
    ScheduleInfo interval = api.getSchedule("report").orElseThrow();
    assertThat(interval.cron()).isEmpty();
    assertThat(interval.zone()).isEmpty();
    assertThat(interval.interval()).contains(Duration.ofHours(1));
    assertThat(interval.nextRunAt()).contains(interval.updatedAt().plus(Duration.ofHours(1)));
  }

  @Test
  void anUpdateKeepsTheCountsTheLastRunAndThePause() {
    JobQueueManager leader = leader();
    leader.addSchedule(everySecond("counted"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> leader.getSchedule("counted").orElseThrow().runs() >= 2);
    leader.pauseSchedule("counted");
    ScheduleInfo paused = leader.getSchedule("counted").orElseThrow();
    assertThat(paused.paused()).isTrue();
    assertThat(paused.lastJobId()).isPresent();

    // Let the stored next run fall into the past: an update with the same times keeps it.
    await().atMost(Duration.ofSeconds(5)).until(() -> dbNow().isAfter(paused.nextRunAt().get()));
    leader.updateSchedule(
        Schedule.every(
                "counted",
                Duration.ofSeconds(1),
                CreateJobOptions.builder("tick", new Tick("v2")).queue("other").build())
            .missedRuns(MissedRunPolicy.once())
            .build());
    ScheduleInfo same = leader.getSchedule("counted").orElseThrow();
    assertThat(same.queue()).isEqualTo("other");
    assertThat(same.paused()).isTrue();
    assertThat(same.nextRunAt()).isEqualTo(paused.nextRunAt());
    assertThat(same)
        .extracting(
            ScheduleInfo::runs,
            ScheduleInfo::catchUps,
            ScheduleInfo::skips,
            ScheduleInfo::lastRunAt,
            ScheduleInfo::lastJobId,
            ScheduleInfo::declared)
        .containsExactly(
            paused.runs(),
            paused.catchUps(),
            paused.skips(),
            paused.lastRunAt(),
            paused.lastJobId(),
            false);

    // New times: the next run is the first after now, on the same anchor.
    leader.updateSchedule(Schedule.every("counted", Duration.ofSeconds(7), tickJob()).build());
    ScheduleInfo moved = leader.getSchedule("counted").orElseThrow();
    Instant next = moved.nextRunAt().orElseThrow();
    assertThat(next).isAfter(moved.updatedAt());
    assertThat(next).isBeforeOrEqualTo(moved.updatedAt().plusSeconds(7));
    assertThat(Duration.between(moved.createdAt(), next).toMillis() % 7_000).isZero();
    assertThat(moved.runs()).isEqualTo(paused.runs());
    assertThat(moved.paused()).isTrue();
  }

  @Test
  void noJobIsEnqueuedWhilePausedAndTheOccurrencesOfThePauseNeverRun() throws Exception {
    JobQueueManager leader = leader();
    leader.addSchedule(
        Schedule.every("beat", Duration.ofSeconds(1), tickJob())
            .missedRuns(MissedRunPolicy.all(100, Duration.ofHours(1)))
            .build());
    await().atMost(Duration.ofSeconds(10)).until(() -> occurrences().of("beat").size() >= 2);

    assertThat(leader.pauseSchedule("beat")).isTrue();
    Instant pausedAt = dbNow();
    int atPause = occurrences().of("beat").size();
    assertThat(leader.getSchedule("beat").orElseThrow().paused()).isTrue();
    Thread.sleep(3_000);
    List<Row> whilePaused = occurrences().of("beat");
    assertThat(whilePaused).as("jobs enqueued after the pause returned").hasSize(atPause);
    assertThat(whilePaused)
        .allSatisfy(row -> assertThat(row.createdAt()).isBefore(pausedAt.plusMillis(50)));
    ScheduleInfo info = leader.getSchedule("beat").orElseThrow();
    Row last = whilePaused.get(whilePaused.size() - 1);
    assertThat(info.runs()).isEqualTo(whilePaused.size());
    assertThat(info.lastRunAt()).contains(last.occurrenceAt());
    assertThat(info.lastJobId()).contains(String.valueOf(last.id()));
    assertThat(info.catchUps()).isZero();
    assertThat(info.skips()).isZero();
    // Pausing again is harmless.
    assertThat(leader.pauseSchedule("beat")).isTrue();

    assertThat(leader.resumeSchedule("beat")).isTrue();
    Instant resumedAt = dbNow();
    ScheduleInfo resumed = leader.getSchedule("beat").orElseThrow();
    assertThat(resumed.paused()).isFalse();
    assertThat(resumed.nextRunAt().orElseThrow()).isAfter(resumedAt.minusMillis(1_000));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> occurrences().of("beat").size() >= atPause + 2);
    List<Row> rows = occurrences().of("beat");
    assertThat(rows)
        .as("occurrences inside the pause")
        .noneMatch(r -> r.occurrenceAt().isAfter(pausedAt) && !r.occurrenceAt().isAfter(resumedAt));
    assertThat(rows.get(atPause).occurrenceAt()).isAfter(resumedAt);
    assertThat(leader.getSchedule("beat").orElseThrow().catchUps()).isZero();
    // Resuming a running schedule changes nothing.
    assertThat(leader.resumeSchedule("beat")).isTrue();
    assertThat(leader.getSchedule("beat").orElseThrow().paused()).isFalse();
  }

  @Test
  void aDeletedScheduleIsGoneButItsJobsStay() throws Exception {
    JobQueueManager leader = leader();
    leader.addSchedule(everySecond("doomed"));
    await().atMost(Duration.ofSeconds(10)).until(() -> occurrences().of("doomed").size() >= 1);

    assertThat(leader.deleteSchedule("doomed")).isTrue();
    Instant deletedAt = dbNow();
    assertThat(leader.deleteSchedule("doomed")).isFalse();
    assertThat(leader.getSchedule("doomed")).isEmpty();
    assertThat(leader.getSchedules()).isEmpty();
    int left = occurrences().of("doomed").size();
    Thread.sleep(2_000);
    List<Row> rows = occurrences().of("doomed");
    assertThat(rows).hasSize(left).isNotEmpty();
    assertThat(rows).allSatisfy(r -> assertThat(r.createdAt()).isBefore(deletedAt));
    assertThat(leader.getJob(String.valueOf(rows.get(0).id()))).isPresent();

    // The name is free again.
    leader.addSchedule(hourly("doomed"));
    assertThat(leader.getSchedule("doomed").orElseThrow().runs()).isZero();
  }

  @Test
  void theUpdateTimeMovesWhenTheDefinitionOrStateChangesNotWhenItRuns() {
    JobQueueManager leader = leader();
    leader.addSchedule(everySecond("steady"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> leader.getSchedule("steady").orElseThrow().runs() >= 2);
    ScheduleInfo running = leader.getSchedule("steady").orElseThrow();
    assertThat(running.updatedAt()).as("updatedAt after runs only").isEqualTo(running.createdAt());

    leader.pauseSchedule("steady");
    ScheduleInfo paused = leader.getSchedule("steady").orElseThrow();
    assertThat(paused.updatedAt()).isAfter(running.updatedAt());
    leader.pauseSchedule("steady");
    assertThat(leader.getSchedule("steady").orElseThrow().updatedAt())
        .as("updatedAt after a second pause")
        .isEqualTo(paused.updatedAt());
  }

  @Test
  void redeclaringTheSameSchedulesChangesNothing() {
    deploy(
        b -> b.schedule(hourly("a")).schedule(Schedule.cron("b", "0 2 * * *", tickJob()).build()));
    List<ScheduleInfo> first = api().getSchedules();
    deploy(
        b -> b.schedule(hourly("a")).schedule(Schedule.cron("b", "0 2 * * *", tickJob()).build()));
    JobQueueManager api = api();
    assertThat(api.getSchedules()).as("after the same declarations again").isEqualTo(first);
    api.updateSchedule(hourly("a"));
    assertThat(api.getSchedules()).as("after an update to the same").isEqualTo(first);
  }

  // ---------------------------------------------------------------- declared schedules

  @Test
  void declaredSchedulesAreStoredAtInitializeAndAnUndeclaredOneIsRemoved() {
    deploy(b -> b.schedule(hourly("a")).schedule(everySecond("b")));
    JobQueueManager api = api();
    assertThat(api.getSchedules())
        .extracting(ScheduleInfo::name, ScheduleInfo::declared, ScheduleInfo::paused)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", true, false),
            org.assertj.core.groups.Tuple.tuple("b", true, false));
    ScheduleInfo a = api.getSchedule("a").orElseThrow();

    // The next build changes a's job and no longer declares b.
    deploy(
        b ->
            b.schedule(
                Schedule.every(
                        "a",
                        Duration.ofHours(1),
                        CreateJobOptions.builder("tick", new Tick("v2")).queue("q2").build())
                    .build()));
    assertThat(names(api)).containsExactly("a");
    ScheduleInfo changed = api.getSchedule("a").orElseThrow();
    assertThat(changed.queue()).isEqualTo("q2");
    assertThat(changed.declared()).isTrue();
    assertThat(changed.nextRunAt()).isEqualTo(a.nextRunAt());
    assertThat(changed.createdAt()).isEqualTo(a.createdAt());
  }

  @Test
  void aDeletedDeclaredScheduleComesBackAtTheNextInitialize() {
    deploy(b -> b.schedule(hourly("a")));
    JobQueueManager api = api();
    assertThat(api.deleteSchedule("a")).isTrue();
    assertThat(api.getSchedules()).isEmpty();
    deploy(b -> b.schedule(hourly("a")));
    assertThat(api.getSchedule("a").orElseThrow().declared()).isTrue();
  }

  @Test
  void anUndeclaredScheduleIsPausedWhenAskedAndResumedWhenDeclaredAgain() {
    deploy(b -> b.schedule(hourly("a")).schedule(hourly("b")));
    deploy(b -> b.schedule(hourly("a")).undeclaredSchedules(UndeclaredSchedules.PAUSE));
    JobQueueManager api = api();
    ScheduleInfo b = api.getSchedule("b").orElseThrow();
    assertThat(b.paused()).isTrue();
    assertThat(b.declared()).isFalse();
    assertThat(api.getSchedule("a").orElseThrow().paused()).isFalse();

    // Another build without it, removing: it is no longer a declared one, so it stays, paused.
    deploy(d -> d.schedule(hourly("a")));
    assertThat(api.getSchedule("b").orElseThrow().paused()).isTrue();

    Instant before = dbNow();
    deploy(d -> d.schedule(hourly("a")).schedule(hourly("b")));
    ScheduleInfo back = api.getSchedule("b").orElseThrow();
    assertThat(back.paused()).isFalse();
    assertThat(back.declared()).isTrue();
    assertThat(back.nextRunAt().orElseThrow()).isAfter(before);
  }

  @Test
  void anOperatorsPauseSurvivesRedeclaration() {
    deploy(b -> b.schedule(hourly("a")).schedule(hourly("b")));
    JobQueueManager api = api();
    assertThat(api.pauseSchedule("a")).isTrue();
    assertThat(api.pauseSchedule("b")).isTrue();

    // a: declared again, changed; b: undeclared (paused), then declared again.
    deploy(
        d ->
            d.schedule(Schedule.every("a", Duration.ofMinutes(30), tickJob()).build())
                .undeclaredSchedules(UndeclaredSchedules.PAUSE));
    assertThat(api.getSchedule("a").orElseThrow().paused()).isTrue();
    assertThat(api.getSchedule("a").orElseThrow().interval()).contains(Duration.ofMinutes(30));
    assertThat(api.getSchedule("b").orElseThrow().declared()).isFalse();
    deploy(d -> d.schedule(hourly("a")).schedule(hourly("b")));
    assertThat(api.getSchedules())
        .extracting(ScheduleInfo::name, ScheduleInfo::declared, ScheduleInfo::paused)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", true, true),
            org.assertj.core.groups.Tuple.tuple("b", true, true));

    // The operator resumes; a later build keeps it running.
    assertThat(api.resumeSchedule("a")).isTrue();
    deploy(d -> d.schedule(hourly("a")).schedule(hourly("b")));
    assertThat(api.getSchedule("a").orElseThrow().paused()).isFalse();
  }

  @Test
  void aManagerThatDeclaresNothingLeavesTheStoredSchedulesAlone() {
    deploy(b -> b.schedule(hourly("a")).schedule(hourly("b")));
    List<ScheduleInfo> stored = api().getSchedules();
    JobQueueManager plain = deploy(b -> b.undeclaredSchedules(UndeclaredSchedules.REMOVE));
    assertThat(plain.getSchedules()).isEqualTo(stored);

    // Declaring an empty collection does declare: none.
    deploy(b -> b.schedules(List.of()));
    assertThat(plain.getSchedules()).isEmpty();
  }

  @Test
  void schedulesAddedAtRunTimeAreNeverRemovedOrPausedByReconciliation() {
    deploy(b -> b.schedule(hourly("declared")));
    JobQueueManager api = api();
    api.addSchedule(hourly("added"));
    ScheduleInfo added = api.getSchedule("added").orElseThrow();

    deploy(b -> b.schedules(List.of()).undeclaredSchedules(UndeclaredSchedules.PAUSE));
    assertThat(api.getSchedule("added")).contains(added);
    assertThat(api.getSchedule("declared").orElseThrow().paused()).isTrue();
    deploy(b -> b.schedule(hourly("declared")));
    deploy(b -> b.schedules(List.of()));
    assertThat(names(api)).containsExactly("added");
    assertThat(api.getSchedule("added")).contains(added);
  }

  @Test
  void twoManagersInitializingAtOnceWithTheSameDeclarationsStoreEachScheduleOnce()
      throws Exception {
    List<JobQueueManager> managers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      managers.add(
          jobqueue.build(
              builder(
                  b ->
                      b.schedule(hourly("a"))
                          .schedule(Schedule.cron("b", "*/5 * * * *", tickJob()).build())
                          .schedule(everySecond("c")))));
    }
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(managers.size());
    try {
      List<Future<?>> done = new ArrayList<>();
      for (JobQueueManager manager : managers) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  manager.initialize();
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(jobqueue.db().queryLong("select count(*) from " + jobqueue.schema() + ".schedules"))
        .isEqualTo(3);
    assertThat(managers.get(0).getSchedules())
        .extracting(ScheduleInfo::name, ScheduleInfo::declared)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", true),
            org.assertj.core.groups.Tuple.tuple("b", true),
            org.assertj.core.groups.Tuple.tuple("c", true));
  }

  @Test
  void reconcilingWaitsForATransactionThatHoldsAScheduleAndNeitherFails() throws Exception {
    deploy(b -> b.schedule(hourly("a")));
    String table = jobqueue.schema() + ".schedules";
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (java.sql.Connection leader = jobqueue.db().dataSource().getConnection()) {
      // What the leader's look (and updateSchedule on any node) does: lock a row, then write it.
      leader.setAutoCommit(false);
      try (var s = leader.createStatement()) {
        s.executeQuery("select name from " + table + " where name = 'a' for update").close();
      }
      Future<JobQueueManager> redeploy =
          pool.submit(
              () ->
                  deploy(
                      b ->
                          b.schedule(
                              Schedule.every("a", Duration.ofMinutes(30), tickJob()).build())));
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  jobqueue
                          .db()
                          .queryLong(
                              "select count(*) from pg_stat_activity where wait_event_type ="
                                  + " 'Lock' and position('"
                                  + jobqueue.schema()
                                  + "' in query) > 0")
                      > 0);
      try (var s = leader.createStatement()) {
        s.executeUpdate("update " + table + " set skips = skips + 1 where name = 'a'");
      }
      leader.commit();
      JobQueueManager deployed = redeploy.get(15, TimeUnit.SECONDS);
      ScheduleInfo a = deployed.getSchedule("a").orElseThrow();
      assertThat(a.interval()).contains(Duration.ofMinutes(30));
      assertThat(a.skips()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The first time of day {@code at} in {@code zone} strictly after {@code after}. */
  private static Instant nextAt(Instant after, ZoneId zone, LocalTime at) {
    ZonedDateTime local = after.atZone(zone);
    ZonedDateTime candidate = local.toLocalDate().atTime(at).atZone(zone);
    if (!candidate.toInstant().isAfter(after)) {
      candidate = local.toLocalDate().plusDays(1).atTime(at).atZone(zone);
    }
    return candidate.toInstant();
  }
}
