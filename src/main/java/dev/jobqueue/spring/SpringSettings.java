package dev.jobqueue.spring;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.QueueOptions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the {@code jobqueue.*} properties into a {@link JobQueueConfig} through the configuration's
 * public builder: each property goes to the setter of the same name, and an error the builder
 * raises is raised again naming the Spring property and its value, so that a user reads {@code
 * jobqueue.max-workers} where the builder said {@code maxWorkers}.
 */
final class SpringSettings {

  /** The properties of the integration itself, not settings of the configuration. */
  static final Set<String> SPRING_ONLY = Set.of("enabled", "keepAlive", "dashboard");

  /** The names of the configuration's settings: the record's components but the integration's. */
  private static final Set<String> SETTINGS =
      Arrays.stream(JobQueueProperties.class.getRecordComponents())
          .map(RecordComponent::getName)
          .filter(name -> !SPRING_ONLY.contains(name))
          .collect(Collectors.toUnmodifiableSet());

  private static final Pattern SETTING_NAME = Pattern.compile("\\b[a-z]+(?:[A-Z][a-z]*)+\\b");

  private SpringSettings() {}

  /**
   * Builds the configuration.
   *
   * @param properties the bound properties
   * @param queueBeans queues declared as beans, served beside those of {@code jobqueue.queues}; a
   *     bean of the same name replaces the property's entry
   * @return the configuration
   * @throws IllegalArgumentException naming the property and its value
   */
  static JobQueueConfig toConfig(JobQueueProperties properties, List<QueueOptions> queueBeans) {
    JobQueueConfig.Builder builder = JobQueueConfig.builder();
    for (RecordComponent component : JobQueueProperties.class.getRecordComponents()) {
      String name = component.getName();
      if (SPRING_ONLY.contains(name)) {
        continue;
      }
      Object value = read(component, properties);
      if (name.equals("queues")) {
        builder.queues(queues(value, queueBeans));
      } else if (value != null) {
        apply(builder, component, value);
      }
    }
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid jobqueue.* properties: " + renamed(e.getMessage()), e);
    }
  }

  /**
   * {@return the Spring property of a setting: {@code maxWorkers} is {@code jobqueue.max-workers}}
   */
  static String property(String setting) {
    StringBuilder out = new StringBuilder("jobqueue.");
    for (char c : setting.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static List<QueueOptions> queues(Object value, List<QueueOptions> queueBeans) {
    @SuppressWarnings("unchecked")
    List<String> texts = value == null ? List.of() : (List<String>) value;
    Map<String, QueueOptions> byName = new LinkedHashMap<>();
    for (String text : texts) {
      QueueOptions queue;
      try {
        queue = QueueOptions.parse(text.trim());
      } catch (IllegalArgumentException e) {
        throw invalid("queues", text, e);
      }
      if (byName.putIfAbsent(queue.name(), queue) != null) {
        throw new IllegalArgumentException(
            "Invalid Spring property jobqueue.queues (was '"
                + String.join(",", texts)
                + "'): queue '"
                + queue.name()
                + "' is named twice");
      }
    }
    for (QueueOptions bean : queueBeans) {
      byName.put(bean.name(), bean);
    }
    return new ArrayList<>(byName.values());
  }

  private static Object read(RecordComponent component, JobQueueProperties properties) {
    try {
      return component.getAccessor().invoke(properties);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + property(component.getName()), e);
    }
  }

  private static void apply(JobQueueConfig.Builder builder, RecordComponent component, Object v) {
    String name = component.getName();
    Method setter;
    try {
      setter = JobQueueConfig.Builder.class.getMethod(name, component.getType());
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("no builder setter for " + property(name), e);
    }
    try {
      setter.invoke(builder, v);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException
          || e.getCause() instanceof NullPointerException) {
        throw invalid(name, v, (RuntimeException) e.getCause());
      }
      throw new IllegalStateException("cannot set " + property(name), e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot set " + property(name), e);
    }
  }

  private static IllegalArgumentException invalid(String name, Object value, RuntimeException e) {
    return new IllegalArgumentException(
        "Invalid Spring property "
            + property(name)
            + " (was '"
            + shown(name, value)
            + "'): "
            + renamed(e.getMessage()),
        e);
  }

  /** Passwords and URLs, which may hold credentials, are never shown. */
  private static String shown(String name, Object value) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.contains("password") || lower.contains("url") ? "****" : String.valueOf(value);
  }

  /** The builder's message with each setting's name replaced by its Spring property. */
  private static String renamed(String message) {
    if (message == null) {
      return "";
    }
    Matcher matcher = SETTING_NAME.matcher(message);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String word = matcher.group();
      matcher.appendReplacement(
          out, Matcher.quoteReplacement(SETTINGS.contains(word) ? property(word) : word));
    }
    matcher.appendTail(out);
    return out.toString();
  }
}
