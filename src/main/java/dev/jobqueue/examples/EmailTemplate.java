package dev.jobqueue.examples;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/** The templates {@code email-notification} can send, and the {@code data} fields each needs. */
public enum EmailTemplate {
  /** A greeting for a new user. Needs {@code data.name}. */
  WELCOME("welcome", List.of("name")),
  /** A link to choose a new password. Needs {@code data.resetLink}. */
  PASSWORD_RESET("password-reset", List.of("resetLink")),
  /** An issue of the newsletter. Needs {@code data.edition} and {@code data.headline}. */
  NEWSLETTER("newsletter", List.of("edition", "headline"));

  private final String wireName;
  private final List<String> requiredData;

  EmailTemplate(String wireName, List<String> requiredData) {
    this.wireName = wireName;
    this.requiredData = requiredData;
  }

  /**
   * The name used in payloads, for example {@code "password-reset"}.
   *
   * @return the wire name
   */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /**
   * The {@code data} fields a payload with this template must carry.
   *
   * @return the field names
   */
  public List<String> requiredData() {
    return requiredData;
  }

  /**
   * Parses a wire name, ignoring case.
   *
   * @param value for example {@code "welcome"}
   * @return the template
   * @throws IllegalArgumentException naming the value and the known templates
   */
  @JsonCreator
  public static EmailTemplate fromWireName(String value) {
    if (value != null) {
      for (EmailTemplate template : values()) {
        if (template.wireName.equals(value.toLowerCase(Locale.ROOT))) {
          return template;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown template '" + value + "' (expected welcome, password-reset or newsletter)");
  }
}
