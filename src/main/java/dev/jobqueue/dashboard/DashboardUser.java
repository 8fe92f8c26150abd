package dev.jobqueue.dashboard;

import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.Role;
import java.util.Objects;

/**
 * A signed-in user of the dashboard.
 *
 * @param name the user name the audit log records, 1 to {@value Actor#MAX_NAME_LENGTH} characters
 * @param role what the user may do
 */
public record DashboardUser(String name, Role role) {
  /**
   * Checks the components.
   *
   * @param name the user name the audit log records, 1 to {@value Actor#MAX_NAME_LENGTH} characters
   * @param role what the user may do
   * @throws IllegalArgumentException when the name is blank or too long
   */
  public DashboardUser {
    Objects.requireNonNull(role, "role must not be null");
    new Actor(name, role, "dashboard");
  }

  /**
   * The user as the actor of an action taken through the dashboard.
   *
   * @return the actor, {@code via} {@code dashboard}
   */
  public Actor actor() {
    return new Actor(name, role, "dashboard");
  }
}
