package dev.jobqueue.admin;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.QueueInfo;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The dashboard's first page: the health check, the queues, the throughput chart's points and the
 * nodes.
 *
 * @param health the health check, with its counts by status, per-queue lag and reasons
 * @param queues every known queue with its depth
 * @param throughput one point per bucket over {@code window}, oldest first, empty buckets included
 * @param bucket the width of each point
 * @param nodes the nodes that sent a heartbeat recently, and those that stopped but are still
 *     listed
 * @param leader the node holding the leader lease, or empty
 */
public record Overview(
    HealthCheckResult health,
    List<QueueInfo> queues,
    List<ThroughputPoint> throughput,
    Duration bucket,
    List<NodeView> nodes,
    Optional<String> leader) {
  /**
   * Copies the lists.
   *
   * @param health the health check, with its counts by status, per-queue lag and reasons
   * @param queues every known queue with its depth
   * @param throughput one point per bucket over {@code window}, oldest first, empty buckets
   *     included
   * @param bucket the width of each point
   * @param nodes the nodes that sent a heartbeat recently, and those that stopped but are still
   *     listed
   * @param leader the node holding the leader lease, or empty
   */
  public Overview {
    queues = List.copyOf(queues);
    throughput = List.copyOf(throughput);
    nodes = List.copyOf(nodes);
  }
}
