package dev.jobqueue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The options of {@link JobQueueManager.Builder}, kept apart so that {@code JobQueueManager.java}
 * stays short; {@code Builder} is the only subclass. As with the configuration's setters, javac
 * gives the public {@code Builder} a public bridge method for each (they are neither final nor
 * static), so applications, reflection and Javadoc see them as members of {@code Builder}.
 */
abstract class ManagerSetters {
  JobQueueConfig config = JobQueueConfig.defaults();
  JobHandlerRegistry registry = new JobHandlerRegistry();
  DataSource dataSource;
  DataSource migrationDataSource;
  TransactionBridge transactionBridge;
  final List<JobEventListener> listeners = new ArrayList<>();
  final Map<String, Schedule> schedules = new LinkedHashMap<>();
  boolean declaresSchedules;
  UndeclaredSchedules undeclaredSchedules = UndeclaredSchedules.REMOVE;
  String jdbcUrl;
  String user;
  String password;
  JobTracing tracing;

  private JobQueueManager.Builder self() {
    return (JobQueueManager.Builder) this;
  }

  /**
   * Sets the configuration.
   *
   * @param config the configuration; default {@link JobQueueConfig#defaults()}
   * @return this builder
   */
  public JobQueueManager.Builder config(JobQueueConfig config) {
    this.config = Objects.requireNonNull(config, "config must not be null");
    return self();
  }

  /**
   * Lets the enqueue methods without a {@code Connection} join the calling thread's transaction, as
   * a framework's transaction manager keeps it; see {@link TransactionBridge}.
   *
   * @param transactionBridge the bridge; default none: those methods always commit on their own
   * @return this builder
   */
  public JobQueueManager.Builder transactionBridge(TransactionBridge transactionBridge) {
    this.transactionBridge =
        Objects.requireNonNull(transactionBridge, "transactionBridge must not be null");
    return self();
  }

  /**
   * Uses the application's own {@code DataSource}. The manager never closes it. It must allow at
   * least two connections at once.
   *
   * <p>Pass the pool itself, not a transaction-aware proxy of it. The manager never switches,
   * commits or rolls back a connection with a transaction open on it: an operation that is handed
   * one fails and leaves the transaction as it was. To create a job inside a transaction, pass its
   * connection to {@link JobQueueManager#createJob(java.sql.Connection, CreateJobOptions)}.
   *
   * @param dataSource the data source
   * @return this builder
   */
  public JobQueueManager.Builder dataSource(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
    return self();
  }

  /**
   * Applies migrations over this {@code DataSource} instead of the main one, for example a direct
   * connection when the main one goes through PgBouncer in transaction mode; see {@link
   * JobQueueConfig#migrationDatabaseUrl()}. Used only by {@code initialize()}, never closed.
   *
   * @param migrationDataSource a direct connection, or one through a pooler in session mode
   * @return this builder
   */
  public JobQueueManager.Builder migrationDataSource(DataSource migrationDataSource) {
    this.migrationDataSource =
        Objects.requireNonNull(migrationDataSource, "migrationDataSource must not be null");
    return self();
  }

  /**
   * Connects to a URL through a HikariCP pool that the manager creates on {@code initialize()} and
   * closes on {@code shutdown()}. Credentials may be in the URL.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} or {@code postgresql://} URL
   * @return this builder
   */
  public JobQueueManager.Builder jdbcUrl(String jdbcUrl) {
    this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl must not be null");
    return self();
  }

  /**
   * Connects to a URL with a user and password; see {@link #jdbcUrl(String)}.
   *
   * @param jdbcUrl the URL
   * @param user the database user
   * @param password the password
   * @return this builder
   */
  public JobQueueManager.Builder jdbcUrl(String jdbcUrl, String user, String password) {
    this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl must not be null");
    this.user = Objects.requireNonNull(user, "user must not be null");
    this.password = Objects.requireNonNull(password, "password must not be null");
    return self();
  }

  /**
   * Uses a registry of handlers, replacing any set before.
   *
   * @param registry the registry
   * @return this builder
   */
  public JobQueueManager.Builder registry(JobHandlerRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry must not be null");
    return self();
  }

  /**
   * Adds a listener told about created jobs and finished attempts, for metrics; see {@link
   * JobEventListener}.
   *
   * @param listener the listener
   * @return this builder
   */
  public JobQueueManager.Builder listener(JobEventListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
    return self();
  }

  /**
   * Registers a handler in this builder's registry.
   *
   * @param handler the handler
   * @return this builder
   * @throws IllegalArgumentException if its type is malformed or already registered, or its {@link
   *     JobHandler#policy()} throws or returns null
   */
  public JobQueueManager.Builder handler(JobHandler<?> handler) {
    registry.register(handler);
    return self();
  }

  /**
   * Declares a schedule in code; see {@link #schedules(Collection)}.
   *
   * @param schedule the schedule
   * @return this builder
   * @throws IllegalArgumentException naming it, if a schedule by that name is declared already
   */
  public JobQueueManager.Builder schedule(Schedule schedule) {
    Objects.requireNonNull(schedule, "schedule must not be null");
    if (schedules.putIfAbsent(schedule.name(), schedule) != null) {
      throw new IllegalArgumentException(
          "schedule '" + schedule.name() + "' is declared twice; schedule names are identities");
    }
    declaresSchedules = true;
    return self();
  }

  /**
   * Declares schedules in code, besides any declared before. {@link JobQueueManager#initialize()}
   * brings the stored schedules in line: it adds the new ones and updates the changed ones (each
   * keeps its state and counts), and removes or pauses those an earlier build declared and this one
   * does not ({@link #undeclaredSchedules(UndeclaredSchedules)}). A manager that declares nothing,
   * not even an empty collection, leaves the stored schedules as they are: a node that only
   * enqueues, or a tool, does not remove them. Schedules added at run time are never touched.
   *
   * @param schedules the schedules, possibly none
   * @return this builder
   * @throws IllegalArgumentException naming it, if a schedule name is declared twice
   */
  public JobQueueManager.Builder schedules(Collection<Schedule> schedules) {
    Objects.requireNonNull(schedules, "schedules must not be null");
    schedules.forEach(this::schedule);
    declaresSchedules = true;
    return self();
  }

  /**
   * Sets what {@code initialize()} does with a schedule an earlier build declared and this one does
   * not.
   *
   * @param undeclaredSchedules {@link UndeclaredSchedules#REMOVE} (the default) or {@link
   *     UndeclaredSchedules#PAUSE}
   * @return this builder
   */
  public JobQueueManager.Builder undeclaredSchedules(UndeclaredSchedules undeclaredSchedules) {
    this.undeclaredSchedules =
        Objects.requireNonNull(undeclaredSchedules, "undeclaredSchedules must not be null");
    return self();
  }

  /**
   * Sets how jobs are traced. By default they are traced with OpenTelemetry's global instance when
   * the OpenTelemetry API is on the class path, and not at all otherwise.
   *
   * @param tracing {@code dev.jobqueue.opentelemetry.JobQueueTracing.create(openTelemetry)} for an
   *     instance of the application's own, or {@link JobTracing#disabled()}
   * @return this builder
   * @throws IllegalArgumentException if {@code tracing} was not made by the library
   */
  public JobQueueManager.Builder tracing(JobTracing tracing) {
    Objects.requireNonNull(tracing, "tracing must not be null");
    dev.jobqueue.internal.Tracing.resolve(tracing); // Fails here, at build time, not later.
    this.tracing = tracing;
    return self();
  }
}
