package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.instant;
import static dev.jobqueue.internal.store.Sql.utc;

import dev.jobqueue.MissedRunPolicy;
import dev.jobqueue.OverlapPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import org.jooq.Record;

/**
 * The mapping between a schedule and the columns of the {@code schedules} table: the bind values of
 * its definition, and a row read back. {@link ScheduleStore} holds the column lists.
 */
final class ScheduleColumns {
  private ScheduleColumns() {}

  /** The bind values of a definition, in the order of the definition columns. */
  static Object[] binds(ScheduleDefinition d, Instant anchor) {
    NewJob job = d.job();
    NewJob.Unique unique = job.unique();
    MissedRunPolicy missed = d.missedRuns();
    boolean all = missed.kind() == MissedRunPolicy.Kind.ALL;
    return new Object[] {
      job.type(),
      job.payloadJson(),
      job.priority(),
      job.maxRetries(),
      job.timeoutSeconds(),
      job.queue(),
      job.concurrencyKey(),
      unique == null ? null : unique.key(),
      unique == null ? null : unique.states().toArray(new String[0]),
      unique == null ? null : unique.completedWithinMillis(),
      unique == null ? null : unique.replace(),
      d.cron(),
      d.zone() == null ? null : d.zone().getId(),
      d.interval() == null ? null : d.interval().toMillis(),
      d.interval() == null || anchor == null ? null : utc(anchor),
      missed.kind().wireName(),
      all ? missed.cap() : null,
      all ? missed.window().toMillis() : null,
      d.overlap().wireName()
    };
  }

  /** A row read with the column list of the store. */
  static ScheduleStore.ScheduleRow row(Record r) {
    String[] states = r.get(9, String[].class);
    String uniqueKey = r.get(8, String.class);
    NewJob job =
        new NewJob(
            r.get(1, String.class),
            r.get(3, Integer.class),
            r.get(2, String.class),
            r.get(4, Integer.class),
            r.get(5, Integer.class),
            null,
            r.get(6, String.class),
            r.get(7, String.class),
            uniqueKey == null
                ? null
                : new NewJob.Unique(
                    uniqueKey, List.of(states), r.get(10, Long.class), r.get(11, Boolean.class)));
    String cron = r.get(12, String.class);
    String zone = r.get(13, String.class);
    Long intervalMillis = r.get(14, Long.class);
    MissedRunPolicy.Kind kind =
        MissedRunPolicy.Kind.valueOf(r.get(16, String.class).toUpperCase(Locale.ROOT));
    MissedRunPolicy missed =
        kind == MissedRunPolicy.Kind.ALL
            ? MissedRunPolicy.all(
                r.get(17, Integer.class), Duration.ofMillis(r.get(18, Long.class)))
            : new MissedRunPolicy(kind, 1, Duration.ZERO);
    ScheduleDefinition definition =
        new ScheduleDefinition(
            r.get(0, String.class),
            job,
            cron,
            zone == null ? null : ZoneId.of(zone),
            intervalMillis == null ? null : Duration.ofMillis(intervalMillis),
            instant(r.get(15, OffsetDateTime.class)),
            missed,
            OverlapPolicy.valueOf(r.get(19, String.class).toUpperCase(Locale.ROOT)));
    return new ScheduleStore.ScheduleRow(
        definition,
        r.get(20, Boolean.class),
        r.get(21, Boolean.class),
        r.get(22, String.class),
        instant(r.get(23, OffsetDateTime.class)),
        instant(r.get(24, OffsetDateTime.class)),
        instant(r.get(25, OffsetDateTime.class)),
        r.get(26, Long.class),
        r.get(27, Long.class),
        r.get(28, Long.class),
        r.get(29, Long.class),
        instant(r.get(30, OffsetDateTime.class)),
        instant(r.get(31, OffsetDateTime.class)));
  }
}
