package dev.jobqueue.internal.config;

import java.util.Optional;

/**
 * A rule between two settings of one type: {@code upper} must be at least {@code lower}. {@link
 * Settings#ORDERINGS} lists them; they are checked when a configuration is built.
 *
 * @param upper the setting that must be the greater or equal
 * @param lower the setting that must be the smaller or equal
 * @param <T> the type of both
 */
public record Ordering<T extends Comparable<? super T>>(Setting<T> upper, Setting<T> lower) {

  /**
   * Checks every rule of {@link Settings#ORDERINGS}.
   *
   * @param values a configuration's values, each already checked on its own
   * @throws IllegalArgumentException naming both settings and their values, for the first rule
   *     broken, for example {@code "maxWorkers must be >= minWorkers (was 2 < 4)"}
   */
  public static void checkAll(Object[] values) {
    for (Ordering<?> ordering : Settings.ORDERINGS) {
      Optional<String> violation = ordering.violation(values);
      if (violation.isPresent()) {
        throw new IllegalArgumentException(violation.get());
      }
    }
  }

  /**
   * Checks this rule.
   *
   * @param values a configuration's values
   * @return the message naming both settings and their values, if the rule is broken
   */
  public Optional<String> violation(Object[] values) {
    T high = upper.get(values);
    T low = lower.get(values);
    if (high.compareTo(low) >= 0) {
      return Optional.empty();
    }
    return Optional.of(
        upper.name()
            + " must be >= "
            + lower.name()
            + " (was "
            + upper.type().inMessage(high)
            + " < "
            + lower.type().inMessage(low)
            + ")");
  }

  /**
   * The allowed values of a setting as the documentation's range column shows them: its check's
   * range and the rules it takes part in.
   *
   * @param setting a setting
   * @return for example {@code 0–10,000, ≤ `maxWorkers`}; empty for any value
   */
  public static String range(Setting<?> setting) {
    StringBuilder range = new StringBuilder(setting.check().range());
    for (Ordering<?> ordering : Settings.ORDERINGS) {
      if (ordering.upper() == setting) {
        range.append(", ≥ `").append(ordering.lower().name()).append('`');
      } else if (ordering.lower() == setting) {
        range.append(", ≤ `").append(ordering.upper().name()).append('`');
      }
    }
    return range.toString();
  }
}
