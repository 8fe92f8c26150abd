package dev.jobqueue.internal.store;

import dev.jobqueue.HealthCheckResult;
import java.util.Map;

/**
 * What the health check reads from the database.
 *
 * @param counts jobs by status wire name
 * @param estimated whether any count came from PostgreSQL's statistics
 * @param queues every queue that has a row in {@code queues} or pending or running jobs, by name;
 *     each count up to {@value ClusterStore#EXACT_COUNT_LIMIT}
 * @param liveNodes nodes with a recent heartbeat
 * @param leader the node whose leader lease is valid by the database clock, or null when none is
 * @param schedules the schedules' figures
 */
public record HealthSnapshot(
    Map<String, Long> counts,
    boolean estimated,
    Map<String, HealthCheckResult.QueueHealth> queues,
    int liveNodes,
    String leader,
    HealthCheckResult.Schedules schedules) {}
