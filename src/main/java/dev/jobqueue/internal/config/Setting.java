package dev.jobqueue.internal.config;

import java.util.List;

/**
 * One setting of {@code JobQueueConfig}, described once: everything the configuration, its builder,
 * {@code fromEnvironment}, {@code toString} and the documentation need to know about it. A
 * configuration stores its values in an {@code Object[]}, one slot per setting at its {@link
 * #index()}; {@link Settings} holds the table of all of them.
 *
 * @param <T> the type of the value
 */
public final class Setting<T> {

  private final int index;
  private final Group group;
  private final String name;
  private final String variable;
  private final ValueType<T> type;
  private final T defaultValue;
  private final String documentedDefault;
  private final Check<T> check;
  private final Sensitivity sensitivity;
  private final String meaning;

  private Setting(Draft<T> draft, int index, String meaning) {
    this.index = index;
    this.group = draft.group;
    this.name = draft.name;
    this.variable = draft.variable;
    this.type = draft.type;
    this.defaultValue = draft.defaultValue;
    this.check = draft.check;
    this.sensitivity = draft.sensitivity;
    this.meaning = meaning;
    this.documentedDefault =
        draft.documentedDefault != null
            ? draft.documentedDefault
            : defaultValue == null ? "none" : type.document(defaultValue);
  }

  /** {@return the slot of this setting's value in a configuration's values} */
  public int index() {
    return index;
  }

  /** {@return the concern this setting belongs to} */
  public Group group() {
    return group;
  }

  /** {@return the name of the builder setter and accessor, such as {@code maxWorkers}} */
  public String name() {
    return name;
  }

  /** {@return the environment variable, such as {@code JOB_QUEUE_MAX_WORKERS}} */
  public String variable() {
    return variable;
  }

  /** {@return the type of the value} */
  public ValueType<T> type() {
    return type;
  }

  /** {@return the default value, or null if the setting is unset by default} */
  public T defaultValue() {
    return defaultValue;
  }

  /**
   * {@return the default as the documentation shows it, such as {@code 1000 ms} or {@code none}}
   */
  public String documentedDefault() {
    return documentedDefault;
  }

  /** {@return what values the setting allows} */
  public Check<T> check() {
    return check;
  }

  /** {@return how much of the value may be shown} */
  public Sensitivity sensitivity() {
    return sensitivity;
  }

  /** {@return whether the value is a secret, never shown} */
  public boolean secret() {
    return sensitivity == Sensitivity.SECRET;
  }

  /** {@return what the setting does, as the documentation's meaning column says it (Markdown)} */
  public String meaning() {
    return meaning;
  }

  /**
   * Reads this setting's value.
   *
   * @param values a configuration's values
   * @return the value, or null if unset
   */
  public T get(Object[] values) {
    return type.cast(values[index]);
  }

  /**
   * Checks a value and stores it.
   *
   * @param values a configuration's values
   * @param value the new value
   * @throws IllegalArgumentException naming the setting and the value, if it is not allowed
   * @throws NullPointerException naming the setting, if the value is null and null is not allowed
   */
  public void set(Object[] values, T value) {
    check.test(name, value);
    values[index] = value;
  }

  /**
   * Parses a value from text, checks it and stores it.
   *
   * @param values a configuration's values
   * @param text the trimmed text of an environment variable
   * @throws IllegalArgumentException if the text is malformed or the value not allowed
   */
  public void parse(Object[] values, String text) {
    set(values, type.parse(text));
  }

  /**
   * Shows this setting's value as {@code toString} does, redacted as its sensitivity requires.
   *
   * @param values a configuration's values
   * @return the text, {@code null} if unset
   */
  public String show(Object[] values) {
    T value = get(values);
    return value == null ? "null" : sensitivity.redact(type.show(value));
  }

  @Override
  public String toString() {
    return name;
  }

  /** A setting being described; {@link #meaning(String)} completes it and adds it to the table. */
  static final class Draft<T> {
    private final List<Setting<?>> table;
    private final Group group;
    private final String name;
    private final String variable;
    private final ValueType<T> type;
    private final T defaultValue;
    private Check<T> check = Check.present();
    private Sensitivity sensitivity = Sensitivity.PLAIN;
    private String documentedDefault;

    Draft(
        List<Setting<?>> table,
        Group group,
        String name,
        String variable,
        ValueType<T> type,
        T defaultValue) {
      this.table = table;
      this.group = group;
      this.name = name;
      this.variable = variable;
      this.type = type;
      this.defaultValue = defaultValue;
    }

    /** Sets the check; without one, any value but null is allowed. */
    Draft<T> check(Check<T> check) {
      this.check = check;
      return this;
    }

    /** Sets how much of the value may be shown; by default all of it. */
    Draft<T> sensitivity(Sensitivity sensitivity) {
      this.sensitivity = sensitivity;
      return this;
    }

    /** Sets the default as the documentation shows it, when it is not the default value itself. */
    Draft<T> documentedDefault(String documentedDefault) {
      this.documentedDefault = documentedDefault;
      return this;
    }

    /** Completes the setting with its meaning and adds it to the table, at the next index. */
    Setting<T> meaning(String meaning) {
      Setting<T> setting = new Setting<>(this, table.size(), meaning);
      if (defaultValue != null) {
        check.test(name, defaultValue);
      }
      table.add(setting);
      return setting;
    }
  }
}
