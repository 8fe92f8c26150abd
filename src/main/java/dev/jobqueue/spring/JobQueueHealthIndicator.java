package dev.jobqueue.spring;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.JobQueueManager;
import java.util.Objects;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * Serves {@link JobQueueManager#healthCheck()} as the {@code jobqueue} component of Actuator's
 * health endpoint: {@code healthy} is {@code UP}, {@code unhealthy} is {@code DOWN} (HTTP 503), and
 * {@code degraded} is a status of its own, {@link #DEGRADED}, which the auto-configuration orders
 * between {@code OUT_OF_SERVICE} and {@code UP} and answers with HTTP 200 unless the application
 * maps it otherwise ({@code management.endpoint.health.status.http-mapping.degraded}). The details
 * hold the check's reasons, workers, jobs, queues, cluster and schedules.
 */
public final class JobQueueHealthIndicator implements HealthIndicator {

  /** The status of a degraded job queue: it runs, but jobs wait too long or a worker is stuck. */
  public static final Status DEGRADED =
      new Status("DEGRADED", "the job queue runs, but jobs wait too long or a worker is stuck");

  private final JobQueueManager manager;

  /**
   * An indicator for a manager.
   *
   * @param manager the manager whose health is served
   */
  public JobQueueHealthIndicator(JobQueueManager manager) {
    this.manager = Objects.requireNonNull(manager, "manager must not be null");
  }

  @Override
  public Health health() {
    HealthCheckResult result = manager.healthCheck();
    Status status =
        switch (result.status()) {
          case HEALTHY -> Status.UP;
          case DEGRADED -> DEGRADED;
          case UNHEALTHY -> Status.DOWN;
        };
    return Health.status(status)
        .withDetail("reasons", result.reasons())
        .withDetail("workers", result.workers())
        .withDetail("jobs", result.jobs())
        .withDetail("queue", result.queue())
        .withDetail("queues", result.queues())
        .withDetail("cluster", result.cluster())
        .withDetail("schedules", result.schedules())
        .withDetail("checkedAt", result.checkedAt().toString())
        .build();
  }
}
