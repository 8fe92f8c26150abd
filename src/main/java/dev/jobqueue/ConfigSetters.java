package dev.jobqueue;

import dev.jobqueue.JobQueueConfig.Builder;
import dev.jobqueue.internal.config.Setting;
import dev.jobqueue.internal.config.Settings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The setters of {@link JobQueueConfig.Builder}, one per setting, kept apart so that {@code
 * JobQueueConfig.java} stays short; {@code Builder} is the only subclass. Each setter checks its
 * value as described on {@link JobQueueConfig.Builder}.
 *
 * <p>This class is package-private, its setters public: javac gives the public {@code Builder} a
 * public bridge method for each, so applications, reflection ({@code Builder.class.getMethod(...)})
 * and method handles reach them through {@code Builder}, and Javadoc lists them as members of
 * {@code Builder}. A {@code final} or {@code static} setter would get no bridge and be unreachable
 * by reflection from other packages; {@code SettingsAccessFromOtherPackageTest} checks this.
 */
abstract class ConfigSetters {
  /** One value per setting, at its {@link Setting#index()}. */
  final Object[] values;

  ConfigSetters(Object[] values) {
    this.values = values;
  }

  private <T> Builder set(Setting<T> setting, T value) {
    setting.set(values, value);
    return (Builder) this;
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
   * @param queues one or more queues, each named once: the queues this node serves
   * @return this builder
   */
  public Builder queues(List<QueueOptions> queues) {
    return set(Settings.QUEUES, queues == null ? null : List.copyOf(queues));
  }

  /**
   * @param queues one or more queues, each named once: the queues this node serves
   * @return this builder
   */
  public Builder queues(QueueOptions... queues) {
    return queues(queues == null ? null : Arrays.asList(queues));
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
   * @param maxSnoozes 0–100,000
   * @return this builder
   */
  public Builder maxSnoozes(int maxSnoozes) {
    return set(Settings.MAX_SNOOZES, maxSnoozes);
  }

  /**
   * @param missedRunThreshold 1 s–1 day
   * @return this builder
   */
  public Builder missedRunThreshold(Duration missedRunThreshold) {
    return set(Settings.MISSED_RUN_THRESHOLD, missedRunThreshold);
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
}
