package dev.jobqueue.internal.store;

/**
 * A node's heartbeat row.
 *
 * @param nodeId the node
 * @param host its host name
 * @param pid its process id
 * @param types the job types it runs
 * @param maxWorkers its worker limit
 * @param activeWorkers workers running a job
 * @param idleWorkers workers waiting
 * @param stuckWorkers stuck worker threads
 * @param listening whether it is woken by LISTEN/NOTIFY
 */
public record NodeInfo(
    String nodeId,
    String host,
    long pid,
    String[] types,
    int maxWorkers,
    int activeWorkers,
    int idleWorkers,
    int stuckWorkers,
    boolean listening) {}
