package dev.jobqueue;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The overall verdict of {@link JobQueueManager#healthCheck()}; see {@link HealthCheckResult}. */
public enum HealthStatus {
  /** Everything works. */
  HEALTHY,
  /** Jobs are processed, but something needs attention; the result's reasons say what. */
  DEGRADED,
  /** Jobs are not being processed here: the database is unreachable or the pool is stopped. */
  UNHEALTHY;

  /**
   * The name used in JSON: {@code "healthy"}, {@code "degraded"} or {@code "unhealthy"}.
   *
   * @return the lower-case name
   */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
