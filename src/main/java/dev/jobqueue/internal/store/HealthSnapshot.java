package dev.jobqueue.internal.store;

import java.util.Map;

/**
 * What the health check reads from the database.
 *
 * @param counts jobs by status wire name
 * @param estimated whether any count came from PostgreSQL's statistics
 * @param lagMillis how long the oldest due pending job has been due, 0 when none is
 * @param duePending due pending jobs, counted up to 10,000
 * @param liveNodes nodes with a recent heartbeat
 * @param leader the node whose leader lease is valid by the database clock, or null when none is
 */
public record HealthSnapshot(
    Map<String, Long> counts,
    boolean estimated,
    long lagMillis,
    long duePending,
    int liveNodes,
    String leader) {}
