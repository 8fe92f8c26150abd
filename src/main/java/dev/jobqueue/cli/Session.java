package dev.jobqueue.cli;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.admin.JobQueueAdmin;

/**
 * A manager without workers or handlers, initialized for one command and shut down after it: it
 * reads and acts through {@link JobQueueAdmin}, and never claims a job.
 */
final class Session implements AutoCloseable {
  private final JobQueueManager manager;
  private final JobQueueAdmin admin;

  private Session(JobQueueManager manager) {
    this.manager = manager;
    this.admin = JobQueueAdmin.of(manager);
  }

  /**
   * Connects.
   *
   * @param config a configuration with {@code runWorkers} and {@code runMigrations} off
   * @throws CliFailure with {@link JobQueueCli#UNREACHABLE} when the database cannot be reached or
   *     its schema is not migrated
   */
  static Session open(JobQueueConfig config) {
    if (config.runWorkers() || config.runMigrations()) {
      throw new IllegalArgumentException("a CLI session runs neither workers nor migrations");
    }
    JobQueueManager manager = JobQueueManager.builder().config(config).build();
    try {
      manager.initialize();
    } catch (RuntimeException e) {
      manager.shutdown();
      throw new CliFailure(
          JobQueueCli.UNREACHABLE, "cannot open the job queue: " + e.getMessage(), e);
    }
    return new Session(manager);
  }

  JobQueueAdmin admin() {
    return admin;
  }

  JobQueueManager manager() {
    return manager;
  }

  @Override
  public void close() {
    manager.shutdown();
  }
}
