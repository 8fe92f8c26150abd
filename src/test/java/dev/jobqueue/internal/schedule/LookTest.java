package dev.jobqueue.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.MissedRunPolicy;
import dev.jobqueue.OverlapPolicy;
import dev.jobqueue.internal.schedule.MissedRuns.Run;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The overlap policies over the missed-run plan, on an every-minute schedule. */
class LookTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Occurrences EVERY_MINUTE = Occurrences.every(Duration.ofMinutes(1), T0);
  private static final Duration MISSED_AFTER = Duration.ofSeconds(60);

  private static Instant minute(int m) {
    return T0.plus(Duration.ofMinutes(m));
  }

  private static Look look(
      MissedRunPolicy missed,
      OverlapPolicy overlap,
      Instant next,
      Instant waiting,
      boolean previousActive,
      Instant now) {
    return Look.decide(
        missed, overlap, EVERY_MINUTE, next, waiting, previousActive, now, MISSED_AFTER);
  }

  @Test
  void allowRunsEveryPlannedOccurrenceWhateverThePreviousJobDoes() {
    Look look =
        look(
            MissedRunPolicy.all(5, Duration.ofHours(1)),
            OverlapPolicy.ALLOW,
            minute(1),
            null,
            true,
            minute(3).plusSeconds(10));
    assertThat(look.runs())
        .containsExactly(
            new Run(minute(1), true), new Run(minute(2), true), new Run(minute(3), false));
    assertThat(look.catchUps()).isEqualTo(2);
    assertThat(look.skips()).isZero();
    assertThat(look.next()).isEqualTo(minute(4));
    assertThat(look.waiting()).isNull();
  }

  @Test
  void skipRunsNothingWhileThePreviousJobIsActiveAndCountsEachOccurrence() {
    Look busy = look(MissedRunPolicy.skip(), OverlapPolicy.SKIP, minute(3), null, true, minute(3));
    assertThat(busy.runs()).isEmpty();
    assertThat(busy.skips()).isEqualTo(1);
    assertThat(busy.next()).isEqualTo(minute(4));

    Look free = look(MissedRunPolicy.skip(), OverlapPolicy.SKIP, minute(3), null, false, minute(3));
    assertThat(free.runs()).containsExactly(new Run(minute(3), false));
    assertThat(free.skips()).isZero();
  }

  @Test
  void skipRunsOnlyTheFirstOfSeveralDueOccurrences() {
    // Three catch-ups and one on time: they would overlap each other, so one runs.
    Look look =
        look(
            MissedRunPolicy.all(5, Duration.ofHours(1)),
            OverlapPolicy.SKIP,
            minute(1),
            null,
            false,
            minute(4).plusSeconds(5));
    assertThat(look.runs()).containsExactly(new Run(minute(1), true));
    assertThat(look.skips()).isEqualTo(3);
  }

  @Test
  void queueKeepsTheLatestOccurrenceBackWhileThePreviousJobIsActive() {
    Look first =
        look(MissedRunPolicy.skip(), OverlapPolicy.QUEUE, minute(3), null, true, minute(3));
    assertThat(first.runs()).isEmpty();
    assertThat(first.waiting()).isEqualTo(minute(3));
    assertThat(first.skips()).isZero();
    assertThat(first.next()).isEqualTo(minute(4));

    // The next occurrence comes while one waits: the newer waits, the older counts as a skip.
    Look second =
        look(MissedRunPolicy.skip(), OverlapPolicy.QUEUE, minute(4), minute(3), true, minute(4));
    assertThat(second.runs()).isEmpty();
    assertThat(second.waiting()).isEqualTo(minute(4));
    assertThat(second.skips()).isEqualTo(1);

    // Still running, nothing new due: nothing changes.
    Look still =
        look(
            MissedRunPolicy.skip(),
            OverlapPolicy.QUEUE,
            minute(5),
            minute(4),
            true,
            minute(4).plusSeconds(30));
    assertThat(still.runs()).isEmpty();
    assertThat(still.waiting()).isEqualTo(minute(4));
    assertThat(still.skips()).isZero();
    assertThat(still.next()).isEqualTo(minute(5));
  }

  @Test
  void queueRunsTheWaitingOccurrenceOnceThePreviousJobEnded() {
    Look look =
        look(
            MissedRunPolicy.skip(),
            OverlapPolicy.QUEUE,
            minute(5),
            minute(4),
            false,
            minute(4).plusSeconds(40));
    assertThat(look.runs()).containsExactly(new Run(minute(4), false));
    assertThat(look.waiting()).isNull();
    assertThat(look.next()).isEqualTo(minute(5));

    // The waiting one and a new one at once: the waiting runs, the new one waits for it.
    Look both =
        look(MissedRunPolicy.skip(), OverlapPolicy.QUEUE, minute(5), minute(4), false, minute(5));
    assertThat(both.runs()).containsExactly(new Run(minute(4), false));
    assertThat(both.waiting()).isEqualTo(minute(5));
    assertThat(both.skips()).isZero();
  }

  @Test
  void nothingDueChangesNothing() {
    for (OverlapPolicy overlap : OverlapPolicy.values()) {
      Look look =
          look(MissedRunPolicy.once(), overlap, minute(5), null, false, minute(4).plusSeconds(1));
      assertThat(look.runs()).isEmpty();
      assertThat(look.skips()).isZero();
      assertThat(look.next()).isEqualTo(minute(5));
      assertThat(look.waiting()).isNull();
    }
  }
}
