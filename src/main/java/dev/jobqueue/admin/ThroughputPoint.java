package dev.jobqueue.admin;

import java.time.Instant;

/**
 * Attempts that ended within one bucket of time, across the cluster, from the statistics table.
 *
 * @param start the bucket's start
 * @param processed attempts that ended
 * @param succeeded of those, completed
 * @param failed of those, failed for good
 * @param retried of those, failed and scheduled again
 */
public record ThroughputPoint(
    Instant start, long processed, long succeeded, long failed, long retried) {}
