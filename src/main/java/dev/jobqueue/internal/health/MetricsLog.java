package dev.jobqueue.internal.health;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.TypeStats;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one structured metrics line every {@code metricsInterval}, when {@code enableMetrics} is on.
 * <strong>Not API.</strong>
 */
public final class MetricsLog extends LoopService {
  private static final Logger log = LoggerFactory.getLogger("dev.jobqueue.JobQueueManager");

  private final Supplier<HealthCheckResult> health;
  private final Supplier<TypeStats> node;
  private final long intervalMillis;

  /**
   * A metrics line.
   *
   * @param health the health check
   * @param node this node's figures over all types
   * @param intervalMillis the period
   */
  public MetricsLog(
      Supplier<HealthCheckResult> health, Supplier<TypeStats> node, long intervalMillis) {
    super(
        Loop.named("metrics").logTo(log, "Logging job queue metrics").initialDelay(intervalMillis),
        1_000);
    this.health = health;
    this.node = node;
    this.intervalMillis = intervalMillis;
  }

  @Override
  protected long runOnce() {
    HealthCheckResult result = health.get();
    TypeStats figures = node.get();
    log.atInfo()
        .addKeyValue("status", result.status().wireName())
        .addKeyValue("pending", result.jobs().pending())
        .addKeyValue("running", result.jobs().running())
        .addKeyValue("failed", result.jobs().failed())
        .addKeyValue("lagMillis", result.queue().lagMillis())
        .addKeyValue("activeWorkers", result.workers().active())
        .addKeyValue("idleWorkers", result.workers().idle())
        .addKeyValue("processed15m", figures.processed())
        .addKeyValue("throughput1m", figures.throughputLast1m())
        .addKeyValue("p95Millis", figures.p95Millis())
        .log(
            "Job queue metrics: status={} pending={} running={} failed={} lagMillis={}"
                + " activeWorkers={} idleWorkers={} processed15m={} throughput1m={}/s"
                + " p95Millis={}",
            result.status().wireName(),
            result.jobs().pending(),
            result.jobs().running(),
            result.jobs().failed(),
            result.queue().lagMillis(),
            result.workers().active(),
            result.workers().idle(),
            figures.processed(),
            String.format(Locale.ROOT, "%.1f", figures.throughputLast1m()),
            figures.p95Millis());
    return intervalMillis;
  }
}
