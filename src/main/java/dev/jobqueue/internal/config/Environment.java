package dev.jobqueue.internal.config;

import dev.jobqueue.JobQueueConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads settings from {@code JOB_QUEUE_*} environment variables: each value is parsed by its
 * setting's type and checked by its check, and an error names the variable and its value (redacted
 * as the setting requires).
 */
public final class Environment {

  private static final Logger log = LoggerFactory.getLogger(JobQueueConfig.class);
  private static final String PREFIX = "JOB_QUEUE_";

  private Environment() {}

  /**
   * Reads the {@code JOB_QUEUE_*} entries of a map over the defaults; other entries are ignored. A
   * blank value counts as unset; an unknown {@code JOB_QUEUE_*} name is logged as a warning, since
   * it is usually a typo. Values are trimmed.
   *
   * @param environment variable names and values
   * @return the values, each checked, and checked against each other
   * @throws IllegalArgumentException naming the variable and its value, for example {@code
   *     "environment variable JOB_QUEUE_MAX_WORKERS is invalid (was 'abc'): expected a whole
   *     number"}
   */
  public static Object[] read(Map<String, String> environment) {
    Object[] values = Settings.defaults();
    Map<Setting<?>, String> given = new HashMap<>();
    Set<String> unknown = new TreeSet<>();
    for (Map.Entry<String, String> entry : environment.entrySet()) {
      String variable = entry.getKey();
      if (variable == null || !variable.startsWith(PREFIX)) {
        continue;
      }
      Optional<Setting<?>> setting = Settings.forVariable(variable);
      if (setting.isEmpty()) {
        unknown.add(variable);
        continue;
      }
      String value = entry.getValue();
      if (value == null || value.isBlank()) {
        continue;
      }
      try {
        setting.get().parse(values, value.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "environment variable "
                + variable
                + " is invalid (was '"
                + setting.get().sensitivity().redact(value)
                + "'): "
                + e.getMessage(),
            e);
      }
      given.put(setting.get(), value);
    }
    if (!unknown.isEmpty()) {
      log.warn(
          "Ignoring unknown environment variables {}; known: {}", unknown, Settings.variables());
    }
    for (Ordering<?> ordering : Settings.ORDERINGS) {
      Optional<String> violation = ordering.violation(values);
      if (violation.isPresent()) {
        throw new IllegalArgumentException(blame(ordering, given) + violation.get());
      }
    }
    return values;
  }

  /**
   * Names the variables behind a broken rule: {@code "environment variables A (was '2') and B (was
   * '4') contradict each other: "}, or, when one of the settings kept its default, {@code
   * "environment variable B (was '6') contradicts the default of maxWorkers: "}.
   */
  private static String blame(Ordering<?> ordering, Map<Setting<?>, String> given) {
    String upper = given(ordering.upper(), given);
    String lower = given(ordering.lower(), given);
    if (upper == null && lower == null) {
      return "";
    }
    if (upper != null && lower != null) {
      return "environment variables " + upper + " and " + lower + " contradict each other: ";
    }
    Setting<?> kept = upper == null ? ordering.upper() : ordering.lower();
    return "environment variable "
        + (upper != null ? upper : lower)
        + " contradicts the default of "
        + kept.name()
        + ": ";
  }

  private static String given(Setting<?> setting, Map<Setting<?>, String> given) {
    String value = given.get(setting);
    return value == null
        ? null
        : setting.variable() + " (was '" + setting.sensitivity().redact(value) + "')";
  }
}
