package dev.jobqueue.internal.config;

import dev.jobqueue.QueueOptions;
import dev.jobqueue.RetryStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The type of a setting's value, and how it is read from an environment variable and written in
 * {@code toString}, error messages and the documentation.
 *
 * @param <T> the Java type of the value
 */
public final class ValueType<T> {

  /** A whole number. */
  public static final ValueType<Integer> INT =
      new ValueType<>(
          Integer.class,
          text -> parse(text, Integer::valueOf, "expected a whole number"),
          String::valueOf,
          String::valueOf,
          String::valueOf);

  /** A duration; whole milliseconds in the environment. */
  public static final ValueType<Duration> MILLIS =
      new ValueType<>(
          Duration.class,
          text ->
              parse(
                  text,
                  t -> Duration.ofMillis(Long.parseLong(t)),
                  "expected a whole number of milliseconds"),
          Duration::toString,
          value -> value.toMillis() + " ms",
          ValueType::documentDuration);

  /** A flag; {@code true}/{@code false}, {@code 1}/{@code 0} or {@code yes}/{@code no} in text. */
  public static final ValueType<Boolean> FLAG =
      new ValueType<>(
          Boolean.class, ValueType::parseFlag, String::valueOf, String::valueOf, String::valueOf);

  /** A decimal number. */
  public static final ValueType<Double> DECIMAL =
      new ValueType<>(
          Double.class,
          text -> parse(text, Double::valueOf, "expected a decimal number"),
          String::valueOf,
          String::valueOf,
          String::valueOf);

  /** Text, taken as it is. */
  public static final ValueType<String> TEXT =
      new ValueType<>(
          String.class,
          text -> text,
          Function.identity(),
          Function.identity(),
          Function.identity());

  /** A {@link RetryStrategy}, by its {@linkplain RetryStrategy#wireName() wire name}. */
  public static final ValueType<RetryStrategy> STRATEGY =
      new ValueType<>(
          RetryStrategy.class,
          RetryStrategy::fromWireName,
          RetryStrategy::wireName,
          RetryStrategy::wireName,
          RetryStrategy::wireName);

  /** Queues, written {@code name} or {@code name:maxWorkers}, separated by commas. */
  @SuppressWarnings("unchecked")
  public static final ValueType<List<QueueOptions>> QUEUES =
      new ValueType<>(
          (Class<List<QueueOptions>>) (Class<?>) List.class,
          ValueType::parseQueues,
          ValueType::showQueues,
          ValueType::showQueues,
          ValueType::showQueues);

  private static final long MILLIS_PER_DAY = Duration.ofDays(1).toMillis();

  private final Class<T> javaType;
  private final Function<String, T> parser;
  private final Function<T, String> shown;
  private final Function<T, String> inMessage;
  private final Function<T, String> documented;

  private ValueType(
      Class<T> javaType,
      Function<String, T> parser,
      Function<T, String> shown,
      Function<T, String> inMessage,
      Function<T, String> documented) {
    this.javaType = javaType;
    this.parser = parser;
    this.shown = shown;
    this.inMessage = inMessage;
    this.documented = documented;
  }

  /**
   * Reads a value from an environment variable's (trimmed) text.
   *
   * @param text the text, not blank
   * @return the value, not yet checked
   * @throws IllegalArgumentException saying what was expected, if the text is malformed
   */
  public T parse(String text) {
    return parser.apply(text);
  }

  /**
   * Casts a stored value to this type.
   *
   * @param value a value of this type, or null
   * @return the value
   */
  public T cast(Object value) {
    return javaType.cast(value);
  }

  /**
   * Writes a value as {@code JobQueueConfig.toString()} shows it ({@code PT1S} for a duration).
   *
   * @param value the value, not null
   * @return the text, before redaction
   */
  public String show(T value) {
    return shown.apply(value);
  }

  /**
   * Writes a value as an error message shows it ({@code 1000 ms} for a duration).
   *
   * @param value the value, not null
   * @return the text
   */
  public String inMessage(T value) {
    return inMessage.apply(value);
  }

  /**
   * Writes a value as the documentation's default column shows it: a duration in milliseconds, as
   * the environment takes it, or in days when it is whole days.
   *
   * @param value the value, not null
   * @return the text
   */
  public String document(T value) {
    return documented.apply(value);
  }

  private static String documentDuration(Duration value) {
    long millis = value.toMillis();
    if (millis > 0 && millis % MILLIS_PER_DAY == 0) {
      long days = millis / MILLIS_PER_DAY;
      return days + (days == 1 ? " day" : " days");
    }
    return millis + " ms";
  }

  private static <T> T parse(String text, Function<String, T> parser, String expected) {
    try {
      return parser.apply(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(expected);
    }
  }

  private static List<QueueOptions> parseQueues(String text) {
    List<QueueOptions> queues = new ArrayList<>();
    for (String entry : text.split(",", -1)) {
      queues.add(QueueOptions.parse(entry));
    }
    return List.copyOf(queues);
  }

  private static String showQueues(List<QueueOptions> queues) {
    return queues.stream().map(QueueOptions::toString).collect(Collectors.joining(","));
  }

  private static Boolean parseFlag(String text) {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "true":
      case "1":
      case "yes":
        return true;
      case "false":
      case "0":
      case "no":
        return false;
      default:
        throw new IllegalArgumentException("expected true or false");
    }
  }
}
