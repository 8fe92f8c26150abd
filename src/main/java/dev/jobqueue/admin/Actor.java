package dev.jobqueue.admin;

import java.util.Objects;

/**
 * Who performs an action through {@link JobQueueAdmin}: the name the audit log records, the role
 * that decides what is allowed, and the tool used.
 *
 * @param name who: a user name, at most {@value #MAX_NAME_LENGTH} characters, not blank
 * @param role what they may do
 * @param via the tool: {@code dashboard}, {@code cli}, or an application's own label, at most
 *     {@value #MAX_NAME_LENGTH} characters, not blank
 */
public record Actor(String name, Role role, String via) {
  /** The longest name or tool label accepted. */
  public static final int MAX_NAME_LENGTH = 200;

  /**
   * Checks the components.
   *
   * @throws IllegalArgumentException naming the component and its value when one is blank or too
   *     long
   * @throws NullPointerException when one is null
   * @param name who: a user name, at most {@value #MAX_NAME_LENGTH} characters, not blank
   * @param role what they may do
   * @param via the tool: {@code dashboard}, {@code cli}, or an application's own label, at most
   *     {@value #MAX_NAME_LENGTH} characters, not blank
   */
  public Actor {
    Objects.requireNonNull(role, "role must not be null");
    check("name", name);
    check("via", via);
  }

  private static void check(String field, String value) {
    Objects.requireNonNull(value, field + " must not be null");
    if (value.isBlank() || value.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "actor "
              + field
              + " must be 1 to "
              + MAX_NAME_LENGTH
              + " characters and not blank (was '"
              + (value.length() > 40 ? value.substring(0, 40) + "…" : value)
              + "', "
              + value.length()
              + " characters)");
    }
  }
}
