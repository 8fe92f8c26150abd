package dev.jobqueue.admin;

import dev.jobqueue.JobQueueException;

/** Thrown when an {@link Actor}'s role does not allow an action; nothing changes. */
public final class ActionDeniedException extends JobQueueException {
  private static final long serialVersionUID = 1L;

  private final transient Actor actor;
  private final Role needed;

  ActionDeniedException(Actor actor, String action, Role needed) {
    super(
        "'"
            + actor.name()
            + "' ("
            + actor.role().wireName()
            + ") may not "
            + action
            + ": that needs the "
            + needed.wireName()
            + " role");
    this.actor = actor;
    this.needed = needed;
  }

  /**
   * Who was refused.
   *
   * @return the actor
   */
  public Actor actor() {
    return actor;
  }

  /**
   * The role the action needs.
   *
   * @return the role
   */
  public Role needed() {
    return needed;
  }
}
