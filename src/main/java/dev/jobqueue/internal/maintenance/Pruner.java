package dev.jobqueue.internal.maintenance;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.store.ClusterStore;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes finished jobs past their retention, in batches of {@code pruneBatchSize} for at most 10 s
 * per run, and monitoring rows (node heartbeats, statistics) older than a day. Leader-only: it runs
 * every {@code pruneInterval} on the node that leads, and an advisory lock keeps any two runs apart
 * even across a change of leader. <strong>Not API.</strong>
 */
public final class Pruner extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(Pruner.class);
  private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long MONITORING_RETENTION_MILLIS = TimeUnit.DAYS.toMillis(1);

  private final ClusterStore repository;
  private final JobQueueConfig config;
  private final BooleanSupplier leading;
  private final long periodMillis;

  /**
   * A pruner.
   *
   * @param repository the store
   * @param config the retentions, the batch size and the interval
   * @param leading whether this node leads right now; checked before each statement
   */
  public Pruner(ClusterStore repository, JobQueueConfig config, BooleanSupplier leading) {
    super(
        Loop.named("pruner")
            .logTo(log, "Background pruning")
            .initialDelay(
                ThreadLocalRandom.current()
                    .nextLong(Math.max(1, config.pruneInterval().toMillis()))),
        2_000);
    this.repository = repository;
    this.config = config;
    this.leading = leading;
    this.periodMillis = config.pruneInterval().toMillis();
  }

  @Override
  protected long runOnce() {
    if (!leading.getAsBoolean()) {
      return periodMillis;
    }
    long started = System.nanoTime();
    int deleted = 0;
    // One status per statement, so jobs_status_created_idx (status, created_at) finds the
    // candidates directly instead of walking every old row of other statuses.
    deleted += pruneStatus("completed", config.completedJobRetention(), started);
    deleted += pruneStatus("cancelled", config.completedJobRetention(), started);
    deleted += pruneStatus("failed", config.failedJobRetention(), started);
    if (leading.getAsBoolean()) {
      repository.pruneMonitoring(MONITORING_RETENTION_MILLIS);
    }
    if (deleted > 0) {
      log.info(
          "Pruned {} finished job(s) in {} ms",
          deleted,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
    return periodMillis;
  }

  private int pruneStatus(String status, Duration retention, long started) {
    if (retention.isZero()) {
      return 0;
    }
    int total = 0;
    int batch = config.pruneBatchSize();
    while (isRunning() && leading.getAsBoolean() && System.nanoTime() - started < BUDGET_NANOS) {
      int deleted = repository.pruneFinished(status, retention.toMillis(), batch);
      if (deleted < 0) {
        break; // Another node is pruning.
      }
      total += deleted;
      if (deleted < batch) {
        break;
      }
    }
    return total;
  }
}
