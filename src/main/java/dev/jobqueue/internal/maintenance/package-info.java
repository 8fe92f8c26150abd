/**
 * The node's maintenance services: rescue of expired leases, pruning of finished jobs, the node
 * heartbeat and the statistics flush. <strong>Not API</strong>: anything here may change or
 * disappear in any release without notice.
 */
package dev.jobqueue.internal.maintenance;
