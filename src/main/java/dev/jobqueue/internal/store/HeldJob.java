package dev.jobqueue.internal.store;

/**
 * A job a node holds, identified for fencing: every write to a running job names its id, the
 * claim's token and the node.
 *
 * @param id the job id
 * @param token the claim's fencing token (the row's {@code attempt})
 */
public record HeldJob(long id, int token) {}
