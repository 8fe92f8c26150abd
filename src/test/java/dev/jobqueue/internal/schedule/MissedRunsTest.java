package dev.jobqueue.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.MissedRunPolicy;
import dev.jobqueue.internal.schedule.MissedRuns.Plan;
import dev.jobqueue.internal.schedule.MissedRuns.Run;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The missed-run policies, on an every-minute schedule looked at after a downtime. */
class MissedRunsTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Occurrences EVERY_MINUTE = Occurrences.every(Duration.ofMinutes(1), T0);
  private static final Duration MISSED_AFTER = Duration.ofSeconds(60);

  private static Instant minute(int m) {
    return T0.plus(Duration.ofMinutes(m));
  }

  private static List<Run> runs(Plan plan) {
    return plan.runs();
  }

  @Test
  void onTimeOccurrencesRunUnderEveryPolicy() {
    // Due at 10:05, looked at 10:05:30: on time (30 s late).
    for (MissedRunPolicy policy :
        List.of(
            MissedRunPolicy.skip(),
            MissedRunPolicy.once(),
            MissedRunPolicy.all(5, Duration.ofHours(1)))) {
      Plan plan =
          MissedRuns.plan(policy, EVERY_MINUTE, minute(5), minute(5).plusSeconds(30), MISSED_AFTER);
      assertThat(runs(plan)).containsExactly(new Run(minute(5), false));
      assertThat(plan.skipped()).isZero();
      assertThat(plan.next()).contains(minute(6));
    }
  }

  @Test
  void skipRunsNoneOfTheMissedOnes() {
    // Down from 10:00:30 to 10:10:20: 10:01 to 10:09 are missed; 10:10 is on time.
    Plan plan =
        MissedRuns.plan(
            MissedRunPolicy.skip(),
            EVERY_MINUTE,
            minute(1),
            minute(10).plusSeconds(20),
            MISSED_AFTER);
    assertThat(runs(plan)).containsExactly(new Run(minute(10), false));
    assertThat(plan.skipped()).isEqualTo(9);
    assertThat(plan.catchUps()).isZero();
    assertThat(plan.next()).contains(minute(11));
  }

  @Test
  void skipAfterAnOutageThatEndsBetweenOccurrencesRunsNothingNow() {
    Plan plan =
        MissedRuns.plan(
            MissedRunPolicy.skip(),
            Occurrences.every(Duration.ofHours(1), T0),
            T0.plus(Duration.ofHours(1)),
            T0.plus(Duration.ofMinutes(200)),
            MISSED_AFTER);
    assertThat(runs(plan)).isEmpty();
    assertThat(plan.skipped()).isEqualTo(3);
    assertThat(plan.next()).contains(T0.plus(Duration.ofHours(4)));
  }

  @Test
  void onceRunsOneCatchUpCarryingTheLatestMissedTime() {
    Plan plan =
        MissedRuns.plan(
            MissedRunPolicy.once(),
            EVERY_MINUTE,
            minute(1),
            minute(10).plusSeconds(20),
            MISSED_AFTER);
    assertThat(runs(plan)).containsExactly(new Run(minute(9), true), new Run(minute(10), false));
    assertThat(plan.skipped()).isEqualTo(8);
    assertThat(plan.catchUps()).isEqualTo(1);
  }

  @Test
  void allRunsTheLatestCapWithinTheWindow() {
    // Missed 10:01 to 10:09; the window (5 min 30 s) keeps 10:05 to 10:09; the cap keeps 3.
    MissedRunPolicy all = MissedRunPolicy.all(3, Duration.ofSeconds(330));
    Plan plan =
        MissedRuns.plan(all, EVERY_MINUTE, minute(1), minute(10).plusSeconds(20), MISSED_AFTER);
    assertThat(runs(plan))
        .containsExactly(
            new Run(minute(7), true),
            new Run(minute(8), true),
            new Run(minute(9), true),
            new Run(minute(10), false));
    assertThat(plan.skipped()).isEqualTo(6);
    assertThat(plan.catchUps()).isEqualTo(3);
  }

  @Test
  void allWithinCapRunsEveryMissedOccurrence() {
    Plan plan =
        MissedRuns.plan(
            MissedRunPolicy.all(100, Duration.ofHours(1)),
            EVERY_MINUTE,
            minute(1),
            minute(4).plusSeconds(5),
            MISSED_AFTER);
    assertThat(runs(plan))
        .containsExactly(
            new Run(minute(1), true),
            new Run(minute(2), true),
            new Run(minute(3), true),
            new Run(minute(4), false));
    assertThat(plan.skipped()).isZero();
  }

  @Test
  void aLongDowntimeIsWalkedInBoundedLooks() {
    Occurrences everySecond = Occurrences.every(Duration.ofSeconds(1), T0);
    Instant now = T0.plus(Duration.ofDays(3)); // 259,200 occurrences
    Plan first =
        MissedRuns.plan(MissedRunPolicy.once(), everySecond, T0.plusSeconds(1), now, MISSED_AFTER);
    assertThat(first.runs()).isEmpty();
    assertThat(first.skipped()).isEqualTo(MissedRuns.MAX_WALK);
    Instant resume = first.next().orElseThrow();
    assertThat(resume).isBefore(now);
    long skipped = first.skipped();
    Plan plan = first;
    int looks = 1;
    while (plan.runs().isEmpty()) {
      plan =
          MissedRuns.plan(
              MissedRunPolicy.once(), everySecond, plan.next().orElseThrow(), now, MISSED_AFTER);
      skipped += plan.skipped();
      looks++;
    }
    assertThat(looks).isEqualTo(3);
    // The last look runs the catch-up (the latest missed second) and the 61 on time.
    assertThat(plan.catchUps()).isEqualTo(1);
    assertThat(plan.runs().get(0).occurrence()).isEqualTo(now.minusSeconds(61));
    assertThat(plan.runs()).hasSize(62);
    assertThat(skipped + plan.runs().size()).isEqualTo(259_200);
  }

  @Test
  void badCapsAndWindowsAreRefusedByValue() {
    assertThatThrownBy(() -> MissedRunPolicy.all(0, Duration.ofHours(1)))
        .hasMessageContaining("cap must be between 1 and 10000 (was 0)");
    assertThatThrownBy(() -> MissedRunPolicy.all(10_001, Duration.ofHours(1)))
        .hasMessageContaining("(was 10001)");
    assertThatThrownBy(() -> MissedRunPolicy.all(5, Duration.ZERO))
        .hasMessageContaining("window must be more than 0 and at most 366 days")
        .hasMessageContaining("(was PT0S)");
    assertThatThrownBy(() -> MissedRunPolicy.all(5, Duration.ofSeconds(-1)))
        .hasMessageContaining("(was PT-1S)");
    assertThatThrownBy(() -> MissedRunPolicy.all(5, Duration.ofDays(367)))
        .hasMessageContaining("(was PT8808H)");
    assertThatThrownBy(() -> new MissedRunPolicy(MissedRunPolicy.Kind.SKIP, 3, Duration.ZERO))
        .hasMessageContaining("a cap and a window apply to ALL only (was SKIP with cap 3");
  }

  /** The example of docs/recurring.md: every 10 minutes, all nodes down from 10:05 to 11:02. */
  @Test
  void theGuidesExampleOfATenMinuteSchedule() {
    Occurrences every10 = Occurrences.every(Duration.ofMinutes(10), T0);
    Instant due = minute(10);
    Instant now = minute(62);

    Plan skip = MissedRuns.plan(MissedRunPolicy.skip(), every10, due, now, MISSED_AFTER);
    assertThat(skip.runs()).isEmpty();
    assertThat(skip.skipped()).isEqualTo(6);
    assertThat(skip.next()).contains(minute(70));

    Plan once = MissedRuns.plan(MissedRunPolicy.once(), every10, due, now, MISSED_AFTER);
    assertThat(once.runs()).containsExactly(new Run(minute(60), true));
    assertThat(once.skipped()).isEqualTo(5);

    Plan all =
        MissedRuns.plan(
            MissedRunPolicy.all(3, Duration.ofMinutes(45)), every10, due, now, MISSED_AFTER);
    assertThat(all.runs())
        .containsExactly(
            new Run(minute(40), true), new Run(minute(50), true), new Run(minute(60), true));
    assertThat(all.skipped()).isEqualTo(3);
  }
}
