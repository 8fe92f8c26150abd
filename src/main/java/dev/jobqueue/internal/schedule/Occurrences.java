package dev.jobqueue.internal.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * When a schedule's occurrences fall: a cron expression in a time zone, or a fixed interval from an
 * anchor. Pure arithmetic on instants handed in, which the scheduler takes from the database clock;
 * this class never reads a clock. Immutable and thread-safe. <strong>Not API.</strong>
 *
 * <p>A cron expression matches wall-clock times of its zone, and each wall-clock time it matches
 * runs once:
 *
 * <ul>
 *   <li>a matching time that a daylight-saving change skips (02:30 on a spring-forward night in
 *       Berlin) runs once at the first instant after the gap (03:00 CEST); several matching times
 *       in one gap, and a match at the gap's end, are that one occurrence;
 *   <li>a matching time that a change repeats (02:30 on a fall-back night) runs once, at its first
 *       pass.
 * </ul>
 *
 * <p>Five fields are minute, hour, day of month, month and day of week (Unix cron); six put the
 * second first (Spring's cron). Parsing and matching are cron-utils'.
 */
public abstract sealed class Occurrences {
  /** The longest an expression may be, in characters. */
  public static final int MAX_EXPRESSION_LENGTH = 200;

  private static final CronParser FIVE_FIELDS =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser SIX_FIELDS =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));

  /** Where {@link #cron} looks for a first match, to refuse an expression that has none. */
  private static final Instant NEVER_CHECK_FROM = Instant.parse("2000-01-01T00:00:00Z");

  /** The shortest interval between occurrences of an interval schedule. */
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

  /** The longest interval. */
  public static final Duration MAX_INTERVAL = Duration.ofDays(366);

  private Occurrences() {}

  /**
   * The first occurrence strictly after {@code after}.
   *
   * @param after an instant, normally the database's now or the last occurrence
   * @return the occurrence, or empty when the schedule has none left (a cron expression naming a
   *     date that never comes again)
   */
  public abstract Optional<Instant> next(Instant after);

  /**
   * Occurrences of a cron expression in a zone.
   *
   * @param expression five or six fields
   * @param zone the zone whose wall clock the expression reads
   * @return the occurrences
   * @throws IllegalArgumentException naming the expression and what is wrong with it
   */
  public static Occurrences cron(String expression, ZoneId zone) {
    Objects.requireNonNull(zone, "zone");
    CronOccurrences occurrences = new CronOccurrences(parse(expression), zone);
    if (occurrences.next(NEVER_CHECK_FROM).isEmpty()) {
      throw new IllegalArgumentException(
          "cron expression '" + expression + "' never matches a date (such as 30 February)");
    }
    return occurrences;
  }

  /**
   * Parses a zone id such as {@code Europe/Berlin} or {@code UTC}.
   *
   * @param zone the id
   * @return the zone
   * @throws IllegalArgumentException naming the id, when it is not a known zone
   */
  public static ZoneId zone(String zone) {
    if (zone == null || zone.isBlank()) {
      throw new IllegalArgumentException("time zone must not be empty");
    }
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "time zone '" + zone + "' is not a known zone id (such as Europe/Berlin or UTC)", e);
    }
  }

  /**
   * Occurrences every {@code interval}, at {@code anchor + k * interval} for whole k.
   *
   * @param interval at least {@link #MIN_INTERVAL}
   * @param anchor an occurrence
   * @return the occurrences
   * @throws IllegalArgumentException naming the interval, when it is shorter than the minimum
   */
  public static Occurrences every(Duration interval, Instant anchor) {
    checkInterval(interval);
    return new IntervalOccurrences(interval.toMillis(), Objects.requireNonNull(anchor, "anchor"));
  }

  /**
   * Checks an interval, as {@link #every} does.
   *
   * @param interval the interval
   * @throws IllegalArgumentException naming the interval, when it is null or shorter than the
   *     minimum
   */
  public static void checkInterval(Duration interval) {
    if (interval == null
        || interval.compareTo(MIN_INTERVAL) < 0
        || interval.compareTo(MAX_INTERVAL) > 0
        || interval.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(
          "interval must be between "
              + MIN_INTERVAL.toSeconds()
              + " s and "
              + MAX_INTERVAL.toDays()
              + " days, in whole milliseconds (was "
              + interval
              + ")");
    }
  }

  private static Cron parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException(
          "cron expression must not be empty (was "
              + (expression == null ? "null" : "'" + expression + "'")
              + ")");
    }
    if (expression.length() > MAX_EXPRESSION_LENGTH) {
      throw new IllegalArgumentException(
          "cron expression must be at most "
              + MAX_EXPRESSION_LENGTH
              + " characters (was "
              + expression.length()
              + ": '"
              + expression.substring(0, 40)
              + "...')");
    }
    String trimmed = expression.trim();
    int fields = List.of(trimmed.split("\\s+")).size();
    if (fields != 5 && fields != 6) {
      throw new IllegalArgumentException(
          "cron expression '"
              + expression
              + "' has "
              + fields
              + " fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (a second"
              + " first)");
    }
    try {
      Cron cron = (fields == 5 ? FIVE_FIELDS : SIX_FIELDS).parse(trimmed);
      return cron.validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cron expression '" + expression + "' is invalid: " + e.getMessage(), e);
    }
  }

  /** A cron expression read on a zone's wall clock. */
  private static final class CronOccurrences extends Occurrences {
    private final ExecutionTime times;
    private final ZoneRules rules;

    CronOccurrences(Cron cron, ZoneId zone) {
      this.times = ExecutionTime.forCron(cron);
      this.rules = zone.getRules();
    }

    @Override
    public Optional<Instant> next(Instant after) {
      // Matching runs on wall-clock times (as UTC date-times, a zone with no changes, so that
      // cron-utils applies no daylight-saving rule of its own); each match is then placed in the
      // zone. A match placed at or before `after` (the repeated hour's first pass, already run)
      // is passed over.
      LocalDateTime local =
          LocalDateTime.ofInstant(after, rules.getOffset(after)).truncatedTo(ChronoUnit.SECONDS);
      for (int guard = 0; guard < 10_000; guard++) {
        Optional<ZonedDateTime> match = times.nextExecution(local.atZone(ZoneOffset.UTC));
        if (match.isEmpty()) {
          return Optional.empty();
        }
        local = match.get().toLocalDateTime();
        Instant instant = place(local);
        if (instant.isAfter(after)) {
          return Optional.of(instant);
        }
      }
      throw new IllegalStateException("no occurrence found after " + after);
    }

    /** The instant of a wall-clock time: the gap's end in a gap, the first pass in an overlap. */
    private Instant place(LocalDateTime local) {
      List<ZoneOffset> offsets = rules.getValidOffsets(local);
      if (offsets.isEmpty()) {
        ZoneOffsetTransition gap = rules.getTransition(local);
        return gap.getInstant();
      }
      // In an overlap the first offset is the earlier (the one before the change).
      return local.toInstant(offsets.get(0));
    }
  }

  /** Every fixed interval from an anchor. */
  private static final class IntervalOccurrences extends Occurrences {
    private final long intervalMillis;
    private final Instant anchor;

    IntervalOccurrences(long intervalMillis, Instant anchor) {
      this.intervalMillis = intervalMillis;
      this.anchor = anchor;
    }

    @Override
    public Optional<Instant> next(Instant after) {
      long since = Duration.between(anchor, after).toMillis();
      long steps = Math.floorDiv(since, intervalMillis) + 1;
      Instant next = anchor.plusMillis(steps * intervalMillis);
      while (!next.isAfter(after)) {
        next = next.plusMillis(intervalMillis);
      }
      return Optional.of(next);
    }
  }
}
