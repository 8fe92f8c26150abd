package dev.jobqueue.admin;

import java.time.Instant;
import java.util.List;

/**
 * A node as its last heartbeat described it.
 *
 * @param nodeId the node's id
 * @param host its host name
 * @param pid its process id
 * @param startedAt when it started
 * @param heartbeatAt its last heartbeat, by the database clock
 * @param heartbeatAgeMillis how long ago that was, by the database clock
 * @param live whether the heartbeat is recent enough for the node to count as alive
 * @param leader whether it holds the leader lease now
 * @param types the job types it has handlers for
 * @param maxWorkers its worker limit
 * @param activeWorkers workers running a job
 * @param idleWorkers workers waiting for one
 * @param stuckWorkers workers whose job overran its timeout and did not stop
 * @param listening whether it receives notifications (else it polls)
 */
public record NodeView(
    String nodeId,
    String host,
    long pid,
    Instant startedAt,
    Instant heartbeatAt,
    long heartbeatAgeMillis,
    boolean live,
    boolean leader,
    List<String> types,
    int maxWorkers,
    int activeWorkers,
    int idleWorkers,
    int stuckWorkers,
    boolean listening) {
  /**
   * Copies the list.
   *
   * @param nodeId the node's id
   * @param host its host name
   * @param pid its process id
   * @param startedAt when it started
   * @param heartbeatAt its last heartbeat, by the database clock
   * @param heartbeatAgeMillis how long ago that was, by the database clock
   * @param live whether the heartbeat is recent enough for the node to count as alive
   * @param leader whether it holds the leader lease now
   * @param types the job types it has handlers for
   * @param maxWorkers its worker limit
   * @param activeWorkers workers running a job
   * @param idleWorkers workers waiting for one
   * @param stuckWorkers workers whose job overran its timeout and did not stop
   * @param listening whether it receives notifications (else it polls)
   */
  public NodeView {
    types = List.copyOf(types);
  }
}
