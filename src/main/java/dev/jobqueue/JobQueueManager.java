package dev.jobqueue;

import dev.jobqueue.internal.Enqueuer;
import dev.jobqueue.internal.JdbcUrls;
import dev.jobqueue.internal.JobIds;
import dev.jobqueue.internal.JobInputValidator;
import dev.jobqueue.internal.Stats;
import dev.jobqueue.internal.WallClock;
import dev.jobqueue.internal.health.HealthReader;
import dev.jobqueue.internal.health.HealthRules;
import dev.jobqueue.internal.health.MetricsLog;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Service;
import dev.jobqueue.internal.lifecycle.ServiceGroup;
import dev.jobqueue.internal.notify.Notifier;
import dev.jobqueue.internal.store.Database;
import dev.jobqueue.internal.store.DatabaseSetup;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.store.NewJob;
import dev.jobqueue.internal.store.QueueStore;
import dev.jobqueue.internal.store.RetryResult;
import dev.jobqueue.internal.store.ScheduleStore;
import dev.jobqueue.internal.store.StatRow;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The facade: create, read, query and cancel jobs stored in PostgreSQL.
 *
 * <pre>{@code
 * JobQueueManager jobs = JobQueueManager.builder()
 *     .config(JobQueueConfig.fromEnvironment())
 *     .dataSource(dataSource)                  // or .jdbcUrl(url, user, password)
 *     .handler(new EmailNotificationHandler())
 *     .build();
 * jobs.initialize();                           // applies migrations
 * String id = jobs.createJob(CreateJobOptions.of("email-notification", payload));
 * Optional<Job> job = jobs.getJob(id);
 * jobs.shutdown();
 * }</pre>
 *
 * <p>Lifecycle: {@link #initialize()} applies the library's migrations (or, with {@code
 * runMigrations(false)}, checks that none is pending); every job operation requires it. {@link
 * #shutdown()} releases what the manager owns. Both are idempotent, and {@code shutdown()} before
 * {@code initialize()} does nothing. A manager that was shut down cannot be initialized again.
 *
 * <p>Thread-safe: one instance is meant to be shared by the whole application.
 */
public final class JobQueueManager extends ManagerEnqueueing implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(JobQueueManager.class);

  private enum State {
    NEW,
    RUNNING,
    SHUT_DOWN
  }

  private final JobQueueConfig config;
  private final JobHandlerRegistry registry;
  private final JobInputValidator validator;
  private final Database database;
  private final Object lifecycle = new Object();
  private final Enqueuer.Hooks hooks;
  private final List<Schedule> declaredSchedules;
  private final UndeclaredSchedules undeclaredSchedules;
  private final dev.jobqueue.internal.Tracing tracing;

  private volatile State state = State.NEW;
  private volatile JobRepository repository;
  private volatile WorkerPool workerPool;
  private Notifier notifier;
  private HealthReader healthReader;
  private ServiceGroup services;
  private volatile Enqueuer enqueuer;

  private JobQueueManager(Builder builder) {
    this.config = builder.config;
    this.registry = builder.registry;
    this.hooks = new Enqueuer.Hooks(List.copyOf(builder.listeners), builder.transactionBridge);
    this.validator = new JobInputValidator(config, registry);
    this.declaredSchedules =
        builder.declaresSchedules ? List.copyOf(builder.schedules.values()) : null;
    this.undeclaredSchedules = builder.undeclaredSchedules;
    this.tracing = dev.jobqueue.internal.Tracing.resolve(builder.tracing);
    if (declaredSchedules != null) {
      declaredSchedules.forEach(this::checkedJob); // Fail at build, not at initialize.
    }
    JdbcUrls.Parsed url =
        builder.dataSource != null
            ? null
            : Database.resolveUrl(config, builder.jdbcUrl, builder.user, builder.password);
    this.database =
        new Database(
            config,
            builder.dataSource,
            builder.migrationDataSource,
            url,
            builder.migrationDataSource != null
                ? null
                : Database.resolveMigrationUrl(config, url, builder.user, builder.password));
  }

  /**
   * Starts building a manager.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Prepares the manager: opens its connection pool (when it owns one); checks that the server is
   * PostgreSQL 12 or newer; detects a pooler in transaction mode (see {@link
   * JobQueueConfig#transactionPooling()}); applies the library's migrations, or checks that none is
   * pending when {@link JobQueueConfig#runMigrations()} is false; and starts the worker pool when
   * {@link JobQueueConfig#runWorkers()} is true. Calling it again does nothing. Several managers,
   * in one JVM or many, may initialize against the same schema at the same moment.
   *
   * @throws JobQueueException if the server is older than PostgreSQL 12; if the connections go
   *     through a pooler in transaction mode and either prepare statements server-side or would
   *     have to carry the migrations; if another node holds the migration lock longer than {@link
   *     JobQueueConfig#migrationLockTimeout()}; or if the schema cannot be brought up to date
   * @throws IllegalStateException if the manager was shut down
   */
  public void initialize() {
    synchronized (lifecycle) {
      if (state == State.RUNNING) {
        return;
      }
      if (state == State.SHUT_DOWN) {
        throw new IllegalStateException(
            "this JobQueueManager was shut down; build a new one to start again");
      }
      database.open();
      DatabaseSetup.Server server = database.server();
      JobRepository store = new JobRepository(database.dataSource(), config.schema());
      repository = store;
      notifier = new Notifier(store::notifyNewJobs);
      validator.prepare();
      healthReader =
          new HealthReader(
              store.cluster(),
              config.healthCheckTimeout().toMillis(),
              config.missedRunThreshold().toMillis());
      try {
        reconcileSchedules(store.schedules(), declaredSchedules, undeclaredSchedules);
      } catch (RuntimeException e) {
        database.close();
        throw e;
      }
      workerPool =
          new WorkerPool(
              config,
              database.dataSource(),
              registry,
              store,
              false,
              hooks.listeners(),
              !server.transactionPooling(),
              tracing);
      enqueuer = workerPool.enqueuer(validator, store, notifier, hooks);
      List<Service> order = new ArrayList<>(List.of(notifier, healthReader));
      if (config.runWorkers()) {
        order.add(workerPool.asService());
      }
      if (config.enableMetrics()) {
        order.add(
            new MetricsLog(
                this::healthCheck,
                () -> workerPool.stats().snapshot().overall(),
                config.metricsInterval().toMillis()));
      }
      services = new ServiceGroup("manager", order);
      try {
        services.start();
      } catch (RuntimeException e) {
        database.close();
        throw e;
      }
      state = State.RUNNING;
      log.info(
          "Job queue initialized on schema {} of PostgreSQL {}{} with types {}",
          config.schema(),
          server.version(),
          server.transactionPooling() ? " through a pooler in transaction mode (polling)" : "",
          registry.getRegisteredTypes());
    }
  }

  /**
   * Stops the worker pool gracefully (see {@link WorkerPool#stop()}), then releases what the
   * manager owns: the connection pool it created from a JDBC URL. A {@code DataSource} passed in by
   * the caller is left open. Calling it again, or before {@link #initialize()}, does nothing.
   */
  public void shutdown() {
    synchronized (lifecycle) {
      if (state != State.RUNNING) {
        return;
      }
      state = State.SHUT_DOWN;
      services.stop(Deadline.in(config.gracefulShutdownTimeout().plusSeconds(15)));
      database.close();
      log.info("Job queue shut down");
    }
  }

  /** Same as {@link #shutdown()}, for try-with-resources. */
  @Override
  public void close() {
    shutdown();
  }

  @Override
  List<EnqueueResult> enqueueChecked(
      List<CreateJobOptions> options, boolean indexed, Connection transaction) {
    requireRunning();
    return enqueuer.enqueue(options, indexed, transaction);
  }

  /**
   * Reads one job.
   *
   * @param id the job's id; a malformed id (not a positive decimal number) finds nothing
   * @return the job, or empty when there is none with that id
   * @throws JobStoreException if the database fails
   */
  public Optional<Job> getJob(String id) {
    JobRepository store = requireRunning();
    OptionalLong numeric = JobIds.parse(id);
    return numeric.isEmpty()
        ? Optional.empty()
        : store.findById(numeric.getAsLong()).map(Job::from);
  }

  /**
   * Reads jobs matching the filters, newest first.
   *
   * @param filters the filters; see {@link JobFilters}
   * @return at most {@link JobFilters#limit()} jobs
   * @throws IllegalArgumentException if the payload filter cannot be stored as JSON
   * @throws JobStoreException if the database fails
   */
  public List<Job> getJobs(JobFilters filters) {
    Objects.requireNonNull(filters, "filters must not be null");
    JobRepository store = requireRunning();
    return store.find(validator.toQuery(filters)).stream().map(Job::from).toList();
  }

  /**
   * Cancels a job that is pending or running.
   *
   * <table>
   *   <caption>What {@code cancelJob} does in each state</caption>
   *   <tr><th>state</th><th>effect</th><th>returns</th></tr>
   *   <tr><td>pending</td><td>cancelled; it will never run</td><td>true</td></tr>
   *   <tr><td>running</td><td>cancelled at once in the database; the node running it is
   *       notified and interrupts the attempt, whose writes are then fenced out</td>
   *       <td>true</td></tr>
   *   <tr><td>completed, failed, cancelled</td><td>nothing</td><td>false</td></tr>
   *   <tr><td>unknown or malformed id</td><td>nothing</td><td>false</td></tr>
   * </table>
   *
   * <p>A handler that ignores interruption may keep running after its job is cancelled, but nothing
   * it writes through the library takes effect; see {@link JobContext#isCancellationRequested()}.
   *
   * @param id the job's id
   * @return true when the job was pending or running and is now cancelled
   * @throws JobStoreException if the database fails
   */
  public boolean cancelJob(String id) {
    JobRepository store = requireRunning();
    OptionalLong numeric = JobIds.parse(id);
    Optional<String> previous =
        numeric.isPresent() ? store.cancel(numeric.getAsLong()) : Optional.empty();
    if (previous.filter("running"::equals).isPresent()) {
      workerPool.cancelLocally(numeric.getAsLong());
    }
    boolean cancelled = previous.isPresent();
    if (cancelled) {
      log.info("Job {} cancelled", id);
    }
    return cancelled;
  }

  /**
   * Puts a failed or cancelled job back to pending, due now, with a fresh retry budget ({@code
   * retryCount} back to 0). Its error history is kept; the attempt numbers of later entries start
   * again at 1, as {@link JobContext#attempt()} does. A job with a {@linkplain UniqueOptions unique
   * key} takes its key back; it cannot while another job holds the key pending, running, or in a
   * state this job counts.
   *
   * @param id the job's id
   * @return true when the job was failed or cancelled and is now pending; false for any other
   *     state, an unknown id or a malformed one
   * @throws JobValidationException naming {@code uniqueKey}, the key and the job that holds it,
   *     when that job keeps this one from taking its key back; nothing changes
   * @throws JobStoreException if the database fails
   */
  public boolean retryJob(String id) {
    JobRepository store = requireRunning();
    OptionalLong numeric = JobIds.parse(id);
    if (numeric.isEmpty()) {
      return false;
    }
    RetryResult result = store.retry(numeric.getAsLong());
    if (result.keyHeld()) {
      throw new JobValidationException(
          List.of(
              FieldError.of(
                  "uniqueKey",
                  "is held by job "
                      + result.holderId()
                      + " ("
                      + result.holderStatus()
                      + "), so job "
                      + id
                      + " stays as it is",
                  result.heldKey())));
    }
    if (result.retried()) {
      workerPool.wakeUp();
      log.info("Job {} put back to pending by retryJob", id);
    }
    return result.retried();
  }

  /**
   * Checks this node and the queue, for monitoring; see {@link HealthCheckResult} for the rules. It
   * never throws: a database that fails or does not answer within {@link
   * JobQueueConfig#healthCheckTimeout()} gives {@link HealthStatus#UNHEALTHY} with the reason, and
   * the call returns shortly after that timeout. It is cheap on tables of any size: a few index
   * lookups and a catalog read.
   *
   * @return the result
   */
  public HealthCheckResult healthCheck() {
    State current = state;
    WorkerPool pool = workerPool;
    boolean poolRunning = pool != null && pool.isRunning();
    HealthReader.Reading reading =
        current == State.RUNNING
            ? healthReader.read()
            : new HealthReader.Reading(
                null,
                current == State.NEW
                    ? "the job queue is not initialized"
                    : "the job queue has been shut down");
    HealthRules.Node node =
        !poolRunning
            ? new HealthRules.Node(
                false,
                new HealthCheckResult.Workers(0, 0, 0, 0),
                false,
                null,
                pool == null ? 0 : pool.stats().totalProcessed(),
                pool == null ? 0 : pool.stats().averageMillis())
            : new HealthRules.Node(
                true,
                new HealthCheckResult.Workers(
                    pool.getWorkers().size(),
                    pool.getActiveWorkerCount(),
                    pool.getIdleWorkerCount(),
                    pool.getStuckWorkerCount()),
                pool.isListening(),
                pool.claimFailing(HealthRules.CLAIM_FAILURES_UNHEALTHY).orElse(null),
                pool.stats().totalProcessed(),
                pool.stats().averageMillis());
    return HealthRules.result(config, registry.getRegisteredTypes(), node, reading);
  }

  /**
   * Counts jobs by status, and by type and status. Exact: it reads every row, so prefer {@link
   * #healthCheck()} for frequent polling of large tables.
   *
   * @return the counts
   * @throws JobStoreException if the database fails
   */
  public JobMetrics getJobMetrics() {
    JobRepository store = requireRunning();
    Map<String, Map<String, Long>> complete = new TreeMap<>();
    Map<String, Long> byStatus = Stats.byStatus(store.countByTypeAndStatus(), complete);
    return new JobMetrics(byStatus, complete, WallClock.now());
  }

  /**
   * Processing figures over the last 15 minutes, for this node (from memory) and for the cluster
   * (from the {@code job_stats} table); see {@link ProcessingStats}.
   *
   * @return the figures
   * @throws JobStoreException if the cluster's figures cannot be read
   */
  public ProcessingStats getProcessingStats() {
    JobRepository store = requireRunning();
    ProcessingStats.Scope node = workerPool.stats().snapshot();
    List<StatRow> rows = new ArrayList<>();
    long databaseNow = store.cluster().recentStats(Stats.WINDOW_MINUTES, rows);
    return new ProcessingStats(node, Stats.aggregate(rows, databaseNow), WallClock.now());
  }

  /**
   * The pool that runs this manager's jobs, for its worker counts.
   *
   * @return the pool
   * @throws IllegalStateException before {@link #initialize()}
   */
  public WorkerPool workerPool() {
    WorkerPool pool = workerPool;
    if (pool == null) {
      throw new IllegalStateException(
          "JobQueueManager is not initialized; call initialize() first");
    }
    return pool;
  }

  /**
   * The job types this manager has handlers for, sorted.
   *
   * @return an unmodifiable list
   */
  public List<String> getRegisteredTypes() {
    return registry.getRegisteredTypes();
  }

  /**
   * The configuration this manager was built with.
   *
   * @return the configuration
   */
  public JobQueueConfig config() {
    return config;
  }

  @Override
  QueueStore queueStore() {
    return requireRunning().queues();
  }

  @Override
  ScheduleStore scheduleStore() {
    return requireRunning().schedules();
  }

  @Override
  NewJob scheduledJob(CreateJobOptions job) {
    return validator.toNewJobs(List.of(job), false).get(0);
  }

  @Override
  void wakeLocalPool(String queue) {
    WorkerPool pool = workerPool;
    if (pool != null) {
      pool.wakeUp(queue);
    }
  }

  private JobRepository requireRunning() {
    State current = state;
    if (current == State.RUNNING) {
      return repository;
    }
    throw new IllegalStateException(
        current == State.NEW
            ? "JobQueueManager is not initialized; call initialize() first"
            : "JobQueueManager has been shut down");
  }

  /** Builds a {@link JobQueueManager}. Not thread-safe. */
  public static final class Builder extends ManagerSetters {
    private Builder() {}

    /**
     * Builds the manager. Nothing connects to the database until {@link
     * JobQueueManager#initialize()}.
     *
     * @return the manager
     * @throws IllegalStateException if neither a data source, nor a URL, nor {@link
     *     JobQueueConfig#databaseUrl()} is given, or both a data source and a URL are
     */
    public JobQueueManager build() {
      if (dataSource != null && jdbcUrl != null) {
        throw new IllegalStateException("set either dataSource or jdbcUrl, not both");
      }
      if (dataSource == null && jdbcUrl == null && config.databaseUrl().isEmpty()) {
        throw new IllegalStateException(
            "no database: set dataSource(...), jdbcUrl(...) or JOB_QUEUE_DATABASE_URL");
      }
      return new JobQueueManager(this);
    }
  }
}
