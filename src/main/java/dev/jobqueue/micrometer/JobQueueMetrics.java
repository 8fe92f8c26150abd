package dev.jobqueue.micrometer;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.JobEventListener;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.QueueOptions;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
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
 *   <tr><td>{@code jobqueue.jobs.completed}</td><td>counter</td><td>{@code queue}, {@code type}</td>
 *       <td>attempts on this node that succeeded: the job is completed</td></tr>
 *   <tr><td>{@code jobqueue.jobs.failed}</td><td>counter</td><td>{@code queue}, {@code type}</td>
 *       <td>attempts on this node that failed for good: retries exhausted, or not retryable</td></tr>
 *   <tr><td>{@code jobqueue.jobs.retried}</td><td>counter</td><td>{@code queue}, {@code type}</td>
 *       <td>attempts on this node that failed and were scheduled to run again</td></tr>
 *   <tr><td>{@code jobqueue.jobs.snoozed}</td><td>counter</td><td>{@code queue}, {@code type}</td>
 *       <td>attempts on this node that snoozed their job (neither a success nor a failure)</td></tr>
 *   <tr><td>{@code jobqueue.job.duration}</td><td>timer</td><td>{@code queue}, {@code type},
 *       {@code outcome} ({@code succeeded}, {@code retried}, {@code failed}, {@code snoozed})</td>
 *       <td>how long each attempt's handler ran on this node</td></tr>
 *   <tr><td>{@code jobqueue.queue.depth}</td><td>gauge</td><td></td>
 *       <td>pending jobs in the table, due or not, of every queue (an estimate from PostgreSQL's
 *       statistics above 10,000; see {@link HealthCheckResult.Jobs})</td></tr>
 *   <tr><td>{@code jobqueue.queue.lag}</td><td>gauge, base unit milliseconds ({@code ms})</td><td></td>
 *       <td>how long the oldest due pending job of the queues that are not paused has been due; 0
 *       when none is ({@link HealthCheckResult.Queue})</td></tr>
 *   <tr><td>{@code jobqueue.queues.due}</td><td>gauge</td><td>{@code queue}</td>
 *       <td>the queue's due pending jobs (exact up to 10,000)</td></tr>
 *   <tr><td>{@code jobqueue.queues.lag}</td><td>gauge, base unit milliseconds ({@code ms})</td>
 *       <td>{@code queue}</td><td>how long the queue's oldest due pending job has been due; 0 when
 *       none is</td></tr>
 *   <tr><td>{@code jobqueue.queues.running}</td><td>gauge</td><td>{@code queue}</td>
 *       <td>the queue's running jobs, on every node (exact up to 10,000)</td></tr>
 *   <tr><td>{@code jobqueue.queues.paused}</td><td>gauge</td><td>{@code queue}</td>
 *       <td>1 while the queue is paused, 0 otherwise</td></tr>
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
 * yet: the counts live in {@link LongAdder}s held here, and {@code bindTo} registers {@link
 * FunctionCounter}s that read them, so jobs created or run between {@code initialize()} and {@code
 * bindTo} are not lost, and a registry bound later (or a second registry) sees the same totals. A
 * job type's created counter appears when the type is first seen: at {@link
 * #monitor(JobQueueManager)} for the manager's registered types, or at its first event; the attempt
 * counters and timers of a queue and type appear at the first attempt of that type in that queue.
 * The timer is different: a timer's distribution (maximum, percentiles) cannot be rebuilt from a
 * count, so {@code jobqueue.job.duration} records only the attempts that finish after {@code
 * bindTo}.
 *
 * <h2>Gauges and the cost of a scrape</h2>
 *
 * <p>The worker gauges read the manager's {@link WorkerPool} in memory. The queue gauges, overall
 * and per queue, come from {@link JobQueueManager#healthCheck()}, which reads the database, so its
 * result is cached: a gauge read older than the refresh interval (default {@link
 * #DEFAULT_QUEUE_REFRESH}, 10 s) runs one new check on the reading thread, at most one at a time (a
 * read that finds a check under way returns the previous values at once). A scrape storm therefore
 * costs one health check per interval, however many queues there are. A check that could not read
 * the database (an {@code unhealthy} result with no figures at all: the database failed or timed
 * out, or the manager is not running) keeps the previous values, and the next check is tried one
 * interval later. Before the first successful check, and while no manager is monitored, the gauges
 * read {@code NaN}.
 *
 * <p>A queue's gauges are registered for the queues the monitored node serves at {@link
 * #monitor(JobQueueManager)}, and for any other queue once a check has seen it ({@link
 * HealthCheckResult#queues()}). A queue a later check no longer lists (it has no row in the {@code
 * queues} table and no pending or running job) keeps its gauges, reading 0.
 *
 * <p>Thread-safe: events, gauge reads, {@code monitor} and {@code bindTo} may come from any thread.
 * Binding the same registry twice does nothing.
 */
