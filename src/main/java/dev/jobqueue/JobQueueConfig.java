package dev.jobqueue;

import dev.jobqueue.internal.config.Environment;
import dev.jobqueue.internal.config.Ordering;
import dev.jobqueue.internal.config.Sensitivity;
import dev.jobqueue.internal.config.Setting;
import dev.jobqueue.internal.config.Settings;
import java.time.Duration;
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
  public static final class Builder {
    private final Object[] values;

    private Builder(Object[] values) {
      this.values = values;
    }

    private <T> Builder set(Setting<T> setting, T value) {
      setting.set(values, value);
      return this;
    }

    /**
     * @param maxWorkers 1–10,000, ≥ {@code minWorkers}
     * @return this builder
     */
    public Builder maxWorkers(int maxWorkers) {
      return set(Settings.MAX_WORKERS, maxWorkers);
    }

    /**
     * @param minWorkers 0–10,000, ≤ {@code maxWorkers}
     * @return this builder
     */
    public Builder minWorkers(int minWorkers) {
      return set(Settings.MIN_WORKERS, minWorkers);
    }

    /**
     * @param maxJobsPerWorker 1–1,000,000
     * @return this builder
     */
    public Builder maxJobsPerWorker(int maxJobsPerWorker) {
      return set(Settings.MAX_JOBS_PER_WORKER, maxJobsPerWorker);
    }

    /**
     * @param pollInterval 1 ms–1 h
     * @return this builder
     */
    public Builder pollInterval(Duration pollInterval) {
      return set(Settings.POLL_INTERVAL, pollInterval);
    }

    /**
     * @param workerIdleTimeout 10 ms–1 day
     * @return this builder
     */
    public Builder workerIdleTimeout(Duration workerIdleTimeout) {
      return set(Settings.WORKER_IDLE_TIMEOUT, workerIdleTimeout);
    }

    /**
     * @param workerTimeout 1 ms–7 days
     * @return this builder
     */
    public Builder workerTimeout(Duration workerTimeout) {
      return set(Settings.WORKER_TIMEOUT, workerTimeout);
    }

    /**
     * @param gracefulShutdownTimeout 0–1 h
     * @return this builder
     */
    public Builder gracefulShutdownTimeout(Duration gracefulShutdownTimeout) {
      return set(Settings.GRACEFUL_SHUTDOWN_TIMEOUT, gracefulShutdownTimeout);
    }

    /**
     * @param useVirtualThreads the flag; true needs Java 21 or newer at run time
     * @return this builder
     */
    public Builder useVirtualThreads(boolean useVirtualThreads) {
      return set(Settings.USE_VIRTUAL_THREADS, useVirtualThreads);
    }

    /**
     * @param runWorkers the flag
     * @return this builder
     */
    public Builder runWorkers(boolean runWorkers) {
      return set(Settings.RUN_WORKERS, runWorkers);
    }

    /**
     * @param nodeId 1–100 printable ASCII, unique among live nodes
     * @return this builder
     */
    public Builder nodeId(String nodeId) {
      return set(Settings.NODE_ID, nodeId);
    }

    /**
     * @param defaultMaxRetries 0–1,000
     * @return this builder
     */
    public Builder defaultMaxRetries(int defaultMaxRetries) {
      return set(Settings.DEFAULT_MAX_RETRIES, defaultMaxRetries);
    }

    /**
     * @param defaultTimeoutSeconds 1–604,800
     * @return this builder
     */
    public Builder defaultTimeoutSeconds(int defaultTimeoutSeconds) {
      return set(Settings.DEFAULT_TIMEOUT_SECONDS, defaultTimeoutSeconds);
    }

    /**
     * @param retryStrategy fixed, linear, exponential
     * @return this builder
     */
    public Builder retryStrategy(RetryStrategy retryStrategy) {
      return set(Settings.RETRY_STRATEGY, retryStrategy);
    }

    /**
     * @param retryBaseDelay 0–7 days, ≤ {@code retryMaxDelay}
     * @return this builder
     */
    public Builder retryBaseDelay(Duration retryBaseDelay) {
      return set(Settings.RETRY_BASE_DELAY, retryBaseDelay);
    }

    /**
     * @param retryMaxDelay 0–7 days, ≥ {@code retryBaseDelay}
     * @return this builder
     */
    public Builder retryMaxDelay(Duration retryMaxDelay) {
      return set(Settings.RETRY_MAX_DELAY, retryMaxDelay);
    }

    /**
     * @param retryJitter 0.0–1.0
     * @return this builder
     */
    public Builder retryJitter(double retryJitter) {
      return set(Settings.RETRY_JITTER, retryJitter);
    }

    /**
     * @param allowUnknownTypes the flag
     * @return this builder
     */
    public Builder allowUnknownTypes(boolean allowUnknownTypes) {
      return set(Settings.ALLOW_UNKNOWN_TYPES, allowUnknownTypes);
    }

    /**
     * @param maxPayloadBytes 1–67,108,864
     * @return this builder
     */
    public Builder maxPayloadBytes(int maxPayloadBytes) {
      return set(Settings.MAX_PAYLOAD_BYTES, maxPayloadBytes);
    }

    /**
     * @param leaseDuration 500 ms–1 h
     * @return this builder
     */
    public Builder leaseDuration(Duration leaseDuration) {
      return set(Settings.LEASE_DURATION, leaseDuration);
    }

    /**
     * @param rescueInterval 100 ms–1 h
     * @return this builder
     */
    public Builder rescueInterval(Duration rescueInterval) {
      return set(Settings.RESCUE_INTERVAL, rescueInterval);
    }

    /**
     * @param healthCheckTimeout 100 ms–1 min
     * @return this builder
     */
    public Builder healthCheckTimeout(Duration healthCheckTimeout) {
      return set(Settings.HEALTH_CHECK_TIMEOUT, healthCheckTimeout);
    }

    /**
     * @param healthMaxQueueLag 1 s–7 days
     * @return this builder
     */
    public Builder healthMaxQueueLag(Duration healthMaxQueueLag) {
      return set(Settings.HEALTH_MAX_QUEUE_LAG, healthMaxQueueLag);
    }

    /**
     * @param enableMetrics the flag
     * @return this builder
     */
    public Builder enableMetrics(boolean enableMetrics) {
      return set(Settings.ENABLE_METRICS, enableMetrics);
    }

    /**
     * @param metricsInterval 1 s–1 day
     * @return this builder
     */
    public Builder metricsInterval(Duration metricsInterval) {
      return set(Settings.METRICS_INTERVAL, metricsInterval);
    }

    /**
     * @param completedJobRetention 0, or 1 min–10 years
     * @return this builder
     */
    public Builder completedJobRetention(Duration completedJobRetention) {
      return set(Settings.COMPLETED_JOB_RETENTION, completedJobRetention);
    }

    /**
     * @param failedJobRetention 0, or 1 min–10 years
     * @return this builder
     */
    public Builder failedJobRetention(Duration failedJobRetention) {
      return set(Settings.FAILED_JOB_RETENTION, failedJobRetention);
    }

    /**
     * @param pruneInterval 1 s–1 day
     * @return this builder
     */
    public Builder pruneInterval(Duration pruneInterval) {
      return set(Settings.PRUNE_INTERVAL, pruneInterval);
    }

    /**
     * @param pruneBatchSize 1–100,000
     * @return this builder
     */
    public Builder pruneBatchSize(int pruneBatchSize) {
      return set(Settings.PRUNE_BATCH_SIZE, pruneBatchSize);
    }

    /**
     * @param schema {@code ^[a-z_][a-z0-9_]{0,62}$}, not {@code pg_*} or {@code information_schema}
     * @return this builder
     */
    public Builder schema(String schema) {
      return set(Settings.SCHEMA, schema);
    }

    /**
     * @param runMigrations the flag
     * @return this builder
     */
    public Builder runMigrations(boolean runMigrations) {
      return set(Settings.RUN_MIGRATIONS, runMigrations);
    }

    /**
     * @param migrationDatabaseUrl {@code jdbc:postgresql:}, {@code postgresql://} or {@code
     *     postgres://}
     * @return this builder
     */
    public Builder migrationDatabaseUrl(String migrationDatabaseUrl) {
      return set(Settings.MIGRATION_DATABASE_URL, migrationDatabaseUrl);
    }

    /**
     * @param migrationLockTimeout 1 s–1 h
     * @return this builder
     */
    public Builder migrationLockTimeout(Duration migrationLockTimeout) {
      return set(Settings.MIGRATION_LOCK_TIMEOUT, migrationLockTimeout);
    }

    /**
     * @param transactionPooling the flag
     * @return this builder
     */
    public Builder transactionPooling(boolean transactionPooling) {
      return set(Settings.TRANSACTION_POOLING, transactionPooling);
    }

    /**
     * @param databaseUrl {@code jdbc:postgresql:}, {@code postgresql://} or {@code postgres://}
     * @return this builder
     */
    public Builder databaseUrl(String databaseUrl) {
      return set(Settings.DATABASE_URL, databaseUrl);
    }

    /**
     * @param databaseUser the user
     * @return this builder
     */
    public Builder databaseUser(String databaseUser) {
      return set(Settings.DATABASE_USER, databaseUser);
    }

    /**
     * @param databasePassword the password
     * @return this builder
     */
    public Builder databasePassword(String databasePassword) {
      return set(Settings.DATABASE_PASSWORD, databasePassword);
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
