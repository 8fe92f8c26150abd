package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.OccurrenceRows;
import dev.jobqueue.testing.OccurrenceRows.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Schedules changed at run time on a node that only serves the API take effect on the leader, a
 * node of its own, within a second: add, pause, resume, update and delete. Every time compared is
 * the database's.
 */
class ScheduleClusterIT {

  record Tick(String note) {}

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  /** How late the leader may see a change made on another node. */
  private static final Duration WITHIN = Duration.ofSeconds(1);

  /** How late after its occurrence a job may be created. */
  private static final Duration ON_TIME = Duration.ofMillis(1_500);

  private final JobHandler<Tick> tick = JobHandler.of("tick", Tick.class, (payload, ctx) -> null);

  private OccurrenceRows occurrences() {
    return new OccurrenceRows(jobqueue.db().dataSource(), jobqueue.schema());
  }

  private static Instant dbNow() {
    long micros = jobqueue.db().queryLong("select (extract(epoch from now()) * 1000000)::bigint");
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  private List<Row> createdAfter(Instant at) {
    return occurrences().of("beat").stream().filter(r -> r.createdAt().isAfter(at)).toList();
  }

  @Test
  void changesMadeOnAnApiNodeReachTheLeaderWithinASecond() throws Exception {
    JobQueueManager a =
        jobqueue.start("node-a", jobqueue.fastConfig().runWorkers(false).build(), tick);
    JobQueueManager b =
        jobqueue.start("node-b", jobqueue.fastConfig().runWorkers(true).build(), tick);
    await().atMost(Duration.ofSeconds(15)).until(() -> b.workerPool().isLeader());
    assertThat(b.getSchedules()).isEmpty();
    // Let the leader's scheduler settle into its idle sleep, which a change must cut short.
    Thread.sleep(1_500);

    // Add on A: B enqueues the first occurrence, one interval after the add, on time.
    Instant beforeAdd = dbNow();
    a.addSchedule(
        Schedule.every("beat", Duration.ofSeconds(1), CreateJobOptions.of("tick", new Tick("b")))
            .build());
    Instant added = dbNow();
    Instant firstOccurrence = a.getSchedule("beat").orElseThrow().nextRunAt().orElseThrow();
    assertThat(firstOccurrence).isAfter(beforeAdd).isBeforeOrEqualTo(added.plus(WITHIN));
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> occurrences().of("beat").size() >= 3);
    List<Row> first = occurrences().of("beat");
    assertThat(first.get(0).occurrenceAt()).isEqualTo(firstOccurrence);
    assertThat(first)
        .allSatisfy(
            r -> {
              assertThat(r.createdAt()).isAfterOrEqualTo(r.occurrenceAt());
              assertThat(Duration.between(r.occurrenceAt(), r.createdAt())).isLessThan(ON_TIME);
            });
    assertThat(b.getSchedule("beat").orElseThrow().runs()).isGreaterThanOrEqualTo(3);

    // Pause on A: nothing from B a second after the pause returned.
    assertThat(a.pauseSchedule("beat")).isTrue();
    Instant paused = dbNow();
    Thread.sleep(2_500);
    assertThat(createdAfter(paused.plus(WITHIN))).as("jobs a second after the pause").isEmpty();
    int whilePaused = occurrences().of("beat").size();

    // Resume on A: jobs again, none for an occurrence inside the pause.
    assertThat(a.resumeSchedule("beat")).isTrue();
    Instant resumed = dbNow();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> createdAfter(resumed).size() >= 2);
    List<Row> afterResume = createdAfter(resumed);
    assertThat(afterResume.get(0).occurrenceAt())
        .isAfter(resumed)
        .isBeforeOrEqualTo(resumed.plus(WITHIN));
    assertThat(Duration.between(resumed, afterResume.get(0).createdAt()))
        .isLessThan(WITHIN.plus(ON_TIME));
    assertThat(occurrences().of("beat"))
        .as("occurrences inside the pause")
        .noneMatch(r -> r.occurrenceAt().isAfter(paused) && !r.occurrenceAt().isAfter(resumed));
    assertThat(occurrences().of("beat").size()).isGreaterThan(whilePaused);

    // Update on A to every 3 s: B follows the new interval within a second.
    assertThat(
            a.updateSchedule(
                Schedule.every(
                        "beat", Duration.ofSeconds(3), CreateJobOptions.of("tick", new Tick("u")))
                    .build()))
        .isTrue();
    Instant updated = dbNow();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> createdAfter(updated.plus(WITHIN)).size() >= 2);
    List<Row> slower = createdAfter(updated.plus(WITHIN));
    assertThat(Duration.between(slower.get(0).occurrenceAt(), slower.get(1).occurrenceAt()))
        .isEqualTo(Duration.ofSeconds(3));

    // Delete on A: nothing from B a second after the delete returned; the jobs stay.
    assertThat(a.deleteSchedule("beat")).isTrue();
    Instant deleted = dbNow();
    Thread.sleep(4_000);
    assertThat(createdAfter(deleted.plus(WITHIN))).as("jobs a second after the delete").isEmpty();
    assertThat(b.getSchedules()).isEmpty();
    assertThat(occurrences().of("beat")).isNotEmpty();
  }
}
