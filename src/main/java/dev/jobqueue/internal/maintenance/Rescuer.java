package dev.jobqueue.internal.maintenance;

import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.retry.Retries;
import dev.jobqueue.internal.store.ExecutionStore;
import dev.jobqueue.internal.store.RescuedJob;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes back jobs whose lease expired (their node died or lost the database), counting the lost
 * attempt: {@link Retries#afterLostAttempt} decides whether each runs again or fails. Runs on every
 * node (it is safe to run concurrently) every quarter of {@code rescueInterval}, at a fixed rate: a
 * lease is taken back within a quarter interval of its expiry, and the claim and the start that
 * follow have the rest of the interval. <strong>Not API.</strong>
 */
public final class Rescuer extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(Rescuer.class);
  private static final int BATCH = 500;

  private final ExecutionStore repository;
  private final Runnable givenBack;
  private final long periodMillis;

  /**
   * A rescuer.
   *
   * @param repository the store
   * @param rescueInterval the longest an orphaned job waits once its lease expired
   * @param givenBack told when a rescue gave jobs back to pending: this node claims them at once
   *     and tells the others to
   */
  public Rescuer(ExecutionStore repository, Duration rescueInterval, Runnable givenBack) {
    super(
        Loop.named("rescuer")
            .logTo(log, "Background rescue")
            .initialDelay(ThreadLocalRandom.current().nextLong(periodMillis(rescueInterval))),
        2_000);
    this.repository = repository;
    this.givenBack = givenBack;
    this.periodMillis = periodMillis(rescueInterval);
  }

  /**
   * A quarter of the rescue interval, at least 25 ms. An orphan runs again within {@code
   * leaseDuration + rescueInterval} of its last renewal, plus the wait for a free worker when all
   * are busy.
   *
   * @param rescueInterval the setting
   * @return the period in milliseconds
   */
  public static long periodMillis(Duration rescueInterval) {
    return Math.max(25, rescueInterval.toMillis() / 4);
  }

  /** One rescue, then the rest of the period: a slow run does not push the next one back. */
  @Override
  protected long runOnce() {
    long started = System.nanoTime();
    List<RescuedJob> rescued;
    do {
      rescued =
          repository.rescueExpired(
              BATCH,
              (retryCount, maxRetries) -> Retries.afterLostAttempt(retryCount, maxRetries).retry());
      if (rescued.stream().anyMatch(job -> "pending".equals(job.status()))) {
        // They kept their place in the queue, ahead of what the local queue holds: claim them
        // now, however deep the local queue, and tell the other nodes to do the same.
        givenBack.run();
      }
      for (RescuedJob job : rescued) {
        log.warn(
            "Rescued job {} from node {} whose lease expired; it is now {}",
            job.id(),
            job.previousHolder(),
            job.status());
      }
    } while (rescued.size() == BATCH && isRunning());
    long elapsed = (System.nanoTime() - started) / 1_000_000;
    return Math.max(0, periodMillis - elapsed);
  }
}
