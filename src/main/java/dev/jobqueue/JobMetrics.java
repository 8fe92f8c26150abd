package dev.jobqueue;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exact job counts by status, and by type and status, from {@link JobQueueManager#getJobMetrics()}.
 * Every status appears, with 0 when no job has it. Keys are the lower-case wire names ({@code
 * "pending"}, …). Unlike the health check this counts every row, so on tables with millions of rows
 * call it for reports rather than every few seconds.
 *
 * @param byStatus job counts by status
 * @param byTypeAndStatus job counts by type, then status
 * @param computedAt when they were counted
 */
public record JobMetrics(
    Map<String, Long> byStatus,
    Map<String, Map<String, Long>> byTypeAndStatus,
    @JsonSerialize(using = ToStringSerializer.class) Instant computedAt) {

  /**
   * Copies the maps.
   *
   * @param byStatus counts by status
   * @param byTypeAndStatus counts by type and status
   * @param computedAt when
   */
  public JobMetrics {
    byStatus = Collections.unmodifiableMap(new TreeMap<>(byStatus));
    TreeMap<String, Map<String, Long>> copy = new TreeMap<>();
    byTypeAndStatus.forEach(
        (type, counts) -> copy.put(type, Collections.unmodifiableMap(new TreeMap<>(counts))));
    byTypeAndStatus = Collections.unmodifiableMap(copy);
  }
}
