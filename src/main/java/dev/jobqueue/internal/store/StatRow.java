package dev.jobqueue.internal.store;

/**
 * One node's figures for one job type in one queue in one minute, as stored in {@code job_stats}.
 *
 * @param minuteMillis the minute's start, epoch milliseconds by the database clock
 * @param nodeId the node
 * @param queue the queue the attempts ran in
 * @param type the job type
 * @param processed finished attempts
 * @param succeeded attempts that completed their job
 * @param failed attempts that ended their job failed
 * @param retried attempts that scheduled a retry
 * @param totalMillis summed handler time
 * @param maxMillis longest handler time
 * @param histogram handler times per bucket of {@code dev.jobqueue.internal.Stats}
 */
public record StatRow(
    long minuteMillis,
    String nodeId,
    String queue,
    String type,
    long processed,
    long succeeded,
    long failed,
    long retried,
    long totalMillis,
    long maxMillis,
    long[] histogram) {}
