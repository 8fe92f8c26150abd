package dev.jobqueue.micrometer;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.JobEventListener;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.WorkerPool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Publishes jobqueue's figures to Micrometer: a {@link MeterBinder} for the registry and a {@link
 * JobEventListener} for the events that feed its counters.
 *
 * <pre>{@code
 * JobQueueMetrics metrics = new JobQueueMetrics();
 * JobQueueManager jobs = JobQueueManager.builder()
 *     .dataSource(dataSource)
 *     .handler(new EmailNotificationHandler())
 *     .listener(metrics)                 // counts jobs created and attempts finished
 *     .build();
 * jobs.initialize();
 * metrics.monitor(jobs);                 // the gauges read this manager
 * metrics.bindTo(meterRegistry);         // either order
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * <table>
 *   <caption>What is published</caption>
 *   <tr><th>name</th><th>kind</th><th>tags</th><th>meaning</th></tr>
 *   <tr><td>{@code jobqueue.jobs.created}</td><td>counter</td><td>{@code type}</td>
 *       <td>jobs created through this manager (committed, or written in the caller's
 *       transaction)</td></tr>
 *   <tr><td>{@code jobqueue.jobs.completed}</td><td>counter</td><td>{@code type}</td>
 *       <td>attempts on this node that succeeded: the job is completed</td></tr>
 *   <tr><td>{@code jobqueue.jobs.failed}</td><td>counter</td><td>{@code type}</td>
 *       <td>attempts on this node that failed for good: retries exhausted, or not retryable</td></tr>
 *   <tr><td>{@code jobqueue.jobs.retried}</td><td>counter</td><td>{@code type}</td>
 *       <td>attempts on this node that failed and were scheduled to run again</td></tr>
 *   <tr><td>{@code jobqueue.jobs.snoozed}</td><td>counter</td><td>{@code type}</td>
 *       <td>attempts on this node that snoozed their job (neither a success nor a failure)</td></tr>
 *   <tr><td>{@code jobqueue.job.duration}</td><td>timer</td><td>{@code type}, {@code outcome}
 *       ({@code succeeded}, {@code retried}, {@code failed}, {@code snoozed})</td>
 *       <td>how long each attempt's handler ran on this node</td></tr>
 *   <tr><td>{@code jobqueue.queue.depth}</td><td>gauge</td><td></td>
 *       <td>pending jobs in the table, due or not (an estimate from PostgreSQL's statistics above
 *       10,000; see {@link HealthCheckResult.Jobs})</td></tr>
 *   <tr><td>{@code jobqueue.queue.lag}</td><td>gauge, base unit milliseconds ({@code ms})</td><td></td>
 *       <td>how long the oldest due pending job has been due; 0 when none is</td></tr>
 *   <tr><td>{@code jobqueue.workers.active}</td><td>gauge</td><td></td>
 *       <td>this node's workers running a job</td></tr>
 *   <tr><td>{@code jobqueue.workers.idle}</td><td>gauge</td><td></td>
 *       <td>this node's workers waiting for a job</td></tr>
 *   <tr><td>{@code jobqueue.workers.stuck}</td><td>gauge</td><td></td>
 *       <td>this node's stuck worker threads; see {@link WorkerPool#getStuckWorkerCount()}</td></tr>
 * </table>
 *
 * <p>Every meter also carries the tags given to the constructor. Attempts whose job was cancelled
 * or taken over while they ran, and attempts a node lost by dying (rescued elsewhere), are not
 * counted: they are not reported to listeners.
 *
 * <h2>Counting before {@code bindTo}</h2>
 *
 * <p>The counters count from the moment this object is created, whether or not a registry is bound
 * yet: each job type's counts live in {@link LongAdder}s held here, and {@code bindTo} registers
 * {@link FunctionCounter}s that read them, so jobs created or run between {@code initialize()} and
 * {@code bindTo} are not lost, and a registry bound later (or a second registry) sees the same
 * totals. A type's meters appear when the type is first seen: at {@link #monitor(JobQueueManager)}
 * for the manager's registered types, or at its first event. The timer is different: a timer's
 * distribution (maximum, percentiles) cannot be rebuilt from a count, so {@code
 * jobqueue.job.duration} records only the attempts that finish after {@code bindTo}.
 *
 * <h2>Gauges and the cost of a scrape</h2>
 *
 * <p>The worker gauges read the manager's {@link WorkerPool} in memory. The queue gauges come from
 * {@link JobQueueManager#healthCheck()}, which reads the database, so its result is cached: a gauge
 * read older than the refresh interval (default {@link #DEFAULT_QUEUE_REFRESH}, 10 s) runs one new
 * check on the reading thread, at most one at a time (a read that finds a check under way returns
 * the previous values at once). A scrape storm therefore costs one health check per interval. A
 * check that could not read the database (an {@code unhealthy} result with no figures at all: the
 * database failed or timed out, or the manager is not running) keeps the previous values, and the
 * next check is tried one interval later. Before the first successful check, and while no manager
 * is monitored, the gauges read {@code NaN}.
 *
 * <p>Thread-safe: events, gauge reads, {@code monitor} and {@code bindTo} may come from any thread.
 * Binding the same registry twice does nothing.
 */
public final class JobQueueMetrics implements MeterBinder, JobEventListener {

  /** How long the queue gauges reuse one health check by default: 10 seconds. */
  public static final Duration DEFAULT_QUEUE_REFRESH = Duration.ofSeconds(10);

  private static final String TYPE_TAG = "type";
  private static final String OUTCOME_TAG = "outcome";

  private final Tags tags;
  private final long refreshNanos;
  private final LongSupplier nanoTime;

  /** Per job type; a type is added (and registered) under {@link #registration}. */
  private final Map<String, TypeMeters> types = new ConcurrentHashMap<>();

  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /** Orders registering new types against binding new registries, so neither misses the other. */
  private final Object registration = new Object();

  private final AtomicBoolean refreshing = new AtomicBoolean();

  private volatile JobQueueManager manager;

  /** The last good queue figures and when a check was last tried; replaced, never mutated. */
  private volatile QueueCache queue = QueueCache.EMPTY;

  /**
   * Metrics without extra tags, with queue gauges refreshed every {@link #DEFAULT_QUEUE_REFRESH}.
   */
  public JobQueueMetrics() {
    this(Tags.empty(), DEFAULT_QUEUE_REFRESH);
  }

  /**
   * Metrics with extra tags on every meter and a chosen refresh interval for the queue gauges.
   *
   * @param tags added to every meter, for example the application's name; may be empty
   * @param queueRefresh how long the queue gauges reuse one health check; must be positive
   * @throws IllegalArgumentException if {@code queueRefresh} is zero or negative
   */
  public JobQueueMetrics(Iterable<Tag> tags, Duration queueRefresh) {
    this(tags, queueRefresh, System::nanoTime);
  }

  /** For tests: time comes from {@code nanoTime}. */
  JobQueueMetrics(Iterable<Tag> tags, Duration queueRefresh, LongSupplier nanoTime) {
    Objects.requireNonNull(tags, "tags must not be null");
    Objects.requireNonNull(queueRefresh, "queueRefresh must not be null");
    if (queueRefresh.isZero() || queueRefresh.isNegative()) {
      throw new IllegalArgumentException(
          "queueRefresh must be positive (was " + queueRefresh + ")");
    }
    this.tags = Tags.of(tags);
    this.refreshNanos = queueRefresh.toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime must not be null");
  }

  /**
   * Makes the gauges read this manager: its worker pool for the worker gauges, and its {@link
   * JobQueueManager#healthCheck()} for the queue gauges. The manager's registered types get their
   * counters now, at zero. Calling it again with another manager replaces the first.
   *
   * @param jobs the manager, normally initialized already (until it is, the worker gauges read
   *     {@code NaN})
   * @return this object
   */
  public JobQueueMetrics monitor(JobQueueManager jobs) {
    Objects.requireNonNull(jobs, "jobs must not be null");
    if (manager != jobs) {
      manager = jobs;
      queue = QueueCache.EMPTY;
    }
    for (String type : jobs.getRegisteredTypes()) {
      meters(type);
    }
    return this;
  }

  /**
   * Registers the meters with a registry: the counters (with everything counted so far), the timer
   * and the gauges. Binding the same registry again does nothing.
   *
   * @param registry the registry
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry must not be null");
    synchronized (registration) {
      for (MeterRegistry bound : registries) {
        if (bound == registry) {
          return;
        }
      }
      registries.add(registry);
      for (TypeMeters meters : types.values()) {
        meters.register(registry);
      }
    }
    gauge(registry, "jobqueue.queue.depth", "Pending jobs, due or not", null, m -> m.queue(false));
    gauge(
        registry,
        "jobqueue.queue.lag",
        "How long the oldest due pending job has been due",
        BaseUnits.MILLISECONDS,
        m -> m.queue(true));
    gauge(
        registry,
        "jobqueue.workers.active",
        "This node's workers running a job",
        null,
        m -> m.workers(WorkerPool::getActiveWorkerCount));
    gauge(
        registry,
        "jobqueue.workers.idle",
        "This node's workers waiting for a job",
        null,
        m -> m.workers(WorkerPool::getIdleWorkerCount));
    gauge(
        registry,
        "jobqueue.workers.stuck",
        "This node's stuck worker threads",
        null,
        m -> m.workers(WorkerPool::getStuckWorkerCount));
  }

  /**
   * Counts created jobs.
   *
   * @param type the job type
   * @param count how many
   */
  @Override
  public void jobsCreated(String type, int count) {
    meters(type).created.add(count);
  }

  /**
   * Counts a finished attempt by outcome and records its duration.
   *
   * @param type the job type
   * @param outcome how it ended
   * @param duration how long the handler ran
   */
  @Override
  public void attemptFinished(String type, AttemptOutcome outcome, Duration duration) {
    TypeMeters meters = meters(type);
    meters.counter(outcome).increment();
    for (Timer timer : meters.timers.get(outcome)) {
      timer.record(duration);
    }
  }

  /**
   * Describes this binder, for logs.
   *
   * @return a short description
   */
  @Override
  public String toString() {
    return "JobQueueMetrics" + tags;
  }

  private void gauge(
      MeterRegistry registry,
      String name,
      String description,
      String baseUnit,
      ToDoubleFunction<JobQueueMetrics> value) {
    Gauge.Builder<JobQueueMetrics> builder =
        Gauge.builder(name, this, value).description(description).tags(tags).strongReference(true);
    if (baseUnit != null) {
      builder.baseUnit(baseUnit);
    }
    builder.register(registry);
  }

  private TypeMeters meters(String type) {
    TypeMeters meters = types.get(type);
    if (meters != null) {
      return meters;
    }
    synchronized (registration) {
      meters = types.get(type);
      if (meters == null) {
        meters = new TypeMeters(type, tags);
        for (MeterRegistry registry : registries) {
          meters.register(registry);
        }
        // Published only once registered everywhere, so no event misses a timer.
        types.put(type, meters);
      }
      return meters;
    }
  }

  // ---- gauges -----------------------------------------------------------------------------------

  private double workers(ToDoubleFunction<WorkerPool> count) {
    JobQueueManager jobs = manager;
    if (jobs == null) {
      return Double.NaN;
    }
    WorkerPool pool;
    try {
      pool = jobs.workerPool();
    } catch (IllegalStateException notInitialized) {
      return Double.NaN;
    }
    return count.applyAsDouble(pool);
  }

  private double queue(boolean lag) {
    QueueCache cache = queue;
    if (manager != null && cache.due(nanoTime.getAsLong(), refreshNanos)) {
      cache = refresh();
    }
    QueueFigures figures = cache.figures;
    if (figures == null) {
      return Double.NaN;
    }
    return lag ? figures.lagMillis : figures.pending;
  }

  /**
   * Runs one health check if none is under way and the cache is still due; otherwise returns what
   * is cached. Readers never wait for another reader's check.
   */
  private QueueCache refresh() {
    if (!refreshing.compareAndSet(false, true)) {
      return queue;
    }
    try {
      JobQueueManager jobs = manager;
      QueueCache cache = queue;
      // Another reader may have refreshed between our look and our winning the flag.
      if (jobs == null || !cache.due(nanoTime.getAsLong(), refreshNanos)) {
        return cache;
      }
      HealthCheckResult result;
      try {
        result = jobs.healthCheck();
      } catch (RuntimeException e) {
        // healthCheck() is documented never to throw; keep the gauges alive if it ever does.
        result = null;
      }
      QueueFigures figures =
          result == null || noFigures(result)
              ? cache.figures
              : new QueueFigures(result.jobs().pending(), result.queue().lagMillis());
      QueueCache next = new QueueCache(figures, nanoTime.getAsLong());
      if (manager == jobs) {
        queue = next;
      }
      return next;
    } finally {
      refreshing.set(false);
    }
  }

  /**
   * Whether a check read nothing from the database. {@code HealthCheckResult} has no flag for it:
   * an unreadable database gives {@code unhealthy} with every database figure zero, which a
   * database that answered gives only for an empty table with no live node.
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
        && result.cluster().liveNodes() == 0;
  }

  private record QueueFigures(long pending, long lagMillis) {}

  /**
   * The cached figures (null until a check succeeds) and when a check was last tried (null when
   * never).
   */
  private record QueueCache(QueueFigures figures, Long triedAtNanos) {
    static final QueueCache EMPTY = new QueueCache(null, null);

    boolean due(long now, long refreshNanos) {
      return triedAtNanos == null || now - triedAtNanos >= refreshNanos;
    }
  }

  // ---- per-type counters and timers -------------------------------------------------------------

  private static final class TypeMeters {
    final String type;
    final Tags tags;
    final LongAdder created = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder retried = new LongAdder();
    final LongAdder snoozed = new LongAdder();

    /** One timer per bound registry, per outcome; written under {@code registration}. */
    final Map<AttemptOutcome, List<Timer>> timers = new EnumMap<>(AttemptOutcome.class);

    TypeMeters(String type, Tags common) {
      this.type = type;
      this.tags = common.and(TYPE_TAG, type);
      for (AttemptOutcome outcome : AttemptOutcome.values()) {
        timers.put(outcome, new CopyOnWriteArrayList<>());
      }
    }

    LongAdder counter(AttemptOutcome outcome) {
      return switch (outcome) {
        case SUCCEEDED -> completed;
        case RETRIED -> retried;
        case FAILED -> failed;
        case SNOOZED -> snoozed;
      };
    }

    void register(MeterRegistry registry) {
      counter(registry, "jobqueue.jobs.created", "Jobs created through this manager", created);
      counter(registry, "jobqueue.jobs.completed", "Attempts that completed their job", completed);
      counter(registry, "jobqueue.jobs.failed", "Attempts that failed their job for good", failed);
      counter(registry, "jobqueue.jobs.retried", "Failed attempts scheduled to run again", retried);
      counter(registry, "jobqueue.jobs.snoozed", "Attempts that snoozed their job", snoozed);
      for (AttemptOutcome outcome : AttemptOutcome.values()) {
        timers
            .get(outcome)
            .add(
                Timer.builder("jobqueue.job.duration")
                    .description("How long attempts' handlers ran on this node")
                    .tags(tags)
                    .tag(OUTCOME_TAG, outcome.name().toLowerCase(Locale.ROOT))
                    .register(registry));
      }
    }

    private void counter(MeterRegistry registry, String name, String description, LongAdder adder) {
      FunctionCounter.builder(name, adder, LongAdder::doubleValue)
          .description(description)
          .tags(tags)
          .register(registry);
    }

    @Override
    public String toString() {
      return "TypeMeters[" + type + "]";
    }
  }
}
