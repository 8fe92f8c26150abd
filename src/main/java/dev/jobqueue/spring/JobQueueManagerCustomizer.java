package dev.jobqueue.spring;

import dev.jobqueue.JobQueueManager;

/**
 * A bean that adjusts the auto-configured manager's builder before it is built, after the
 * properties, handlers, queues, schedules and listeners have been applied: to set a {@code
 * migrationDataSource}, an undeclared-schedules policy, or anything else the properties do not
 * cover. Customizers run in their {@code @Order}.
 */
@FunctionalInterface
public interface JobQueueManagerCustomizer {

  /**
   * Adjusts the builder.
   *
   * @param builder the builder of the manager the auto-configuration is about to build
   */
  void customize(JobQueueManager.Builder builder);
}
