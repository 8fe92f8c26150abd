package dev.jobqueue;

import dev.jobqueue.internal.config.Environment;
import dev.jobqueue.internal.config.Ordering;
import dev.jobqueue.internal.config.Sensitivity;
import dev.jobqueue.internal.config.Setting;
import dev.jobqueue.internal.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings for a {@link JobQueueManager}. Immutable and thread-safe; build it with {@link
 * #builder()} or read it from {@code JOB_QUEUE_*} environment variables with {@link
 * #fromEnvironment()}, then adjust with {@link #toBuilder()}.
 *
 * <p>Every setting is checked when it is set, and the error names the setting and the value, for
 * example {@code "maxWorkers must be between 1 and 10000 (was 0)"}; settings that contradict each
 * other fail {@link Builder#build()}, for example {@code "maxWorkers must be >= minWorkers (was 2 <
 * 4)"}. The configuration guide, {@code docs/configuration.md}, lists every setting with its
 * environment variable, default, range and meaning.
 */
public final class JobQueueConfig {

  /** What a schema name must look like: at most 63 bytes, lower case, no quoting needed. */
  public static final Pattern SCHEMA_PATTERN = Settings.SCHEMA_NAME;

  /** The queue a job runs in when neither its options nor its handler's policy name one. */
  public static final String DEFAULT_QUEUE = "default";

  /** The largest payload cap that can be configured: 64 MiB. */
  public static final int MAX_PAYLOAD_BYTES_LIMIT = 64 * 1024 * 1024;

  private static final JobQueueConfig DEFAULTS = builder().build();

  /** One value per setting, at its {@link Setting#index()}; never changed. */
  private final Object[] values;

  private JobQueueConfig(Object[] values) {
    this.values = values;
  }

  /** {@return the defaults: every setting at its default} */
  public static JobQueueConfig defaults() {
    return DEFAULTS;
  }

  /** {@return a builder starting from the defaults} */
  public static Builder builder() {
    return new Builder(Settings.defaults());
  }

  /**
   * Reads every {@code JOB_QUEUE_*} variable of the process environment over the defaults.
   *
   * @return the configuration
   * @throws IllegalArgumentException naming the variable and its value, if a value is malformed
   */
  public static JobQueueConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * Reads {@code JOB_QUEUE_*} entries of a map over the defaults; other entries are ignored. Values
   * are trimmed, and an empty value counts as unset; durations are whole milliseconds, flags {@code
   * true}/{@code false}, {@code 1}/{@code 0} or {@code yes}/{@code no}. An unrecognized {@code
   * JOB_QUEUE_*} name is logged as a warning, since it is usually a typo.
   *
   * @param environment variable names and values
   * @return the configuration
   * @throws IllegalArgumentException naming the variable and its value, if a value is malformed
   */
  public static JobQueueConfig fromEnvironment(Map<String, String> environment) {
    return new JobQueueConfig(Environment.read(Objects.requireNonNull(environment, "environment")));
  }

  /** {@return a builder holding this configuration's values, to derive a changed copy} */
  public Builder toBuilder() {
    return new Builder(values.clone());
  }

  /** {@return the most workers the pool runs at once; default 5} */
  public int maxWorkers() {
    return Settings.MAX_WORKERS.get(values);
  }

  /** {@return the queues this node serves, each with workers of its own; default default} */
  public List<QueueOptions> queues() {
    return Settings.QUEUES.get(values);
  }

  /** {@return the fewest workers the pool keeps when idle; default 1} */
  public int minWorkers() {
    return Settings.MIN_WORKERS.get(values);
  }

  /** {@return how many claimed jobs the pool may hold per worker, running or queued; default 10} */
  public int maxJobsPerWorker() {
    return Settings.MAX_JOBS_PER_WORKER.get(values);
  }

  /** {@return how often an idle pool polls when no notification wakes it; default 1000 ms} */
  public Duration pollInterval() {
    return Settings.POLL_INTERVAL.get(values);
  }

  /** {@return how long a worker may stay idle before the pool retires it; default 60000 ms} */
  public Duration workerIdleTimeout() {
    return Settings.WORKER_IDLE_TIMEOUT.get(values);
  }

  /** {@return how long a worker may run one job before it is reported stuck; default 300000 ms} */
  public Duration workerTimeout() {
    return Settings.WORKER_TIMEOUT.get(values);
  }

  /** {@return how long shutdown waits for running jobs to end; default 30000 ms} */
  public Duration gracefulShutdownTimeout() {
    return Settings.GRACEFUL_SHUTDOWN_TIMEOUT.get(values);
  }

  /** {@return whether workers run on virtual threads (Java 21+); default false} */
  public boolean useVirtualThreads() {
    return Settings.USE_VIRTUAL_THREADS.get(values);
  }

  /** {@return whether {@code initialize()} starts the worker pool; default true} */
  public boolean runWorkers() {
    return Settings.RUN_WORKERS.get(values);
  }

  /** {@return this node's id, if one was set; default host-pid-random} */
  public Optional<String> nodeId() {
    return Optional.ofNullable(Settings.NODE_ID.get(values));
  }

  /** {@return the retry budget of a job created without one; default 3} */
  public int defaultMaxRetries() {
    return Settings.DEFAULT_MAX_RETRIES.get(values);
  }

  /** {@return the attempt timeout, in seconds, of a job created without one; default 300} */
  public int defaultTimeoutSeconds() {
    return Settings.DEFAULT_TIMEOUT_SECONDS.get(values);
  }

  /** {@return how retry delays grow; default exponential} */
  public RetryStrategy retryStrategy() {
    return Settings.RETRY_STRATEGY.get(values);
  }

  /** {@return the base of the retry delay; default 1000 ms} */
  public Duration retryBaseDelay() {
    return Settings.RETRY_BASE_DELAY.get(values);
  }

  /** {@return the cap on the retry delay; default 60000 ms} */
  public Duration retryMaxDelay() {
    return Settings.RETRY_MAX_DELAY.get(values);
  }

  /** {@return how much random spread retry delays get; default 0.0} */
  public double retryJitter() {
    return Settings.RETRY_JITTER.get(values);
  }

  /** {@return how often one job may snooze, unless its handler's policy says; default 100} */
  public int maxSnoozes() {
    return Settings.MAX_SNOOZES.get(values);
  }

  /**
   * {@return how late a schedule's occurrence may be enqueued and still be on time, rather than
   * missed; default 60000 ms}
   */
  public Duration missedRunThreshold() {
    return Settings.MISSED_RUN_THRESHOLD.get(values);
  }

  /** {@return whether {@code createJob} accepts types without a handler; default false} */
  public boolean allowUnknownTypes() {
    return Settings.ALLOW_UNKNOWN_TYPES.get(values);
  }

  /** {@return the largest payload accepted, in bytes of JSON; default 1048576} */
  public int maxPayloadBytes() {
    return Settings.MAX_PAYLOAD_BYTES.get(values);
  }

  /** {@return how long a claim lasts without renewal; default 30000 ms} */
  public Duration leaseDuration() {
    return Settings.LEASE_DURATION.get(values);
  }

  /** {@return the longest a job whose lease expired waits to run again; default 10000 ms} */
  public Duration rescueInterval() {
    return Settings.RESCUE_INTERVAL.get(values);
  }

  /** {@return the longest {@code healthCheck()} waits for the database; default 5000 ms} */
  public Duration healthCheckTimeout() {
    return Settings.HEALTH_CHECK_TIMEOUT.get(values);
  }

  /** {@return how long a due job may wait before health is degraded; default 300000 ms} */
  public Duration healthMaxQueueLag() {
    return Settings.HEALTH_MAX_QUEUE_LAG.get(values);
  }

  /** {@return whether a metrics line is logged every {@link #metricsInterval()}; default false} */
  public boolean enableMetrics() {
    return Settings.ENABLE_METRICS.get(values);
  }

  /** {@return how often the metrics line is logged; default 60000 ms} */
  public Duration metricsInterval() {
    return Settings.METRICS_INTERVAL.get(values);
  }

  /** {@return how long completed and cancelled jobs are kept, 0 for ever; default 7 days} */
  public Duration completedJobRetention() {
    return Settings.COMPLETED_JOB_RETENTION.get(values);
  }

  /** {@return how long failed jobs are kept, 0 for ever; default 30 days} */
  public Duration failedJobRetention() {
    return Settings.FAILED_JOB_RETENTION.get(values);
  }

  /** {@return how often a node tries to prune finished jobs; default 60000 ms} */
  public Duration pruneInterval() {
    return Settings.PRUNE_INTERVAL.get(values);
  }

  /** {@return the most jobs one pruning statement deletes; default 1000} */
  public int pruneBatchSize() {
    return Settings.PRUNE_BATCH_SIZE.get(values);
  }

  /** {@return the PostgreSQL schema holding the library's tables; default jobqueue} */
  public String schema() {
    return Settings.SCHEMA.get(values);
  }

  /** {@return whether {@code initialize()} applies pending migrations; default true} */
  public boolean runMigrations() {
    return Settings.RUN_MIGRATIONS.get(values);
  }

  /** {@return a direct connection to migrate over, if set; default none} */
  public Optional<String> migrationDatabaseUrl() {
    return Optional.ofNullable(Settings.MIGRATION_DATABASE_URL.get(values));
  }

  /** {@return the longest wait for another node's migration; default 120000 ms} */
  public Duration migrationLockTimeout() {
    return Settings.MIGRATION_LOCK_TIMEOUT.get(values);
  }

  /** {@return whether connections go through a transaction-mode pooler; default false} */
  public boolean transactionPooling() {
    return Settings.TRANSACTION_POOLING.get(values);
  }

  /** {@return the URL used when the manager gets no {@code DataSource}; default none} */
  public Optional<String> databaseUrl() {
    return Optional.ofNullable(Settings.DATABASE_URL.get(values));
  }

  /** {@return the user for {@link #databaseUrl()}; default none} */
  public Optional<String> databaseUser() {
    return Optional.ofNullable(Settings.DATABASE_USER.get(values));
  }

  /** {@return the password for {@link #databaseUrl()}, never printed; default none} */
  public Optional<String> databasePassword() {
    return Optional.ofNullable(Settings.DATABASE_PASSWORD.get(values));
  }

  /** Hides credentials in a URL: {@code //user:pw@} and {@code password=} parameters. */
  static String redactUrl(String url) {
    return Sensitivity.redactUrl(url);
  }

  /** Every setting in the order of the documentation, secrets and URL credentials redacted. */
  @Override
  public String toString() {
    return Settings.describe("JobQueueConfig", values);
  }

  /**
   * Builds a {@link JobQueueConfig}, checking each setting as it is set: each setter throws {@link
   * IllegalArgumentException} naming the setting and the value (or {@link NullPointerException} for
   * a null it does not allow), and leaves the builder unchanged. Not thread-safe.
   */
  public static final class Builder extends ConfigSetters {
    private Builder(Object[] values) {
      super(values);
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     * @throws IllegalArgumentException if settings contradict each other
     */
    public JobQueueConfig build() {
      Ordering.checkAll(values);
      return new JobQueueConfig(values.clone());
    }
  }
}
