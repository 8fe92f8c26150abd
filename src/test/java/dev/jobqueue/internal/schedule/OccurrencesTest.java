package dev.jobqueue.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Occurrence times, through daylight-saving changes in two zones. Berlin springs forward on
 * 2026-03-29 at 02:00 CET (to 03:00 CEST) and falls back on 2026-10-25 at 03:00 CEST (to 02:00
 * CET); New York springs forward on 2026-03-08 at 02:00 EST and falls back on 2026-11-01 at 02:00
 * EDT.
 */
class OccurrencesTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  /** Every occurrence in [from, until), as offset date-times in the schedule's zone. */
  private static List<String> between(Occurrences o, ZoneId zone, String from, String until) {
    Instant at = OffsetDateTime.parse(from).toInstant();
    Instant end = OffsetDateTime.parse(until).toInstant();
    List<String> out = new ArrayList<>();
    at = at.minusNanos(1);
    while (true) {
      Instant next = o.next(at).orElseThrow();
      if (!next.isBefore(end)) {
        return out;
      }
      out.add(next.atZone(zone).toOffsetDateTime().toString());
      at = next;
    }
  }

  @Nested
  class SpringForward {
    @Test
    void hourlyInBerlinRunsOnceAroundTheSkippedHour() {
      Occurrences hourly = Occurrences.cron("0 * * * *", BERLIN);
      assertThat(between(hourly, BERLIN, "2026-03-29T00:00+01:00", "2026-03-29T05:00+02:00"))
          .containsExactly(
              "2026-03-29T00:00+01:00",
              "2026-03-29T01:00+01:00",
              // 02:00 does not exist: it runs at the first instant after the gap, which is also
              // the wall-clock 03:00, so the two are one occurrence.
              "2026-03-29T03:00+02:00",
              "2026-03-29T04:00+02:00");
    }

    @Test
    void dailyInTheSkippedHourRunsOnceAtTheGapsEnd() {
      Occurrences daily = Occurrences.cron("30 2 * * *", BERLIN);
      assertThat(between(daily, BERLIN, "2026-03-28T00:00+01:00", "2026-03-31T00:00+02:00"))
          .containsExactly(
              "2026-03-28T02:30+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00");
    }

    @Test
    void severalMatchesInTheGapAreOneOccurrence() {
      Occurrences quarterly = Occurrences.cron("*/15 2 * * *", NEW_YORK);
      assertThat(between(quarterly, NEW_YORK, "2026-03-08T00:00-05:00", "2026-03-08T12:00-04:00"))
          .containsExactly("2026-03-08T03:00-04:00");
    }

    @Test
    void dailyInNewYork() {
      Occurrences daily = Occurrences.cron("0 2 * * *", NEW_YORK);
      assertThat(between(daily, NEW_YORK, "2026-03-07T00:00-05:00", "2026-03-10T00:00-04:00"))
          .containsExactly(
              "2026-03-07T02:00-05:00", "2026-03-08T03:00-04:00", "2026-03-09T02:00-04:00");
    }

    @Test
    void hourlyWithSecondsInNewYork() {
      Occurrences hourly = Occurrences.cron("15 0 * * * *", NEW_YORK);
      assertThat(between(hourly, NEW_YORK, "2026-03-08T00:30-05:00", "2026-03-08T04:00-04:00"))
          .containsExactly(
              "2026-03-08T01:00:15-05:00",
              // 02:00:15 is skipped: the first instant after the gap.
              "2026-03-08T03:00-04:00",
              "2026-03-08T03:00:15-04:00");
    }
  }

  @Nested
  class FallBack {
    @Test
    void hourlyInBerlinRunsTheRepeatedHourOnce() {
      Occurrences hourly = Occurrences.cron("0 * * * *", BERLIN);
      assertThat(between(hourly, BERLIN, "2026-10-25T01:00+02:00", "2026-10-25T05:00+01:00"))
          .containsExactly(
              "2026-10-25T01:00+02:00",
              "2026-10-25T02:00+02:00",
              // 02:00 CET is the same wall-clock time a second time: not run again.
              "2026-10-25T03:00+01:00",
              "2026-10-25T04:00+01:00");
    }

    @Test
    void dailyInTheRepeatedHourRunsAtTheFirstPass() {
      Occurrences daily = Occurrences.cron("30 1 * * *", NEW_YORK);
      assertThat(between(daily, NEW_YORK, "2026-10-31T00:00-04:00", "2026-11-03T00:00-05:00"))
          .containsExactly(
              "2026-10-31T01:30-04:00", "2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00");
    }

    @Test
    void askedDuringTheSecondPassItDoesNotRunTheHourAgain() {
      Occurrences daily = Occurrences.cron("30 2 * * *", BERLIN);
      Instant secondPass = OffsetDateTime.parse("2026-10-25T02:10+01:00").toInstant();
      assertThat(daily.next(secondPass).orElseThrow().atZone(BERLIN).toOffsetDateTime())
          .hasToString("2026-10-26T02:30+01:00");
    }

    @Test
    void dailyInBerlinAcrossTheChange() {
      Occurrences daily = Occurrences.cron("0 3 * * *", BERLIN);
      assertThat(between(daily, BERLIN, "2026-10-24T00:00+02:00", "2026-10-27T00:00+01:00"))
          .containsExactly(
              "2026-10-24T03:00+02:00", "2026-10-25T03:00+01:00", "2026-10-26T03:00+01:00");
    }
  }

  @Nested
  class Basics {
    @Test
    void nextIsStrictlyAfter() {
      Occurrences everySecond = Occurrences.cron("* * * * * *", ZoneId.of("UTC"));
      Instant at = Instant.parse("2026-12-01T10:00:00Z");
      assertThat(everySecond.next(at)).contains(Instant.parse("2026-12-01T10:00:01Z"));
      assertThat(everySecond.next(at.plusMillis(500)))
          .contains(Instant.parse("2026-12-01T10:00:01Z"));
    }

    @Test
    void weekdaysAtNine() {
      Occurrences weekdays = Occurrences.cron("0 9 * * MON-FRI", BERLIN);
      // 2026-12-04 is a Friday.
      Instant friday = LocalDateTime.parse("2026-12-04T09:00").atZone(BERLIN).toInstant();
      assertThat(weekdays.next(friday).orElseThrow().atZone(BERLIN).toLocalDateTime())
          .isEqualTo(LocalDateTime.parse("2026-12-07T09:00"));
    }

    @Test
    void intervalsCountFromTheAnchor() {
      Instant anchor = Instant.parse("2026-12-01T10:00:00Z");
      Occurrences every = Occurrences.every(Duration.ofSeconds(90), anchor);
      assertThat(every.next(anchor)).contains(Instant.parse("2026-12-01T10:01:30Z"));
      assertThat(every.next(Instant.parse("2026-12-01T10:01:29.999Z")))
          .contains(Instant.parse("2026-12-01T10:01:30Z"));
      assertThat(every.next(Instant.parse("2026-12-01T10:01:30Z")))
          .contains(Instant.parse("2026-12-01T10:03:00Z"));
      assertThat(every.next(Instant.parse("2026-12-01T09:59:00Z"))).contains(anchor);
    }

    @Test
    void intervalsIgnoreDaylightSaving() {
      Instant anchor = OffsetDateTime.parse("2026-03-29T01:00+01:00").toInstant();
      Occurrences hourly = Occurrences.every(Duration.ofHours(1), anchor);
      assertThat(hourly.next(anchor).orElseThrow().atZone(BERLIN).toOffsetDateTime())
          .hasToString("2026-03-29T03:00+02:00");
    }
  }

  @Nested
  class BadInput {
    @ParameterizedTest
    @ValueSource(strings = {"* * * *", "* * * * * * *", "61 * * * *", "* 25 * * *", "hello"})
    void aBadExpressionIsRefusedByName(String expression) {
      assertThatThrownBy(() -> Occurrences.cron(expression, BERLIN))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cron expression '" + expression + "'");
    }

    @Test
    void anExpressionThatNeverMatchesIsRefused() {
      assertThatThrownBy(() -> Occurrences.cron("0 0 30 2 *", BERLIN))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cron expression '0 0 30 2 *' never matches");
    }

    @Test
    void emptyAndOverlongExpressionsAreRefused() {
      assertThatThrownBy(() -> Occurrences.cron(" ", BERLIN))
          .hasMessageContaining("must not be empty (was ' ')");
      assertThatThrownBy(() -> Occurrences.cron(null, BERLIN))
          .hasMessageContaining("must not be empty (was null)");
      assertThatThrownBy(() -> Occurrences.cron("1,".repeat(150) + "1 * * * *", BERLIN))
          .hasMessageContaining("at most 200 characters (was 309: '1,1,1,");
    }

    @Test
    void anUnknownZoneIsRefusedByName() {
      assertThatThrownBy(() -> Occurrences.zone("Mars/Olympus"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'Mars/Olympus' is not a known zone id");
      assertThat(Occurrences.zone("Europe/Berlin")).isEqualTo(BERLIN);
    }

    @Test
    void zeroNegativeAndSubSecondIntervalsAreRefused() {
      Instant anchor = Instant.EPOCH;
      for (Duration bad :
          List.of(
              Duration.ZERO,
              Duration.ofSeconds(-5),
              Duration.ofMillis(999),
              Duration.ofNanos(1_000_000_001L),
              Duration.ofDays(367))) {
        assertThatThrownBy(() -> Occurrences.every(bad, anchor))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("interval must be between 1 s and 366 days")
            .hasMessageContaining(bad.toString());
      }
      assertThatThrownBy(() -> Occurrences.every(null, anchor)).hasMessageContaining("(was null)");
    }
  }

  /** The expressions of docs/recurring.md, each with its next two occurrences after a Tuesday. */
  @Nested
  class GuideExamples {
    private List<String> nextTwo(String expression) {
      Occurrences o = Occurrences.cron(expression, ZoneId.of("UTC"));
      Instant first = o.next(Instant.parse("2026-12-01T10:07:05Z")).orElseThrow();
      return List.of(first.toString(), o.next(first).orElseThrow().toString());
    }

    @Test
    void everyExpressionOfTheTableMeansWhatTheGuideSays() {
      assertThat(nextTwo("0 2 * * *"))
          .containsExactly("2026-12-02T02:00:00Z", "2026-12-03T02:00:00Z");
      assertThat(nextTwo("*/15 * * * *"))
          .containsExactly("2026-12-01T10:15:00Z", "2026-12-01T10:30:00Z");
      assertThat(nextTwo("0 9 * * MON-FRI"))
          .containsExactly("2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z");
      assertThat(nextTwo("0 0 1 * *"))
          .containsExactly("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z");
      assertThat(nextTwo("30 0 2 * * *"))
          .containsExactly("2026-12-02T02:00:30Z", "2026-12-03T02:00:30Z");
      assertThat(nextTwo("*/10 * * * * *"))
          .containsExactly("2026-12-01T10:07:10Z", "2026-12-01T10:07:20Z");
      // Friday 2026-12-04 09:00, then Monday 2026-12-07 09:00.
      Occurrences weekdays = Occurrences.cron("0 9 * * MON-FRI", ZoneId.of("UTC"));
      assertThat(weekdays.next(Instant.parse("2026-12-04T09:00:00Z")))
          .contains(Instant.parse("2026-12-07T09:00:00Z"));
    }
  }
}
