package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schedule builder and the missed-run policy, without a database. */
class ScheduleTest {

  private static final CreateJobOptions JOB = CreateJobOptions.of("tick", Map.of("n", 1));

  @Test
  void aCronScheduleDefaultsToUtcSkipAndAllow() {
    Schedule s = Schedule.cron("nightly", "0 2 * * *", JOB).build();

    assertThat(s.name()).isEqualTo("nightly");
    assertThat(s.job()).isSameAs(JOB);
    assertThat(s.cron()).contains("0 2 * * *");
    assertThat(s.interval()).isEmpty();
    assertThat(s.anchor()).isEmpty();
    assertThat(s.zone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(s.missedRuns()).isEqualTo(MissedRunPolicy.skip());
    assertThat(s.missedRuns().kind()).isEqualTo(MissedRunPolicy.Kind.SKIP);
    assertThat(s.overlap()).isEqualTo(OverlapPolicy.ALLOW);
    assertThat(s.toString()).contains("nightly", "0 2 * * *", "tick", "skip", "allow");
  }

  @Test
  void anIntervalScheduleHasNoCronAndKeepsItsAnchorToTheMillisecond() {
    Instant anchor = Instant.parse("2030-01-01T00:00:00.123456789Z");
    Schedule s =
        Schedule.every("ping", Duration.ofSeconds(30), JOB)
            .anchor(anchor)
            .missedRuns(MissedRunPolicy.once())
            .overlap(OverlapPolicy.QUEUE)
            .build();

    assertThat(s.interval()).contains(Duration.ofSeconds(30));
    assertThat(s.cron()).isEmpty();
    assertThat(s.anchor()).contains(Instant.parse("2030-01-01T00:00:00.123Z"));
    assertThat(s.zone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(s.missedRuns()).isEqualTo(MissedRunPolicy.once());
    assertThat(s.overlap()).isEqualTo(OverlapPolicy.QUEUE);
    assertThat(s.toString()).contains("ping", "every 30000 ms", "once", "queue");
  }

  @Test
  void setters() {
    Schedule s =
        Schedule.cron("berlin", "30 0 2 * * *", JOB)
            .zone("Europe/Berlin")
            .missedRuns(MissedRunPolicy.all(5, Duration.ofHours(1)))
            .overlap(OverlapPolicy.SKIP)
            .build();
    assertThat(s.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(s.missedRuns())
        .isEqualTo(new MissedRunPolicy(MissedRunPolicy.Kind.ALL, 5, Duration.ofHours(1)));
    assertThat(s.overlap()).isEqualTo(OverlapPolicy.SKIP);
    assertThat(s.toString()).contains("Europe/Berlin", "all(cap 5, window 3600000 ms)", "skip");
    assertThat(Schedule.cron("z", "* * * * *", JOB).zone(ZoneId.of("+02:00")).build().zone())
        .isEqualTo(ZoneOffset.ofHours(2));
  }

  @Test
  void namesAreChecked() {
    assertThat(Schedule.every("a.b_c:d-1", Duration.ofSeconds(1), JOB).build().name())
        .isEqualTo("a.b_c:d-1");
    assertThat(Schedule.every("x".repeat(128), Duration.ofSeconds(1), JOB).build().name())
        .hasSize(128);
    for (String bad : new String[] {"", "-leading", "has space", "x".repeat(129), "slash/no"}) {
      assertThatThrownBy(() -> Schedule.every(bad, Duration.ofSeconds(1), JOB))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> Schedule.every(null, Duration.ofSeconds(1), JOB))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Schedule.cron("n", "* * * * *", null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void badCronExpressionsAreRefusedNamingThem() {
    for (String bad :
        new String[] {
          "garbage",
          "* * * *",
          "* * * * * * *",
          "61 * * * *",
          "* 24 * * *",
          "0 0 30 2 *",
          "a b c d e"
        }) {
      assertThatThrownBy(() -> Schedule.cron("c", bad, JOB))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> Schedule.cron("c", "* * * *", JOB)).hasMessageContaining("4 fields");
  }

  @Test
  void badIntervalsAreRefusedNamingThem() {
    for (Duration bad :
        new Duration[] {
          Duration.ZERO,
          Duration.ofSeconds(-5),
          Duration.ofMillis(999),
          Duration.ofDays(366).plusMillis(1),
          Duration.ofSeconds(1).plusNanos(1)
        }) {
      assertThatThrownBy(() -> Schedule.every("i", bad, JOB))
          .as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.toString());
    }
    assertThat(Schedule.every("i", Schedule.MIN_INTERVAL, JOB).build().interval())
        .contains(Duration.ofSeconds(1));
    assertThat(Schedule.every("i", Schedule.MAX_INTERVAL, JOB).build().interval())
        .contains(Duration.ofDays(366));
    assertThatThrownBy(() -> Schedule.every("i", null, JOB))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void zoneAppliesToCronAndAnchorToIntervals() {
    assertThatThrownBy(() -> Schedule.cron("c", "* * * * *", JOB).zone("Mars/Olympus"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Mars/Olympus");
    assertThatThrownBy(() -> Schedule.every("i", Duration.ofSeconds(5), JOB).zone("UTC"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'i'")
        .hasMessageContaining("interval");
    assertThatThrownBy(() -> Schedule.cron("c", "* * * * *", JOB).anchor(Instant.EPOCH))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'c'")
        .hasMessageContaining("cron");
  }

  @Test
  void theJobMayNotCarryItsOwnTime() {
    Instant at = Instant.parse("2031-05-06T07:08:09Z");
    assertThatThrownBy(
            () ->
                Schedule.every(
                    "timed",
                    Duration.ofSeconds(5),
                    CreateJobOptions.builder("tick", Map.of()).scheduledAt(at).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'timed'")
        .hasMessageContaining(at.toString());
    assertThatThrownBy(
            () ->
                Schedule.cron(
                    "bucketed",
                    "* * * * *",
                    CreateJobOptions.builder("tick", Map.of())
                        .unique(UniqueOptions.byKey("k").period(Duration.ofHours(1)))
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bucketed'")
        .hasMessageContaining("PT1H");
    // A unique key without a period is fine.
    assertThat(
            Schedule.cron(
                    "keyed",
                    "* * * * *",
                    CreateJobOptions.builder("tick", Map.of())
                        .unique(UniqueOptions.byKey("k"))
                        .build())
                .build()
                .job()
                .unique())
        .isPresent();
  }

  @Test
  void missedRunPolicyBounds() {
    assertThat(MissedRunPolicy.all(1, Duration.ofMillis(1)).cap()).isEqualTo(1);
    assertThat(MissedRunPolicy.all(MissedRunPolicy.MAX_CAP, MissedRunPolicy.MAX_WINDOW).window())
        .isEqualTo(Duration.ofDays(366));
    assertThat(MissedRunPolicy.once().toString()).isEqualTo("once");
    assertThat(MissedRunPolicy.skip().toString()).isEqualTo("skip");
    assertThat(MissedRunPolicy.Kind.ALL.wireName()).isEqualTo("all");

    assertThatThrownBy(() -> MissedRunPolicy.all(0, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> MissedRunPolicy.all(MissedRunPolicy.MAX_CAP + 1, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 10001");
    for (Duration bad :
        new Duration[] {
          Duration.ZERO,
          Duration.ofSeconds(-1),
          MissedRunPolicy.MAX_WINDOW.plusMillis(1),
          Duration.ofMillis(1).plusNanos(1)
        }) {
      assertThatThrownBy(() -> MissedRunPolicy.all(3, bad))
          .as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.toString());
    }
    assertThatThrownBy(() -> new MissedRunPolicy(MissedRunPolicy.Kind.ONCE, 2, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cap 2");
    assertThatThrownBy(
            () -> new MissedRunPolicy(MissedRunPolicy.Kind.SKIP, 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT1S");
    assertThatThrownBy(() -> new MissedRunPolicy(null, 1, Duration.ZERO))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void wireNames() {
    assertThat(OverlapPolicy.ALLOW.wireName()).isEqualTo("allow");
    assertThat(OverlapPolicy.SKIP.wireName()).isEqualTo("skip");
    assertThat(OverlapPolicy.QUEUE.wireName()).isEqualTo("queue");
  }
}
