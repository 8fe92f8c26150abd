package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.OccurrenceRows;
import dev.jobqueue.testing.OccurrenceRows.Row;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Schedules on one leader: every occurrence enqueued once and on time by the database clock, the
 * occurrence the handler sees, cron with seconds, and the overlap policies.
 */
class SchedulesIT {

  record Tick(String note) {}

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  /** The occurrence each job's handler saw, by job id. */
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();

  private final JobHandler<Tick> tick =
      JobHandler.of(
          "tick",
          Tick.class,
          (payload, ctx) -> {
            seen.put(ctx.jobId(), ctx.occurrenceAt().orElseThrow());
            assertThat(ctx.scheduleName()).isPresent();
            return null;
          });

  private OccurrenceRows occurrences() {
    return new OccurrenceRows(jobqueue.db().dataSource(), jobqueue.schema());
  }

  private JobQueueManager leader(JobHandler<?>... handlers) {
    return jobqueue.start("leader", jobqueue.fastConfig().runWorkers(true).build(), handlers);
  }

  private static CreateJobOptions tickJob() {
    return CreateJobOptions.of("tick", new Tick("hi"));
  }

  @Test
  void anEverySecondScheduleEnqueuesEachOccurrenceOnceAndNeverEarly() {
    JobQueueManager node = leader(tick);
    node.addSchedule(Schedule.every("every-second", Duration.ofSeconds(1), tickJob()).build());

    await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() >= 5);
    List<Row> rows = occurrences().of("every-second");
    ScheduleInfo info = node.getSchedule("every-second").orElseThrow();

    // Consecutive seconds from the anchor, none twice, none left out.
    for (int i = 1; i < rows.size(); i++) {
      assertThat(Duration.between(rows.get(i - 1).occurrenceAt(), rows.get(i).occurrenceAt()))
          .isEqualTo(Duration.ofSeconds(1));
    }
    for (Row row : rows) {
      assertThat(row.scheduledAt()).isEqualTo(row.occurrenceAt());
      assertThat(row.createdAt()).isAfterOrEqualTo(row.occurrenceAt());
      assertThat(Duration.between(row.occurrenceAt(), row.createdAt()))
          .isLessThan(Duration.ofMillis(1_500));
      if (row.startedAt() != null) {
        assertThat(row.startedAt()).isAfterOrEqualTo(row.occurrenceAt());
      }
    }
    Map<String, Instant> stored =
        rows.stream().collect(Collectors.toMap(r -> String.valueOf(r.id()), Row::occurrenceAt));
    seen.forEach((id, occurrence) -> assertThat(stored).containsEntry(id, occurrence));
    assertThat(info.runs()).isGreaterThanOrEqualTo(rows.size() - 1L);
    assertThat(info.skips()).isZero();
    assertThat(info.catchUps()).isZero();
    assertThat(info.lastRunAt()).isPresent();
    assertThat(info.nextRunAt().orElseThrow()).isAfter(info.lastRunAt().orElseThrow());
    Job job = node.getJob(info.lastJobId().orElseThrow()).orElseThrow();
    assertThat(job.scheduleName()).contains("every-second");
    assertThat(job.occurrenceAt()).isEqualTo(info.lastRunAt());
  }

  @Test
  void aSixFieldCronRunsOnItsSeconds() {
    JobQueueManager node = leader(tick);
    node.addSchedule(Schedule.cron("even-seconds", "*/2 * * * * *", tickJob()).build());

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> occurrences().of("even-seconds").size() >= 3);
    for (Row row : occurrences().of("even-seconds")) {
      assertThat(row.occurrenceAt().getEpochSecond() % 2).isZero();
      assertThat(row.occurrenceAt().getNano()).isZero();
    }
  }

  @Test
  void overlapSkipEnqueuesNothingWhileThePreviousJobRuns() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Set<String> started = ConcurrentHashMap.newKeySet();
    JobQueueManager node = leader(blocking(started, release));
    node.addSchedule(
        Schedule.every("slow", Duration.ofSeconds(1), CreateJobOptions.of("slow", Map.of()))
            .overlap(OverlapPolicy.SKIP)
            .build());

    await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> node.getSchedule("slow").orElseThrow().skips() >= 3);
    assertThat(occurrences().of("slow")).hasSize(1);
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> occurrences().of("slow").size() >= 2);
    ScheduleInfo info = node.getSchedule("slow").orElseThrow();
    assertThat(info.waitingAt()).isEmpty();
  }

  @Test
  void overlapQueueKeepsOneOccurrenceBackUntilThePreviousJobEnds() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Set<String> started = ConcurrentHashMap.newKeySet();
    JobQueueManager node = leader(blocking(started, release));
    node.addSchedule(
        Schedule.every("slow", Duration.ofSeconds(1), CreateJobOptions.of("slow", Map.of()))
            .overlap(OverlapPolicy.QUEUE)
            .build());

    await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> node.getSchedule("slow").orElseThrow().skips() >= 2);
    ScheduleInfo waiting = node.getSchedule("slow").orElseThrow();
    assertThat(waiting.waitingAt()).isPresent();
    assertThat(occurrences().of("slow")).hasSize(1);

    Instant releasedAfter = waiting.waitingAt().get();
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> occurrences().of("slow").size() >= 2);
    Row second = occurrences().of("slow").get(1);
    // The kept-back occurrence runs, carrying its own time: the latest that came due while it
    // waited.
    assertThat(second.occurrenceAt()).isAfterOrEqualTo(releasedAfter);
    assertThat(second.createdAt()).isAfter(second.occurrenceAt());
  }

  @Test
  void healthTurnsDegradedWhenNoLeaderEnqueuesADueOccurrence() {
    JobQueueManager producer =
        jobqueue.start(
            "producer",
            jobqueue
                .fastConfig()
                .runWorkers(false)
                .missedRunThreshold(Duration.ofSeconds(1))
                .build(),
            tick);
    producer.addSchedule(Schedule.every("orphan", Duration.ofSeconds(1), tickJob()).build());
    producer.addSchedule(Schedule.cron("yearly", "0 0 1 1 *", tickJob()).build());
    producer.pauseSchedule("yearly");

    // No node runs workers, so none leads: the first occurrence (1 s after the add) waits.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> producer.healthCheck().status() == HealthStatus.DEGRADED);
    HealthCheckResult health = producer.healthCheck();
    assertThat(health.schedules().total()).isEqualTo(2);
    assertThat(health.schedules().paused()).isEqualTo(1);
    assertThat(health.schedules().late()).containsExactly("orphan");
    assertThat(health.schedules().lagMillis()).isGreaterThan(1_000);
    assertThat(health.reasons()).anyMatch(r -> r.startsWith("schedules orphan: due occurrences"));

    // A leader comes and enqueues it: healthy again.
    JobQueueManager leader =
        jobqueue.start(
            "leader",
            jobqueue.fastConfig().missedRunThreshold(Duration.ofSeconds(1)).build(),
            tick);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> leader.healthCheck().status() == HealthStatus.HEALTHY);
    assertThat(leader.healthCheck().schedules().late()).isEmpty();
    assertThat(leader.getSchedule("orphan").orElseThrow().skips()).isPositive();
  }

  private static JobHandler<Map<String, Object>> blocking(
      Set<String> started, CountDownLatch release) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<Map<String, Object>> type = (Class) Map.class;
    return JobHandler.of(
        "slow",
        type,
        (payload, ctx) -> {
          started.add(ctx.jobId());
          release.await(30, TimeUnit.SECONDS);
          return null;
        });
  }
}
