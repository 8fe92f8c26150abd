package dev.jobqueue.internal.maintenance;

import dev.jobqueue.internal.StatsRecorder;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.store.ClusterStore;
import dev.jobqueue.internal.store.StatRow;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the minutes of this node's statistics that changed to the {@code job_stats} table every
 * {@value NodeHeartbeat#INTERVAL_MILLIS} ms, and once more on stop. A failed write marks its
 * minutes changed again, so the next one carries them. <strong>Not API.</strong>
 */
public final class StatsFlush extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(StatsFlush.class);

  private final ClusterStore repository;
  private final StatsRecorder stats;

  /**
   * A flush.
   *
   * @param repository the store
   * @param stats this node's figures
   */
  public StatsFlush(ClusterStore repository, StatsRecorder stats) {
    super(
        Loop.named("stats")
            .logTo(log, "Background statistics flush")
            .initialDelay(NodeHeartbeat.INTERVAL_MILLIS),
        2_000);
    this.repository = repository;
    this.stats = stats;
  }

  /** Stops the loop and writes what changed since its last run, best effort. */
  @Override
  public void stop(Deadline deadline) {
    boolean wasRunning = isRunning();
    super.stop(deadline);
    if (!wasRunning) {
      return;
    }
    try {
      save();
    } catch (RuntimeException e) {
      log.debug("Could not write this node's last statistics: {}", e.getMessage());
    }
  }

  @Override
  protected long runOnce() {
    save();
    return NodeHeartbeat.INTERVAL_MILLIS;
  }

  private void save() {
    List<StatRow> rows = stats.changedRows();
    try {
      repository.saveStats(rows);
    } catch (RuntimeException e) {
      stats.unsaved(rows);
      throw e;
    }
  }
}
