package dev.jobqueue.internal.config;

import dev.jobqueue.QueueOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What values a setting allows: the test run on every value set, and the same rule as the
 * documentation's range column shows it. Error messages start with the setting's builder name and
 * end with the value, for example {@code "maxWorkers must be between 1 and 10000 (was 0)"}.
 *
 * @param <T> the type of the values
 */
public final class Check<T> {

  private static final long MILLIS_PER_DAY = Duration.ofDays(1).toMillis();

  private final String range;
  private final BiConsumer<String, T> test;

  private Check(String range, BiConsumer<String, T> test) {
    this.range = range;
    this.test = test;
  }

  /**
   * Tests a value.
   *
   * @param name the setting's builder name, which the error message starts with
   * @param value the value, possibly null
   * @throws IllegalArgumentException naming the setting and the value, if it is not allowed
   * @throws NullPointerException naming the setting, if the value is null and null is not allowed
   */
  public void test(String name, T value) {
    test.accept(name, value);
  }

  /** {@return the allowed values, as the documentation's range column shows them, or ""} */
  public String range() {
    return range;
  }

  /** {@return a check allowing any value but null} */
  static <T> Check<T> present() {
    return new Check<>("", Check::requirePresent);
  }

  /** {@return a check allowing any constant of an enum, listed by their names in text} */
  static <E extends Enum<E>> Check<E> oneOf(Class<E> type, Function<E, String> nameOf) {
    String names =
        Arrays.stream(type.getEnumConstants()).map(nameOf).collect(Collectors.joining(", "));
    return new Check<>(names, Check::requirePresent);
  }

  /** {@return a check allowing a list of at least one queue, each name at most once} */
  static Check<List<QueueOptions>> distinctQueues() {
    return new Check<>(
        "one or more queues, each named once",
        (name, value) -> {
          requirePresent(name, value);
          if (value.isEmpty()) {
            throw new IllegalArgumentException(
                name + " must name at least one queue; to serve none, set runWorkers(false)");
          }
          Set<String> seen = new HashSet<>();
          for (QueueOptions queue : value) {
            Objects.requireNonNull(queue, name + " must not contain null");
            if (!seen.add(queue.name())) {
              throw new IllegalArgumentException(
                  name + " must name each queue once (was '" + queue.name() + "' twice)");
            }
          }
        });
  }

  /** {@return a check allowing whole numbers from {@code min} to {@code max}} */
  static Check<Integer> between(int min, int max) {
    return new Check<>(
        String.format(Locale.ENGLISH, "%,d–%,d", min, max),
        (name, value) -> {
          requirePresent(name, value);
          if (value < min || value > max) {
            throw outOfRange(name, min, max, value);
          }
        });
  }

  /** {@return a check allowing decimal numbers from {@code min} to {@code max}, never NaN} */
  static Check<Double> between(double min, double max) {
    return new Check<>(
        min + "–" + max,
        (name, value) -> {
          requirePresent(name, value);
          if (!(value >= min && value <= max)) {
            throw outOfRange(name, min, max, value);
          }
        });
  }

  /** {@return a check allowing durations from {@code min} to {@code max}} */
  static Check<Duration> between(Duration min, Duration max) {
    return new Check<>(
        human(min) + "–" + human(max),
        (name, value) -> {
          requirePresent(name, value);
          if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                name
                    + " must be between "
                    + min.toMillis()
                    + " ms and "
                    + max.toMillis()
                    + " ms (was "
                    + value.toMillis()
                    + " ms)");
          }
        });
  }

  /** {@return a check allowing zero, or durations from {@code min} to {@code max}} */
  static Check<Duration> zeroOrBetween(Duration min, Duration max) {
    Check<Duration> between = between(min, max);
    return new Check<>(
        "0, or " + between.range,
        (name, value) -> {
          requirePresent(name, value);
          if (!value.isZero()) {
            between.test(name, value);
          }
        });
  }

  /**
   * {@return a check allowing text that matches a pattern}
   *
   * @param pattern what the whole text must match
   * @param rule what the error message says the setting must do, after "must"
   * @param range the documentation's range column
   */
  static Check<String> matching(Pattern pattern, String rule, String range) {
    return new Check<>(
        range,
        (name, value) -> {
          if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(
                name
                    + " must "
                    + rule
                    + " (was "
                    + (value == null ? "null" : "'" + value + "'")
                    + ")");
          }
        });
  }

  /** {@return a check allowing PostgreSQL URLs, in JDBC or libpq form; errors hide credentials} */
  static Check<String> postgresUrl() {
    return new Check<>(
        "`jdbc:postgresql:`, `postgresql://` or `postgres://`",
        (name, url) -> {
          requirePresent(name, url);
          if (!url.startsWith("jdbc:postgresql:")
              && !url.startsWith("postgres://")
              && !url.startsWith("postgresql://")) {
            throw new IllegalArgumentException(
                name
                    + " must start with jdbc:postgresql:, postgresql:// or postgres:// (was '"
                    + Sensitivity.redactUrl(url)
                    + "')");
          }
        });
  }

  /**
   * {@return a check allowing what this one allows, except what {@code other} refuses}; the range
   * column stays this one's.
   *
   * @param other a second check, run after this one
   */
  Check<T> and(Check<T> other) {
    return new Check<>(
        range,
        (name, value) -> {
          test(name, value);
          other.test(name, value);
        });
  }

  /**
   * {@return a check refusing text that {@code refused} matches}
   *
   * @param refused the text refused
   * @param rule what the error message says the setting must do, after "must"
   */
  static Check<String> notMatching(Pattern refused, String rule) {
    return new Check<>(
        "",
        (name, value) -> {
          if (refused.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " must " + rule + " (was '" + value + "')");
          }
        });
  }

  private static void requirePresent(String name, Object value) {
    Objects.requireNonNull(value, name + " must not be null");
  }

  private static IllegalArgumentException outOfRange(
      String name, Object min, Object max, Object value) {
    return new IllegalArgumentException(
        name + " must be between " + min + " and " + max + " (was " + value + ")");
  }

  /** Writes a duration in its largest whole unit: 0, 500 ms, 1 s, 1 min, 1 h, 7 days, 10 years. */
  private static String human(Duration value) {
    long millis = value.toMillis();
    if (millis == 0) {
      return "0";
    }
    if (millis % MILLIS_PER_DAY == 0) {
      long days = millis / MILLIS_PER_DAY;
      // A year of 365.25 days, to the nearest day: 3653 days are 10 years.
      long years = Math.round(days / 365.25);
      if (years > 0 && Math.round(years * 365.25) == days) {
        return years + (years == 1 ? " year" : " years");
      }
      return days + (days == 1 ? " day" : " days");
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + " h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + " min";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + " s";
    }
    return millis + " ms";
  }
}