public final class JobQueueMetrics implements MeterBinder, JobEventListener {

  /** How long the queue gauges reuse one health check by default: 10 seconds. */
  public static final Duration DEFAULT_QUEUE_REFRESH = Duration.ofSeconds(10);

  private final Tags tags;
  private final HealthReadings readings;

  /** Per job type: the created counter. Entries are added (and registered) under registration. */
  private final Map<String, EventMeters.Created> created = new ConcurrentHashMap<>();

  /** Per queue and job type: the attempt counters and timers. */
  private final Map<EventMeters.QueueAndType, EventMeters.Attempts> attempts =
      new ConcurrentHashMap<>();

  /** Per queue: its gauges. */
  private final Map<String, QueueGauges> queueGauges = new ConcurrentHashMap<>();

  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /** Orders registering new meters against binding new registries, so neither misses the other. */
  private final Object registration = new Object();

  /** The manager monitored, if any. */
  private volatile JobQueueManager manager;

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
    this.readings =
        new HealthReadings(
            queueRefresh.toNanos(),
            Objects.requireNonNull(nanoTime, "nanoTime must not be null"),
            this::queueGauges);
  }

  /**
   * Makes the gauges read this manager: its worker pool for the worker gauges, and its {@link
   * JobQueueManager#healthCheck()} for the queue gauges. The manager's registered types get their
   * created counters now, at zero, and the queues it serves (when it runs workers) their gauges.
   * Calling it again with another manager replaces the first.
   *
   * @param jobs the manager, normally initialized already (until it is, the worker gauges read
   *     {@code NaN})
   * @return this object
   */
  public JobQueueMetrics monitor(JobQueueManager jobs) {
    Objects.requireNonNull(jobs, "jobs must not be null");
    manager = jobs;
    readings.monitor(jobs);
    for (String type : jobs.getRegisteredTypes()) {
      created(type);
    }
    if (jobs.config().runWorkers()) {
      for (QueueOptions served : jobs.config().queues()) {
        queueGauges(served.name());
      }
    }
    return this;
  }

  /**
   * Registers the meters with a registry: the counters (with everything counted so far), the timers
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
      for (EventMeters.Created meters : created.values()) {
        meters.register(registry);
      }
      for (EventMeters.Attempts meters : attempts.values()) {
        meters.register(registry);
      }
      for (QueueGauges gauges : queueGauges.values()) {
        gauges.register(registry);
      }
    }
    gauge(registry, "jobqueue.queue.depth", "Pending jobs, due or not", null, tags, m -> m.depth());
    gauge(
        registry,
        "jobqueue.queue.lag",
        "How long the oldest due pending job of the unpaused queues has been due",
        BaseUnits.MILLISECONDS,
        tags,
        m -> m.lag());
    gauge(
        registry,
        "jobqueue.workers.active",
        "This node's workers running a job",
        null,
        tags,
        m -> m.workers(WorkerPool::getActiveWorkerCount));
    gauge(
        registry,
        "jobqueue.workers.idle",
        "This node's workers waiting for a job",
        null,
        tags,
        m -> m.workers(WorkerPool::getIdleWorkerCount));
    gauge(
        registry,
        "jobqueue.workers.stuck",
        "This node's stuck worker threads",
        null,
        tags,
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
    created(type).count.add(count);
  }

  /**
   * Counts a finished attempt by queue, type and outcome, and records its duration.
   *
   * @param queue the queue the job ran in
   * @param type the job type
   * @param outcome how it ended
   * @param duration how long the handler ran
   */
  @Override
  public void attemptFinished(
      String queue, String type, AttemptOutcome outcome, Duration duration) {
    EventMeters.Attempts meters =
        meters(
            attempts,
            new EventMeters.QueueAndType(queue, type),
            k -> new EventMeters.Attempts(k, tags));
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
      Tags gaugeTags,
      ToDoubleFunction<JobQueueMetrics> value) {
    Gauge.Builder<JobQueueMetrics> builder =
        Gauge.builder(name, this, value)
            .description(description)
            .tags(gaugeTags)
            .strongReference(true);
    if (baseUnit != null) {
      builder.baseUnit(baseUnit);
    }
    builder.register(registry);
  }

  private EventMeters.Created created(String type) {
    return meters(created, type, t -> new EventMeters.Created(t, tags));
  }

  private QueueGauges queueGauges(String name) {
    return meters(queueGauges, name, QueueGauges::new);
  }

  /**
   * The meters under {@code key}, created and registered with every bound registry on first use.
   */
  private <K, M extends EventMeters.Registrable> M meters(
      Map<K, M> all, K key, Function<K, M> create) {
    M meters = all.get(key);
    if (meters != null) {
      return meters;
    }
    synchronized (registration) {
      meters = all.get(key);
      if (meters == null) {
        meters = create.apply(key);
        for (MeterRegistry registry : registries) {
          meters.register(registry);
        }
        // Published only once registered everywhere, so no event misses a timer.
        all.put(key, meters);
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

  private double depth() {
    HealthReadings.Figures figures = readings.figures();
    return figures == null ? Double.NaN : figures.pending();
  }

  private double lag() {
    HealthReadings.Figures figures = readings.figures();
    return figures == null ? Double.NaN : figures.lagMillis();
  }

  /** One figure of one queue; 0 for a queue the last check did not list. */
  private double queueFigure(String name, ToDoubleFunction<HealthCheckResult.QueueHealth> value) {
    HealthReadings.Figures figures = readings.figures();
    if (figures == null) {
      return Double.NaN;
    }
    HealthCheckResult.QueueHealth health = figures.queues().get(name);
    return health == null ? 0 : value.applyAsDouble(health);
  }

  /** One queue's gauges, reading the cached health check. */
  private final class QueueGauges implements EventMeters.Registrable {
    private final String name;
    private final Tags queueTags;

    QueueGauges(String name) {
      this.name = name;
      this.queueTags = tags.and(EventMeters.QUEUE_TAG, name);
    }

    @Override
    public void register(MeterRegistry registry) {
      gauge(
          registry,
          "jobqueue.queues.due",
          "The queue's due pending jobs",
          null,
          queueTags,
          m -> m.queueFigure(name, HealthCheckResult.QueueHealth::duePending));
      gauge(
          registry,
          "jobqueue.queues.lag",
          "How long the queue's oldest due pending job has been due",
          BaseUnits.MILLISECONDS,
          queueTags,
          m -> m.queueFigure(name, HealthCheckResult.QueueHealth::lagMillis));
      gauge(
          registry,
          "jobqueue.queues.running",
          "The queue's running jobs",
          null,
          queueTags,
          m -> m.queueFigure(name, HealthCheckResult.QueueHealth::running));
      gauge(
          registry,
          "jobqueue.queues.paused",
          "1 while the queue is paused",
          null,
          queueTags,
          m -> m.queueFigure(name, q -> q.paused() ? 1 : 0));
    }
  }
}
