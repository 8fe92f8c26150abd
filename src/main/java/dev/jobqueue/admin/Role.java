package dev.jobqueue.admin;

import java.util.Locale;

/** What an operator may do through {@link JobQueueAdmin}. Each role includes the ones before it. */
public enum Role {
  /** Reads everything; changes nothing. */
  VIEWER,
  /**
   * Also retries and cancels jobs, pauses and resumes queues and schedules, runs a schedule now.
   */
  OPERATOR,
  /** Also deletes jobs and changes queue limits. */
  ADMIN;

  /**
   * Whether this role may do what {@code needed} may.
   *
   * @param needed the role an action needs
   * @return true when this role is {@code needed} or above it
   */
  public boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  /**
   * The role's name in configuration and output: {@code viewer}, {@code operator} or {@code admin}.
   *
   * @return the lower-case name
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads a role from its name, in any case.
   *
   * @param name {@code viewer}, {@code operator} or {@code admin}
   * @return the role
   * @throws IllegalArgumentException naming the value when it is none of them
   */
  public static Role fromWireName(String name) {
    if (name != null) {
      for (Role role : values()) {
        if (role.name().equalsIgnoreCase(name.trim())) {
          return role;
        }
      }
    }
    throw new IllegalArgumentException(
        "role must be one of viewer, operator, admin (was '" + name + "')");
  }
}
