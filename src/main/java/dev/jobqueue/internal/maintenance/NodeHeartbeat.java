package dev.jobqueue.internal.maintenance;

import dev.jobqueue.internal.WallClock;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.store.ClusterStore;
import dev.jobqueue.internal.store.NodeInfo;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's row in the {@code nodes} table every {@value #INTERVAL_MILLIS} ms, and
 * measures the offset of the database clock from this JVM's on the way; on stop it removes the row
 * (the node left the cluster). <strong>Not API.</strong>
 */
public final class NodeHeartbeat extends LoopService {
  /** How often a node writes its heartbeat row. */
  public static final long INTERVAL_MILLIS = 5_000;

  /** A node whose heartbeat is older than this is not live. */
  public static final long LIVE_WITHIN_MILLIS = 3 * INTERVAL_MILLIS;

  private static final Logger log = LoggerFactory.getLogger(NodeHeartbeat.class);

  private final ClusterStore repository;
  private final String nodeId;
  private final Supplier<NodeInfo> node;

  /** Database clock minus this JVM's clock, measured by each heartbeat. */
  private volatile long clockOffsetMillis;

  /**
   * A heartbeat.
   *
   * @param repository the store
   * @param nodeId this node
   * @param node what the row says, read at each beat
   */
  public NodeHeartbeat(ClusterStore repository, String nodeId, Supplier<NodeInfo> node) {
    super(Loop.named("heartbeat").logTo(log, "Background node heartbeat"), 2_000);
    this.repository = repository;
    this.nodeId = nodeId;
    this.node = node;
  }

  /**
   * The database clock as this JVM sees it.
   *
   * @return epoch milliseconds
   */
  public long databaseNowMillis() {
    return WallClock.currentTimeMillis() + clockOffsetMillis;
  }

  /** Stops beating and removes this node's row, best effort. */
  @Override
  public void stop(Deadline deadline) {
    boolean wasRunning = isRunning();
    super.stop(deadline);
    if (!wasRunning) {
      return;
    }
    try {
      repository.removeNode(nodeId);
    } catch (RuntimeException e) {
      log.debug("Could not remove this node's heartbeat row: {}", e.getMessage());
    }
  }

  @Override
  protected long runOnce() {
    long before = WallClock.currentTimeMillis();
    long databaseNow = repository.heartbeat(node.get());
    long after = WallClock.currentTimeMillis();
    clockOffsetMillis = databaseNow - (before + after) / 2;
    return INTERVAL_MILLIS;
  }
}
