package dev.jobqueue;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@link JobQueueManager#getProcessingStats()} returns: processing figures over the last 15
 * minutes, for this node and for every node sharing the schema.
 *
 * <p>Each node counts its own attempts in memory, per minute, queue and job type, and writes its
 * current minutes to the {@code job_stats} table every few seconds. {@code node} is read from
 * memory, so it is up to date; {@code cluster} sums every node's rows, so it lags by up to those
 * few seconds and counts nodes that have since stopped. Times are bucketed by minute on the
 * database clock.
 *
 * @param node this node's figures
 * @param cluster every node's figures, from the database
 * @param computedAt when they were computed
 */
public record ProcessingStats(
    Scope node,
    Scope cluster,
    @JsonSerialize(using = ToStringSerializer.class) Instant computedAt) {

  /**
   * Checks the components.
   *
   * @param node this node's figures
   * @param cluster every node's figures
   * @param computedAt when
   */
  public ProcessingStats {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(computedAt, "computedAt");
  }

  /**
   * Figures for one scope (a node or the cluster). Each attempt counts once in {@code overall},
   * once under its job type and once under the queue it ran in.
   *
   * @param overall all types and queues together
   * @param byType per job type, over all queues, sorted by type
   * @param byQueue per queue, over all types, sorted by queue name; a queue appears once one of its
   *     attempts finished within the window
   */
  public record Scope(
      TypeStats overall, Map<String, TypeStats> byType, Map<String, TypeStats> byQueue) {

    /**
     * Copies the maps.
     *
     * @param overall all types and queues together
     * @param byType per job type
     * @param byQueue per queue
     */
    public Scope {
      Objects.requireNonNull(overall, "overall");
      byType = Collections.unmodifiableMap(new TreeMap<>(byType));
      byQueue =
          Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(byQueue, "byQueue")));
    }
  }
}
