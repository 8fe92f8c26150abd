package dev.jobqueue;

import java.time.Instant;
import java.util.Optional;

/**
 * A queue as the cluster sees it: whether it is paused, its limits, and how many of its jobs wait
 * and run. Returned by {@link JobQueueManager#getQueues()}.
 *
 * @param name the queue's name
 * @param paused whether no node claims its jobs
 * @param pausedAt when it was paused, by the database clock; empty while it runs
 * @param limits its cluster-wide limits; {@link QueueLimits#none()} when it has none
 * @param pending its jobs waiting to run (due or scheduled)
 * @param running its jobs running now
 */
public record QueueInfo(
    String name,
    boolean paused,
    Optional<Instant> pausedAt,
    QueueLimits limits,
    long pending,
    long running) {}
