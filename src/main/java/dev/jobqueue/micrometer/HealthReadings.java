package dev.jobqueue.micrometer;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.JobQueueManager;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The figures behind {@link JobQueueMetrics}' queue gauges: at most one {@link
 * JobQueueManager#healthCheck()} per refresh interval, cached, with the last good figures kept when
 * a check cannot read the database. Thread-safe; readers never wait for another reader's check.
 */
final class HealthReadings {

  /**
   * What the gauges show.
   *
   * @param pending pending jobs, due or not
   * @param lagMillis the lag of the queues that are not paused
   * @param queues each queue's figures
   */
  record Figures(long pending, long lagMillis, Map<String, HealthCheckResult.QueueHealth> queues) {}

  /**
   * The cached figures (null until a check succeeds) and when a check was last tried (null when
   * never).
   */
  private record Cache(Figures figures, Long triedAtNanos) {
    static final Cache EMPTY = new Cache(null, null);

    boolean due(long now, long refreshNanos) {
      return triedAtNanos == null || now - triedAtNanos >= refreshNanos;
    }
  }

  private final long refreshNanos;
  private final LongSupplier nanoTime;
  private final Consumer<String> queueSeen;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile JobQueueManager manager;

  /** The last good figures and when a check was last tried; replaced, never mutated. */
  private volatile Cache cache = Cache.EMPTY;

  /**
   * @param refreshNanos how long one check's figures are reused
   * @param nanoTime the clock
   * @param queueSeen told each queue a successful check lists, on the reading thread
   */
  HealthReadings(long refreshNanos, LongSupplier nanoTime, Consumer<String> queueSeen) {
    this.refreshNanos = refreshNanos;
    this.nanoTime = nanoTime;
    this.queueSeen = queueSeen;
  }

  /** Reads {@code jobs} from now on; a different manager starts with no figures. */
  void monitor(JobQueueManager jobs) {
    if (manager != jobs) {
      manager = jobs;
      cache = Cache.EMPTY;
    }
  }

  /** The figures, checked again first when they are due; null before the first good check. */
  Figures figures() {
    Cache current = cache;
    if (manager != null && current.due(nanoTime.getAsLong(), refreshNanos)) {
      current = refresh();
    }
    return current.figures;
  }

  /**
   * Runs one health check if none is under way and the cache is still due; otherwise returns what
   * is cached.
   */
  private Cache refresh() {
    if (!refreshing.compareAndSet(false, true)) {
      return cache;
    }
    try {
      JobQueueManager jobs = manager;
      Cache current = cache;
      // Another reader may have refreshed between our look and our winning the flag.
      if (jobs == null || !current.due(nanoTime.getAsLong(), refreshNanos)) {
        return current;
      }
      HealthCheckResult result;
      try {
        result = jobs.healthCheck();
      } catch (RuntimeException e) {
        // healthCheck() is documented never to throw; keep the gauges alive if it ever does.
        result = null;
      }
      Figures figures =
          result == null || noFigures(result)
              ? current.figures
              : new Figures(result.jobs().pending(), result.queue().lagMillis(), result.queues());
      Cache next = new Cache(figures, nanoTime.getAsLong());
      if (manager == jobs) {
        cache = next;
        if (figures != null) {
          figures.queues().keySet().forEach(queueSeen);
        }
      }
      return next;
    } finally {
      refreshing.set(false);
    }
  }

  /**
   * Whether a check read nothing from the database. {@code HealthCheckResult} has no flag for it:
   * an unreadable database gives {@code unhealthy} with every database figure zero and no queue,
   * which a database that answered gives only for an empty table with no live node and no row in
   * its {@code queues} table.
   */
  private static boolean noFigures(HealthCheckResult result) {
    HealthCheckResult.Jobs jobs = result.jobs();
    return result.status() == HealthStatus.UNHEALTHY
        && jobs.pending() == 0
        && jobs.running() == 0
        && jobs.completed() == 0
        && jobs.failed() == 0
        && jobs.cancelled() == 0
        && result.queue().lagMillis() == 0
        && result.queue().duePending() == 0
        && result.queues().isEmpty()
        && result.cluster().liveNodes() == 0;
  }
}
