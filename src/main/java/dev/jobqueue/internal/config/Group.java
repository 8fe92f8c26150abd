package dev.jobqueue.internal.config;

/** The concern a setting belongs to: one table, under its own heading, in the documentation. */
public enum Group {
  /** The worker pool: how many workers, how they poll, idle, shut down. */
  WORKERS("Workers"),
  /** What jobs get by default, and how failed attempts are retried. */
  JOBS("Jobs and retries"),
  /** Claims, their renewal, and taking back the jobs of dead nodes. */
  LEASES("Leases and rescue"),
  /** Health, metrics, and deleting finished jobs. */
  MONITORING("Monitoring and retention"),
  /** The schema, its migrations and the connection. */
  DATABASE("Database");

  private final String title;

  Group(String title) {
    this.title = title;
  }

  /** {@return the heading of the group's table in the documentation} */
  public String title() {
    return title;
  }
}
