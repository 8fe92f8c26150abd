package dev.jobqueue;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settings for a {@link JobQueueManager}. Immutable and thread-safe; build it with {@link
 * #builder()} or read it from {@code JOB_QUEUE_*} environment variables with {@link
 * #fromEnvironment()}, then adjust with {@link #toBuilder()}.
 *
 * <p>Every setting is checked when it is set, and the error names the setting and the value, for
 * example {@code "maxWorkers must be >= minWorkers (was 2 < 4)"}.
 *
 * <table>
 *   <caption>Settings, their environment variables and defaults</caption>
 *   <tr><th>setting</th><th>environment variable</th><th>default</th></tr>
 *   <tr><td>maxWorkers</td><td>JOB_QUEUE_MAX_WORKERS</td><td>5</td></tr>
 *   <tr><td>minWorkers</td><td>JOB_QUEUE_MIN_WORKERS</td><td>1</td></tr>
 *   <tr><td>pollInterval</td><td>JOB_QUEUE_POLL_INTERVAL (ms)</td><td>1000 ms</td></tr>
 *   <tr><td>maxJobsPerWorker</td><td>JOB_QUEUE_MAX_JOBS_PER_WORKER</td><td>10</td></tr>
 *   <tr><td>workerTimeout</td><td>JOB_QUEUE_WORKER_TIMEOUT (ms)</td><td>300000 ms</td></tr>
 *   <tr><td>gracefulShutdownTimeout</td><td>JOB_QUEUE_GRACEFUL_SHUTDOWN_TIMEOUT (ms)</td>
 *       <td>30000 ms</td></tr>
 *   <tr><td>defaultMaxRetries</td><td>JOB_QUEUE_DEFAULT_MAX_RETRIES</td><td>3</td></tr>
 *   <tr><td>defaultTimeoutSeconds</td><td>JOB_QUEUE_DEFAULT_TIMEOUT_SECONDS</td><td>300</td></tr>
 *   <tr><td>retryStrategy</td><td>JOB_QUEUE_RETRY_STRATEGY</td><td>exponential</td></tr>
 *   <tr><td>retryBaseDelay</td><td>JOB_QUEUE_RETRY_BASE_DELAY (ms)</td><td>1000 ms</td></tr>
 *   <tr><td>retryMaxDelay</td><td>JOB_QUEUE_RETRY_MAX_DELAY (ms)</td><td>60000 ms</td></tr>
 *   <tr><td>enableMetrics</td><td>JOB_QUEUE_ENABLE_METRICS</td><td>false</td></tr>
 *   <tr><td>metricsInterval</td><td>JOB_QUEUE_METRICS_INTERVAL (ms)</td><td>60000 ms</td></tr>
 *   <tr><td>runWorkers</td><td>JOB_QUEUE_RUN_WORKERS</td><td>true</td></tr>
 *   <tr><td>leaseDuration</td><td>JOB_QUEUE_LEASE_DURATION (ms)</td><td>30000 ms</td></tr>
 *   <tr><td>rescueInterval</td><td>JOB_QUEUE_RESCUE_INTERVAL (ms)</td><td>10000 ms</td></tr>
 *   <tr><td>workerIdleTimeout</td><td>JOB_QUEUE_WORKER_IDLE_TIMEOUT (ms)</td><td>60000 ms</td></tr>
 *   <tr><td>useVirtualThreads</td><td>JOB_QUEUE_VIRTUAL_THREADS</td><td>false</td></tr>
 *   <tr><td>retryJitter</td><td>JOB_QUEUE_RETRY_JITTER</td><td>0.0</td></tr>
 *   <tr><td>nodeId</td><td>JOB_QUEUE_NODE_ID</td><td>host-pid-random</td></tr>
 *   <tr><td>healthCheckTimeout</td><td>JOB_QUEUE_HEALTH_CHECK_TIMEOUT (ms)</td><td>5000 ms</td></tr>
 *   <tr><td>healthMaxQueueLag</td><td>JOB_QUEUE_HEALTH_MAX_QUEUE_LAG (ms)</td><td>300000 ms</td></tr>
 *   <tr><td>completedJobRetention</td><td>JOB_QUEUE_COMPLETED_JOB_RETENTION (ms)</td>
 *       <td>7 days</td></tr>
 *   <tr><td>failedJobRetention</td><td>JOB_QUEUE_FAILED_JOB_RETENTION (ms)</td><td>30 days</td></tr>
 *   <tr><td>pruneInterval</td><td>JOB_QUEUE_PRUNE_INTERVAL (ms)</td><td>60000 ms</td></tr>
 *   <tr><td>pruneBatchSize</td><td>JOB_QUEUE_PRUNE_BATCH_SIZE</td><td>1000</td></tr>
 *   <tr><td>schema</td><td>JOB_QUEUE_SCHEMA</td><td>jobqueue</td></tr>
 *   <tr><td>runMigrations</td><td>JOB_QUEUE_RUN_MIGRATIONS</td><td>true</td></tr>
 *   <tr><td>migrationDatabaseUrl</td><td>JOB_QUEUE_MIGRATION_DATABASE_URL</td><td>none</td></tr>
 *   <tr><td>migrationLockTimeout</td><td>JOB_QUEUE_MIGRATION_LOCK_TIMEOUT (ms)</td>
 *       <td>120000 ms</td></tr>
 *   <tr><td>transactionPooling</td><td>JOB_QUEUE_TRANSACTION_POOLING</td><td>false</td></tr>
 *   <tr><td>allowUnknownTypes</td><td>JOB_QUEUE_ALLOW_UNKNOWN_TYPES</td><td>false</td></tr>
 *   <tr><td>maxPayloadBytes</td><td>JOB_QUEUE_MAX_PAYLOAD_BYTES</td><td>1048576</td></tr>
 *   <tr><td>databaseUrl</td><td>JOB_QUEUE_DATABASE_URL</td><td>none</td></tr>
 *   <tr><td>databaseUser</td><td>JOB_QUEUE_DATABASE_USER</td><td>none</td></tr>
 *   <tr><td>databasePassword</td><td>JOB_QUEUE_DATABASE_PASSWORD</td><td>none</td></tr>
 * </table>
 */
public final class JobQueueConfig {

  /** What a schema name must look like: at most 63 bytes, lower case, no quoting needed. */
  public static final Pattern SCHEMA_PATTERN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** The largest payload cap that can be configured: 64 MiB. */
  public static final int MAX_PAYLOAD_BYTES_LIMIT = 64 * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(JobQueueConfig.class);
  private static final String ENV_PREFIX = "JOB_QUEUE_";
  private static final Map<String, BiConsumer<Builder, String>> ENVIRONMENT = environmentSetters();
  private static final JobQueueConfig DEFAULTS = builder().build();

  private final int maxWorkers;
  private final int minWorkers;
  private final Duration pollInterval;
  private final int maxJobsPerWorker;
  private final Duration workerTimeout;
  private final Duration gracefulShutdownTimeout;
  private final int defaultMaxRetries;
  private final int defaultTimeoutSeconds;
  private final RetryStrategy retryStrategy;
  private final Duration retryBaseDelay;
  private final Duration retryMaxDelay;
  private final boolean enableMetrics;
  private final Duration metricsInterval;
  private final boolean runWorkers;
  private final Duration leaseDuration;
  private final Duration rescueInterval;
  private final Duration workerIdleTimeout;
  private final boolean useVirtualThreads;
  private final double retryJitter;
  private final String nodeId;
  private final Duration healthCheckTimeout;
  private final Duration healthMaxQueueLag;
  private final Duration completedJobRetention;
  private final Duration failedJobRetention;
  private final Duration pruneInterval;
  private final int pruneBatchSize;
  private final String schema;
  private final boolean runMigrations;
  private final String migrationDatabaseUrl;
  private final Duration migrationLockTimeout;
  private final boolean transactionPooling;
  private final boolean allowUnknownTypes;
  private final int maxPayloadBytes;
  private final String databaseUrl;
  private final String databaseUser;
  private final String databasePassword;

  private JobQueueConfig(Builder b) {
    this.maxWorkers = b.maxWorkers;
    this.minWorkers = b.minWorkers;
    this.pollInterval = b.pollInterval;
    this.maxJobsPerWorker = b.maxJobsPerWorker;
    this.workerTimeout = b.workerTimeout;
    this.gracefulShutdownTimeout = b.gracefulShutdownTimeout;
    this.defaultMaxRetries = b.defaultMaxRetries;
    this.defaultTimeoutSeconds = b.defaultTimeoutSeconds;
    this.retryStrategy = b.retryStrategy;
    this.retryBaseDelay = b.retryBaseDelay;
    this.retryMaxDelay = b.retryMaxDelay;
    this.enableMetrics = b.enableMetrics;
    this.metricsInterval = b.metricsInterval;
    this.runWorkers = b.runWorkers;
    this.leaseDuration = b.leaseDuration;
    this.rescueInterval = b.rescueInterval;
    this.workerIdleTimeout = b.workerIdleTimeout;
    this.useVirtualThreads = b.useVirtualThreads;
    this.retryJitter = b.retryJitter;
    this.nodeId = b.nodeId;
    this.healthCheckTimeout = b.healthCheckTimeout;
    this.healthMaxQueueLag = b.healthMaxQueueLag;
    this.completedJobRetention = b.completedJobRetention;
    this.failedJobRetention = b.failedJobRetention;
    this.pruneInterval = b.pruneInterval;
    this.pruneBatchSize = b.pruneBatchSize;
    this.schema = b.schema;
    this.runMigrations = b.runMigrations;
    this.migrationDatabaseUrl = b.migrationDatabaseUrl;
    this.migrationLockTimeout = b.migrationLockTimeout;
    this.transactionPooling = b.transactionPooling;
    this.allowUnknownTypes = b.allowUnknownTypes;
    this.maxPayloadBytes = b.maxPayloadBytes;
    this.databaseUrl = b.databaseUrl;
    this.databaseUser = b.databaseUser;
    this.databasePassword = b.databasePassword;
  }

  /**
   * The defaults, as in the table above.
   *
   * @return the default configuration
   */
  public static JobQueueConfig defaults() {
    return DEFAULTS;
  }

  /**
   * Starts from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
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
   * Reads {@code JOB_QUEUE_*} entries of a map over the defaults; other entries are ignored. An
   * empty value counts as unset. An unrecognized {@code JOB_QUEUE_*} name is logged as a warning,
   * since it is usually a typo.
   *
   * @param environment variable names and values
   * @return the configuration
   * @throws IllegalArgumentException naming the variable and its value, if a value is malformed
   */
  public static JobQueueConfig fromEnvironment(Map<String, String> environment) {
    Objects.requireNonNull(environment, "environment");
    Builder builder = builder();
    Set<String> unknown = new TreeSet<>();
    for (Map.Entry<String, String> entry : environment.entrySet()) {
      String name = entry.getKey();
      if (name == null || !name.startsWith(ENV_PREFIX)) {
        continue;
      }
      BiConsumer<Builder, String> setter = ENVIRONMENT.get(name);
      if (setter == null) {
        unknown.add(name);
        continue;
      }
      String value = entry.getValue();
      if (value == null || value.isBlank()) {
        continue;
      }
      try {
        setter.accept(builder, value.trim());
      } catch (IllegalArgumentException e) {
        String shown =
            switch (name) {
              case "JOB_QUEUE_DATABASE_PASSWORD" -> "<redacted>";
              case "JOB_QUEUE_DATABASE_URL", "JOB_QUEUE_MIGRATION_DATABASE_URL" -> redactUrl(value);
              default -> value;
            };
        throw new IllegalArgumentException(
            "environment variable " + name + " is invalid (was '" + shown + "'): " + e.getMessage(),
            e);
      }
    }
    if (!unknown.isEmpty()) {
      log.warn(
          "Ignoring unknown environment variables {}; known: {}", unknown, ENVIRONMENT.keySet());
    }
    return builder.build();
  }

  /**
   * A builder holding this configuration's values, to derive a changed copy.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The most workers the pool runs at once. Default 5.
   *
   * @return at least 1
   */
  public int maxWorkers() {
    return maxWorkers;
  }

  /**
   * The fewest workers the pool keeps when idle. Default 1.
   *
   * @return 0 to {@link #maxWorkers()}
   */
  public int minWorkers() {
    return minWorkers;
  }

  /**
   * How often an idle pool polls the database when no notification wakes it. Default 1 s.
   *
   * @return a positive duration
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * How many claimed jobs the pool may hold per worker: the one a worker runs plus those waiting in
   * the pool's local queue. A claim never takes more than {@code workers × maxJobsPerWorker} minus
   * what the pool already holds. Default 10.
   *
   * <p>Higher values claim in bigger batches (better throughput for many short jobs); a value of 1
   * claims only what idle workers can start at once (fairer when jobs are long and several nodes
   * share the queue). Jobs waiting in the local queue are leased like running ones, and go back to
   * pending at once on shutdown.
   *
   * @return at least 1
   */
  public int maxJobsPerWorker() {
    return maxJobsPerWorker;
  }

  /**
   * How long a worker may be busy with one job before it is reported as stuck (by {@link
   * WorkerPool#getStuckWorkerCount()}), whatever the job's own timeout allows. Default 300 s. It is
   * a reporting threshold; a job is interrupted only by its own {@code timeoutSeconds}.
   *
   * @return a positive duration
   */
  public Duration workerTimeout() {
    return workerTimeout;
  }

  /**
   * How long shutdown waits for running jobs before interrupting them. Default 30 s.
   *
   * @return zero or positive
   */
  public Duration gracefulShutdownTimeout() {
    return gracefulShutdownTimeout;
  }

  /**
   * The retry budget of a job created without one. Default 3.
   *
   * @return 0 to {@link CreateJobOptions#MAX_RETRIES_LIMIT}
   */
  public int defaultMaxRetries() {
    return defaultMaxRetries;
  }

  /**
   * The per-attempt timeout of a job created without one. Default 300.
   *
   * @return seconds, 1 to {@link CreateJobOptions#MAX_TIMEOUT_SECONDS}
   */
  public int defaultTimeoutSeconds() {
    return defaultTimeoutSeconds;
  }

  /**
   * How retry delays grow. Default {@link RetryStrategy#EXPONENTIAL}.
   *
   * @return the strategy
   */
  public RetryStrategy retryStrategy() {
    return retryStrategy;
  }

  /**
   * The base of the retry delay. Default 1 s.
   *
   * @return zero or positive
   */
  public Duration retryBaseDelay() {
    return retryBaseDelay;
  }

  /**
   * The cap on the retry delay. Default 60 s.
   *
   * @return at least {@link #retryBaseDelay()}
   */
  public Duration retryMaxDelay() {
    return retryMaxDelay;
  }

  /**
   * Whether a metrics line is logged every {@link #metricsInterval()}. Default false.
   *
   * @return the flag
   */
  public boolean enableMetrics() {
    return enableMetrics;
  }

  /**
   * How often the metrics line is logged. Default 60 s.
   *
   * @return a positive duration
   */
  public Duration metricsInterval() {
    return metricsInterval;
  }

  /**
   * Whether {@code JobQueueManager.initialize()} starts the worker pool. Default true. Set it to
   * false on nodes that only enqueue and query jobs (a web tier, say) while other nodes run them.
   *
   * @return the flag
   */
  public boolean runWorkers() {
    return runWorkers;
  }

  /**
   * How long a claimed job stays leased to this node without renewal. Each node renews the leases
   * of all its jobs in one statement every third of this; when a node dies, its jobs are rescued
   * after the lease runs out. Default 30 s.
   *
   * @return 500 ms to 1 hour
   */
  public Duration leaseDuration() {
    return leaseDuration;
  }

  /**
   * The longest a job whose lease expired (its node died) waits before it runs again. Each node
   * looks for such jobs every quarter of this, takes them back and wakes the pools, which claim
   * them at once and run them first, so that a dead node's job runs again within {@code
   * leaseDuration + rescueInterval} of its last renewal, plus the time to a free worker when every
   * worker is busy. Default 10 s.
   *
   * @return 100 ms to 1 hour
   */
  public Duration rescueInterval() {
    return rescueInterval;
  }

  /**
   * How long a worker may stay idle before the pool retires it, down to {@link #minWorkers()}.
   * Default 60 s.
   *
   * @return 10 ms to 1 day
   */
  public Duration workerIdleTimeout() {
    return workerIdleTimeout;
  }

  /**
   * Whether workers run on virtual threads. Needs Java 21 or newer; on older runtimes the pool
   * refuses to start with a clear error. Default false (platform threads).
   *
   * @return the flag
   */
  public boolean useVirtualThreads() {
    return useVirtualThreads;
  }

  /**
   * How much random spread retry delays get: a delay {@code d} becomes a uniform value in {@code [d
   * × (1 − jitter), d]}. Default 0: the strategies' exact delays.
   *
   * @return 0.0 to 1.0
   */
  public double retryJitter() {
    return retryJitter;
  }

  /**
   * This node's id, stored in {@code locked_by} of the jobs it runs. It must be unique among live
   * nodes. Default: host name, process id and a random suffix.
   *
   * @return the node id, if one was set
   */
  public Optional<String> nodeId() {
    return Optional.ofNullable(nodeId);
  }

  /**
   * The longest {@code healthCheck()} takes: past it, the check gives up on the database and
   * reports {@link HealthStatus#UNHEALTHY}. Default 5 s.
   *
   * @return 100 ms to 1 minute
   */
  public Duration healthCheckTimeout() {
    return healthCheckTimeout;
  }

  /**
   * How long the oldest due pending job may wait before the health check reports {@link
   * HealthStatus#DEGRADED}. Default 5 minutes.
   *
   * @return 1 s to 7 days
   */
  public Duration healthMaxQueueLag() {
    return healthMaxQueueLag;
  }

  /**
   * How long completed and cancelled jobs are kept before they are deleted. Default 7 days; zero
   * keeps them forever.
   *
   * @return zero, or 1 minute to 10 years
   */
  public Duration completedJobRetention() {
    return completedJobRetention;
  }

  /**
   * How long failed jobs are kept before they are deleted. Default 30 days; zero keeps them
   * forever.
   *
   * @return zero, or 1 minute to 10 years
   */
  public Duration failedJobRetention() {
    return failedJobRetention;
  }

  /**
   * How often a node tries to prune finished jobs past their retention. Only one node prunes at a
   * time; the others skip their turn. Default 60 s.
   *
   * @return 1 s to 1 day
   */
  public Duration pruneInterval() {
    return pruneInterval;
  }

  /**
   * How many jobs one pruning statement deletes at most; a run deletes batch after batch, each in
   * its own short transaction. Default 1000.
   *
   * @return 1 to 100,000
   */
  public int pruneBatchSize() {
    return pruneBatchSize;
  }

  /**
   * The PostgreSQL schema holding the library's tables. Default {@code jobqueue}.
   *
   * @return a name matching {@link #SCHEMA_PATTERN}
   */
  public String schema() {
    return schema;
  }

  /**
   * Whether {@code initialize()} applies the library's migrations. Default true. When false, {@code
   * initialize()} only checks that none is pending.
   *
   * @return the flag
   */
  public boolean runMigrations() {
    return runMigrations;
  }

  /**
   * A separate, direct connection for applying migrations, when the main one goes through a pooler
   * in transaction mode (which the library cannot migrate through: see {@link
   * #transactionPooling()}). Its credentials come from the URL, else from {@link #databaseUser()}
   * and {@link #databasePassword()}, else from the main URL's. Used only by {@code initialize()},
   * and only while it migrates.
   *
   * @return the URL, or empty to migrate over the main connection
   */
  public Optional<String> migrationDatabaseUrl() {
    return Optional.ofNullable(migrationDatabaseUrl);
  }

  /**
   * How long {@code initialize()} waits for another node that is migrating the same schema before
   * it fails with an error naming that node's session. Default 2 minutes.
   *
   * @return 1 second to 1 hour
   */
  public Duration migrationLockTimeout() {
    return migrationLockTimeout;
  }

  /**
   * Whether the library's connections go through a pooler in transaction mode, such as PgBouncer
   * with {@code pool_mode = transaction}. Default false; {@code initialize()} detects such a pooler
   * anyway and then behaves as if this were true, with a warning. When true the library keeps no
   * state in a database session: it prepares no statement server-side (its own pool sets {@code
   * prepareThreshold=0}; a {@code DataSource} passed in must have it), it does not {@code LISTEN}
   * (pools poll every {@code pollInterval}), and it applies migrations only over {@link
   * #migrationDatabaseUrl()} or a migration {@code DataSource}.
   *
   * @return the flag
   */
  public boolean transactionPooling() {
    return transactionPooling;
  }

  /**
   * Whether {@code createJob} accepts types that have no registered handler. Default false. Turn it
   * on for nodes that only enqueue jobs that other nodes execute; such payloads are checked for
   * size and JSON validity only.
   *
   * @return the flag
   */
  public boolean allowUnknownTypes() {
    return allowUnknownTypes;
  }

  /**
   * The largest payload accepted, in bytes of its JSON encoding. Default 1 MiB.
   *
   * @return 1 to {@link #MAX_PAYLOAD_BYTES_LIMIT}
   */
  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /**
   * The JDBC URL the manager connects to when it is given neither a {@code DataSource} nor a URL.
   *
   * @return the URL, or empty
   */
  public Optional<String> databaseUrl() {
    return Optional.ofNullable(databaseUrl);
  }

  /**
   * The database user for {@link #databaseUrl()}.
   *
   * @return the user, or empty
   */
  public Optional<String> databaseUser() {
    return Optional.ofNullable(databaseUser);
  }

  /**
   * The database password for {@link #databaseUrl()}. Never printed by {@link #toString()}.
   *
   * @return the password, or empty
   */
  public Optional<String> databasePassword() {
    return Optional.ofNullable(databasePassword);
  }

  @Override
  public String toString() {
    return "JobQueueConfig[maxWorkers="
        + maxWorkers
        + ", minWorkers="
        + minWorkers
        + ", pollInterval="
        + pollInterval
        + ", maxJobsPerWorker="
        + maxJobsPerWorker
        + ", workerTimeout="
        + workerTimeout
        + ", gracefulShutdownTimeout="
        + gracefulShutdownTimeout
        + ", defaultMaxRetries="
        + defaultMaxRetries
        + ", defaultTimeoutSeconds="
        + defaultTimeoutSeconds
        + ", retryStrategy="
        + retryStrategy.wireName()
        + ", retryBaseDelay="
        + retryBaseDelay
        + ", retryMaxDelay="
        + retryMaxDelay
        + ", enableMetrics="
        + enableMetrics
        + ", metricsInterval="
        + metricsInterval
        + ", runWorkers="
        + runWorkers
        + ", leaseDuration="
        + leaseDuration
        + ", rescueInterval="
        + rescueInterval
        + ", workerIdleTimeout="
        + workerIdleTimeout
        + ", useVirtualThreads="
        + useVirtualThreads
        + ", retryJitter="
        + retryJitter
        + ", nodeId="
        + nodeId
        + ", healthCheckTimeout="
        + healthCheckTimeout
        + ", healthMaxQueueLag="
        + healthMaxQueueLag
        + ", completedJobRetention="
        + completedJobRetention
        + ", failedJobRetention="
        + failedJobRetention
        + ", pruneInterval="
        + pruneInterval
        + ", pruneBatchSize="
        + pruneBatchSize
        + ", schema="
        + schema
        + ", runMigrations="
        + runMigrations
        + ", migrationDatabaseUrl="
        + (migrationDatabaseUrl == null ? null : redactUrl(migrationDatabaseUrl))
        + ", migrationLockTimeout="
        + migrationLockTimeout
        + ", transactionPooling="
        + transactionPooling
        + ", allowUnknownTypes="
        + allowUnknownTypes
        + ", maxPayloadBytes="
        + maxPayloadBytes
        + ", databaseUrl="
        + (databaseUrl == null ? null : redactUrl(databaseUrl))
        + ", databaseUser="
        + databaseUser
        + ", databasePassword="
        + (databasePassword == null ? null : "<redacted>")
        + "]";
  }

  private static Map<String, BiConsumer<Builder, String>> environmentSetters() {
    Map<String, BiConsumer<Builder, String>> m = new java.util.TreeMap<>();
    m.put("JOB_QUEUE_MAX_WORKERS", (b, v) -> b.maxWorkers(parseInt(v)));
    m.put("JOB_QUEUE_MIN_WORKERS", (b, v) -> b.minWorkers(parseInt(v)));
    m.put("JOB_QUEUE_POLL_INTERVAL", (b, v) -> b.pollInterval(parseMillis(v)));
    m.put("JOB_QUEUE_MAX_JOBS_PER_WORKER", (b, v) -> b.maxJobsPerWorker(parseInt(v)));
    m.put("JOB_QUEUE_WORKER_TIMEOUT", (b, v) -> b.workerTimeout(parseMillis(v)));
    m.put(
        "JOB_QUEUE_GRACEFUL_SHUTDOWN_TIMEOUT", (b, v) -> b.gracefulShutdownTimeout(parseMillis(v)));
    m.put("JOB_QUEUE_DEFAULT_MAX_RETRIES", (b, v) -> b.defaultMaxRetries(parseInt(v)));
    m.put("JOB_QUEUE_DEFAULT_TIMEOUT_SECONDS", (b, v) -> b.defaultTimeoutSeconds(parseInt(v)));
    m.put("JOB_QUEUE_RETRY_STRATEGY", (b, v) -> b.retryStrategy(RetryStrategy.fromWireName(v)));
    m.put("JOB_QUEUE_RETRY_BASE_DELAY", (b, v) -> b.retryBaseDelay(parseMillis(v)));
    m.put("JOB_QUEUE_RETRY_MAX_DELAY", (b, v) -> b.retryMaxDelay(parseMillis(v)));
    m.put("JOB_QUEUE_ENABLE_METRICS", (b, v) -> b.enableMetrics(parseBoolean(v)));
    m.put("JOB_QUEUE_METRICS_INTERVAL", (b, v) -> b.metricsInterval(parseMillis(v)));
    m.put("JOB_QUEUE_RUN_WORKERS", (b, v) -> b.runWorkers(parseBoolean(v)));
    m.put("JOB_QUEUE_LEASE_DURATION", (b, v) -> b.leaseDuration(parseMillis(v)));
    m.put("JOB_QUEUE_RESCUE_INTERVAL", (b, v) -> b.rescueInterval(parseMillis(v)));
    m.put("JOB_QUEUE_WORKER_IDLE_TIMEOUT", (b, v) -> b.workerIdleTimeout(parseMillis(v)));
    m.put("JOB_QUEUE_VIRTUAL_THREADS", (b, v) -> b.useVirtualThreads(parseBoolean(v)));
    m.put("JOB_QUEUE_RETRY_JITTER", (b, v) -> b.retryJitter(parseDouble(v)));
    m.put("JOB_QUEUE_NODE_ID", Builder::nodeId);
    m.put("JOB_QUEUE_HEALTH_CHECK_TIMEOUT", (b, v) -> b.healthCheckTimeout(parseMillis(v)));
    m.put("JOB_QUEUE_HEALTH_MAX_QUEUE_LAG", (b, v) -> b.healthMaxQueueLag(parseMillis(v)));
    m.put("JOB_QUEUE_COMPLETED_JOB_RETENTION", (b, v) -> b.completedJobRetention(parseMillis(v)));
    m.put("JOB_QUEUE_FAILED_JOB_RETENTION", (b, v) -> b.failedJobRetention(parseMillis(v)));
    m.put("JOB_QUEUE_PRUNE_INTERVAL", (b, v) -> b.pruneInterval(parseMillis(v)));
    m.put("JOB_QUEUE_PRUNE_BATCH_SIZE", (b, v) -> b.pruneBatchSize(parseInt(v)));
    m.put("JOB_QUEUE_SCHEMA", Builder::schema);
    m.put("JOB_QUEUE_RUN_MIGRATIONS", (b, v) -> b.runMigrations(parseBoolean(v)));
    m.put("JOB_QUEUE_MIGRATION_DATABASE_URL", Builder::migrationDatabaseUrl);
    m.put("JOB_QUEUE_MIGRATION_LOCK_TIMEOUT", (b, v) -> b.migrationLockTimeout(parseMillis(v)));
    m.put("JOB_QUEUE_TRANSACTION_POOLING", (b, v) -> b.transactionPooling(parseBoolean(v)));
    m.put("JOB_QUEUE_ALLOW_UNKNOWN_TYPES", (b, v) -> b.allowUnknownTypes(parseBoolean(v)));
    m.put("JOB_QUEUE_MAX_PAYLOAD_BYTES", (b, v) -> b.maxPayloadBytes(parseInt(v)));
    m.put("JOB_QUEUE_DATABASE_URL", Builder::databaseUrl);
    m.put("JOB_QUEUE_DATABASE_USER", Builder::databaseUser);
    m.put("JOB_QUEUE_DATABASE_PASSWORD", Builder::databasePassword);
    return java.util.Collections.unmodifiableMap(m);
  }

  private static int parseInt(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number");
    }
  }

  private static Duration parseMillis(String value) {
    try {
      return Duration.ofMillis(Long.parseLong(value));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number of milliseconds");
    }
  }

  private static double parseDouble(String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a decimal number");
    }
  }

  /** Hides credentials in a URL: {@code //user:pw@} and {@code password=} parameters. */
  static String redactUrl(String url) {
    return url.replaceAll("//[^@/]*@", "//<credentials>@")
        .replaceAll("(?i)(password=)[^&]*", "$1<redacted>");
  }

  private static boolean parseBoolean(String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
      case "1":
      case "yes":
        return true;
      case "false":
      case "0":
      case "no":
        return false;
      default:
        throw new IllegalArgumentException("expected true or false");
    }
  }

  /** Builds a {@link JobQueueConfig}, checking each setting as it is set. Not thread-safe. */
  public static final class Builder {
    private int maxWorkers = 5;
    private int minWorkers = 1;
    private Duration pollInterval = Duration.ofSeconds(1);
    private int maxJobsPerWorker = 10;
    private Duration workerTimeout = Duration.ofMinutes(5);
    private Duration gracefulShutdownTimeout = Duration.ofSeconds(30);
    private int defaultMaxRetries = 3;
    private int defaultTimeoutSeconds = 300;
    private RetryStrategy retryStrategy = RetryStrategy.EXPONENTIAL;
    private Duration retryBaseDelay = Duration.ofSeconds(1);
    private Duration retryMaxDelay = Duration.ofSeconds(60);
    private boolean enableMetrics;
    private Duration metricsInterval = Duration.ofSeconds(60);
    private boolean runWorkers = true;
    private Duration leaseDuration = Duration.ofSeconds(30);
    private Duration rescueInterval = Duration.ofSeconds(10);
    private Duration workerIdleTimeout = Duration.ofSeconds(60);
    private boolean useVirtualThreads;
    private double retryJitter;
    private String nodeId;
    private Duration healthCheckTimeout = Duration.ofSeconds(5);
    private Duration healthMaxQueueLag = Duration.ofMinutes(5);
    private Duration completedJobRetention = Duration.ofDays(7);
    private Duration failedJobRetention = Duration.ofDays(30);
    private Duration pruneInterval = Duration.ofSeconds(60);
    private int pruneBatchSize = 1_000;
    private String schema = "jobqueue";
    private boolean runMigrations = true;
    private String migrationDatabaseUrl;
    private Duration migrationLockTimeout = Duration.ofMinutes(2);
    private boolean transactionPooling;
    private boolean allowUnknownTypes;
    private int maxPayloadBytes = 1024 * 1024;
    private String databaseUrl;
    private String databaseUser;
    private String databasePassword;

    private Builder() {}

    private Builder(JobQueueConfig c) {
      maxWorkers = c.maxWorkers;
      minWorkers = c.minWorkers;
      pollInterval = c.pollInterval;
      maxJobsPerWorker = c.maxJobsPerWorker;
      workerTimeout = c.workerTimeout;
      gracefulShutdownTimeout = c.gracefulShutdownTimeout;
      defaultMaxRetries = c.defaultMaxRetries;
      defaultTimeoutSeconds = c.defaultTimeoutSeconds;
      retryStrategy = c.retryStrategy;
      retryBaseDelay = c.retryBaseDelay;
      retryMaxDelay = c.retryMaxDelay;
      enableMetrics = c.enableMetrics;
      metricsInterval = c.metricsInterval;
      runWorkers = c.runWorkers;
      leaseDuration = c.leaseDuration;
      rescueInterval = c.rescueInterval;
      workerIdleTimeout = c.workerIdleTimeout;
      useVirtualThreads = c.useVirtualThreads;
      retryJitter = c.retryJitter;
      nodeId = c.nodeId;
      healthCheckTimeout = c.healthCheckTimeout;
      healthMaxQueueLag = c.healthMaxQueueLag;
      completedJobRetention = c.completedJobRetention;
      failedJobRetention = c.failedJobRetention;
      pruneInterval = c.pruneInterval;
      pruneBatchSize = c.pruneBatchSize;
      schema = c.schema;
      runMigrations = c.runMigrations;
      migrationDatabaseUrl = c.migrationDatabaseUrl;
      migrationLockTimeout = c.migrationLockTimeout;
      transactionPooling = c.transactionPooling;
      allowUnknownTypes = c.allowUnknownTypes;
      maxPayloadBytes = c.maxPayloadBytes;
      databaseUrl = c.databaseUrl;
      databaseUser = c.databaseUser;
      databasePassword = c.databasePassword;
    }

    /**
     * Sets {@link JobQueueConfig#maxWorkers()}.
     *
     * @param maxWorkers 1 to 10,000
     * @return this builder
     */
    public Builder maxWorkers(int maxWorkers) {
      this.maxWorkers = checkRange("maxWorkers", maxWorkers, 1, 10_000);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#minWorkers()}.
     *
     * @param minWorkers 0 to 10,000, and at most {@code maxWorkers} when built
     * @return this builder
     */
    public Builder minWorkers(int minWorkers) {
      this.minWorkers = checkRange("minWorkers", minWorkers, 0, 10_000);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#pollInterval()}.
     *
     * @param pollInterval 1 ms to 1 hour
     * @return this builder
     */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval =
          checkDuration("pollInterval", pollInterval, Duration.ofMillis(1), Duration.ofHours(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#maxJobsPerWorker()}.
     *
     * @param maxJobsPerWorker 1 to 1,000,000
     * @return this builder
     */
    public Builder maxJobsPerWorker(int maxJobsPerWorker) {
      this.maxJobsPerWorker = checkRange("maxJobsPerWorker", maxJobsPerWorker, 1, 1_000_000);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#workerTimeout()}.
     *
     * @param workerTimeout 1 ms to 7 days
     * @return this builder
     */
    public Builder workerTimeout(Duration workerTimeout) {
      this.workerTimeout =
          checkDuration("workerTimeout", workerTimeout, Duration.ofMillis(1), Duration.ofDays(7));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#gracefulShutdownTimeout()}.
     *
     * @param gracefulShutdownTimeout 0 to 1 hour
     * @return this builder
     */
    public Builder gracefulShutdownTimeout(Duration gracefulShutdownTimeout) {
      this.gracefulShutdownTimeout =
          checkDuration(
              "gracefulShutdownTimeout",
              gracefulShutdownTimeout,
              Duration.ZERO,
              Duration.ofHours(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#defaultMaxRetries()}.
     *
     * @param defaultMaxRetries 0 to {@link CreateJobOptions#MAX_RETRIES_LIMIT}
     * @return this builder
     */
    public Builder defaultMaxRetries(int defaultMaxRetries) {
      this.defaultMaxRetries =
          checkRange("defaultMaxRetries", defaultMaxRetries, 0, CreateJobOptions.MAX_RETRIES_LIMIT);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#defaultTimeoutSeconds()}.
     *
     * @param defaultTimeoutSeconds 1 to {@link CreateJobOptions#MAX_TIMEOUT_SECONDS}
     * @return this builder
     */
    public Builder defaultTimeoutSeconds(int defaultTimeoutSeconds) {
      this.defaultTimeoutSeconds =
          checkRange(
              "defaultTimeoutSeconds",
              defaultTimeoutSeconds,
              1,
              CreateJobOptions.MAX_TIMEOUT_SECONDS);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#retryStrategy()}.
     *
     * @param retryStrategy the strategy
     * @return this builder
     */
    public Builder retryStrategy(RetryStrategy retryStrategy) {
      this.retryStrategy = Objects.requireNonNull(retryStrategy, "retryStrategy must not be null");
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#retryBaseDelay()}.
     *
     * @param retryBaseDelay 0 to 7 days
     * @return this builder
     */
    public Builder retryBaseDelay(Duration retryBaseDelay) {
      this.retryBaseDelay =
          checkDuration("retryBaseDelay", retryBaseDelay, Duration.ZERO, Duration.ofDays(7));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#retryMaxDelay()}.
     *
     * @param retryMaxDelay 0 to 7 days, and at least {@code retryBaseDelay} when built
     * @return this builder
     */
    public Builder retryMaxDelay(Duration retryMaxDelay) {
      this.retryMaxDelay =
          checkDuration("retryMaxDelay", retryMaxDelay, Duration.ZERO, Duration.ofDays(7));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#enableMetrics()}.
     *
     * @param enableMetrics the flag
     * @return this builder
     */
    public Builder enableMetrics(boolean enableMetrics) {
      this.enableMetrics = enableMetrics;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#metricsInterval()}.
     *
     * @param metricsInterval 1 s to 1 day
     * @return this builder
     */
    public Builder metricsInterval(Duration metricsInterval) {
      this.metricsInterval =
          checkDuration(
              "metricsInterval", metricsInterval, Duration.ofSeconds(1), Duration.ofDays(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#runWorkers()}.
     *
     * @param runWorkers the flag
     * @return this builder
     */
    public Builder runWorkers(boolean runWorkers) {
      this.runWorkers = runWorkers;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#leaseDuration()}.
     *
     * @param leaseDuration 500 ms to 1 hour
     * @return this builder
     */
    public Builder leaseDuration(Duration leaseDuration) {
      this.leaseDuration =
          checkDuration(
              "leaseDuration", leaseDuration, Duration.ofMillis(500), Duration.ofHours(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#rescueInterval()}.
     *
     * @param rescueInterval 100 ms to 1 hour
     * @return this builder
     */
    public Builder rescueInterval(Duration rescueInterval) {
      this.rescueInterval =
          checkDuration(
              "rescueInterval", rescueInterval, Duration.ofMillis(100), Duration.ofHours(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#workerIdleTimeout()}.
     *
     * @param workerIdleTimeout 10 ms to 1 day
     * @return this builder
     */
    public Builder workerIdleTimeout(Duration workerIdleTimeout) {
      this.workerIdleTimeout =
          checkDuration(
              "workerIdleTimeout", workerIdleTimeout, Duration.ofMillis(10), Duration.ofDays(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#useVirtualThreads()}.
     *
     * @param useVirtualThreads the flag; true needs Java 21 or newer at run time
     * @return this builder
     */
    public Builder useVirtualThreads(boolean useVirtualThreads) {
      this.useVirtualThreads = useVirtualThreads;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#retryJitter()}.
     *
     * @param retryJitter 0.0 to 1.0
     * @return this builder
     */
    public Builder retryJitter(double retryJitter) {
      if (!(retryJitter >= 0.0 && retryJitter <= 1.0)) {
        throw new IllegalArgumentException(
            "retryJitter must be between 0.0 and 1.0 (was " + retryJitter + ")");
      }
      this.retryJitter = retryJitter;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#nodeId()}.
     *
     * @param nodeId 1 to 100 printable ASCII characters, unique among live nodes
     * @return this builder
     */
    public Builder nodeId(String nodeId) {
      if (nodeId == null || !nodeId.matches("[\\x21-\\x7e]{1,100}")) {
        throw new IllegalArgumentException(
            "nodeId must be 1 to 100 printable ASCII characters without spaces (was "
                + (nodeId == null ? "null" : "'" + nodeId + "'")
                + ")");
      }
      this.nodeId = nodeId;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#healthCheckTimeout()}.
     *
     * @param healthCheckTimeout 100 ms to 1 minute
     * @return this builder
     */
    public Builder healthCheckTimeout(Duration healthCheckTimeout) {
      this.healthCheckTimeout =
          checkDuration(
              "healthCheckTimeout",
              healthCheckTimeout,
              Duration.ofMillis(100),
              Duration.ofMinutes(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#healthMaxQueueLag()}.
     *
     * @param healthMaxQueueLag 1 s to 7 days
     * @return this builder
     */
    public Builder healthMaxQueueLag(Duration healthMaxQueueLag) {
      this.healthMaxQueueLag =
          checkDuration(
              "healthMaxQueueLag", healthMaxQueueLag, Duration.ofSeconds(1), Duration.ofDays(7));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#completedJobRetention()}.
     *
     * @param completedJobRetention zero (keep forever), or 1 minute to 10 years
     * @return this builder
     */
    public Builder completedJobRetention(Duration completedJobRetention) {
      this.completedJobRetention = checkRetention("completedJobRetention", completedJobRetention);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#failedJobRetention()}.
     *
     * @param failedJobRetention zero (keep forever), or 1 minute to 10 years
     * @return this builder
     */
    public Builder failedJobRetention(Duration failedJobRetention) {
      this.failedJobRetention = checkRetention("failedJobRetention", failedJobRetention);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#pruneInterval()}.
     *
     * @param pruneInterval 1 s to 1 day
     * @return this builder
     */
    public Builder pruneInterval(Duration pruneInterval) {
      this.pruneInterval =
          checkDuration("pruneInterval", pruneInterval, Duration.ofSeconds(1), Duration.ofDays(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#pruneBatchSize()}.
     *
     * @param pruneBatchSize 1 to 100,000
     * @return this builder
     */
    public Builder pruneBatchSize(int pruneBatchSize) {
      this.pruneBatchSize = checkRange("pruneBatchSize", pruneBatchSize, 1, 100_000);
      return this;
    }

    private static Duration checkRetention(String name, Duration value) {
      Objects.requireNonNull(value, name + " must not be null");
      return value.isZero()
          ? value
          : checkDuration(name, value, Duration.ofMinutes(1), Duration.ofDays(3653));
    }

    /**
     * Sets {@link JobQueueConfig#schema()}.
     *
     * @param schema a name matching {@code ^[a-z_][a-z0-9_]{0,62}$}, other than PostgreSQL's
     *     reserved {@code pg_*} names and {@code information_schema}
     * @return this builder
     * @throws IllegalArgumentException for any other name; nothing is quoted or escaped
     */
    public Builder schema(String schema) {
      if (schema == null || !SCHEMA_PATTERN.matcher(schema).matches()) {
        throw new IllegalArgumentException(
            "schema must match ^[a-z_][a-z0-9_]{0,62}$ (was "
                + (schema == null ? "null" : "'" + schema + "'")
                + ")");
      }
      if (schema.startsWith("pg_") || schema.equals("information_schema")) {
        throw new IllegalArgumentException(
            "schema must not be a PostgreSQL system schema name (pg_*, information_schema) (was '"
                + schema
                + "')");
      }
      this.schema = schema;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#runMigrations()}.
     *
     * @param runMigrations the flag
     * @return this builder
     */
    public Builder runMigrations(boolean runMigrations) {
      this.runMigrations = runMigrations;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#migrationDatabaseUrl()}; the same URL forms as {@link
     * #databaseUrl(String)}.
     *
     * @param migrationDatabaseUrl the URL of a direct connection
     * @return this builder
     */
    public Builder migrationDatabaseUrl(String migrationDatabaseUrl) {
      this.migrationDatabaseUrl = checkUrl("migrationDatabaseUrl", migrationDatabaseUrl);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#migrationLockTimeout()}.
     *
     * @param migrationLockTimeout 1 second to 1 hour
     * @return this builder
     */
    public Builder migrationLockTimeout(Duration migrationLockTimeout) {
      this.migrationLockTimeout =
          checkDuration(
              "migrationLockTimeout",
              migrationLockTimeout,
              Duration.ofSeconds(1),
              Duration.ofHours(1));
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#transactionPooling()}.
     *
     * @param transactionPooling the flag
     * @return this builder
     */
    public Builder transactionPooling(boolean transactionPooling) {
      this.transactionPooling = transactionPooling;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#allowUnknownTypes()}.
     *
     * @param allowUnknownTypes the flag
     * @return this builder
     */
    public Builder allowUnknownTypes(boolean allowUnknownTypes) {
      this.allowUnknownTypes = allowUnknownTypes;
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#maxPayloadBytes()}.
     *
     * @param maxPayloadBytes 1 to {@link #MAX_PAYLOAD_BYTES_LIMIT}
     * @return this builder
     */
    public Builder maxPayloadBytes(int maxPayloadBytes) {
      this.maxPayloadBytes =
          checkRange("maxPayloadBytes", maxPayloadBytes, 1, MAX_PAYLOAD_BYTES_LIMIT);
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#databaseUrl()}. Accepts a JDBC URL ({@code
     * jdbc:postgresql://host:5432/db}) or a libpq-style URL ({@code postgresql://user:pw@host/db}),
     * which is converted.
     *
     * @param databaseUrl the URL
     * @return this builder
     */
    public Builder databaseUrl(String databaseUrl) {
      this.databaseUrl = checkUrl("databaseUrl", databaseUrl);
      return this;
    }

    private static String checkUrl(String name, String url) {
      Objects.requireNonNull(url, name + " must not be null");
      if (!url.startsWith("jdbc:postgresql:")
          && !url.startsWith("postgres://")
          && !url.startsWith("postgresql://")) {
        throw new IllegalArgumentException(
            name
                + " must start with jdbc:postgresql:, postgresql:// or postgres:// (was '"
                + redactUrl(url)
                + "')");
      }
      return url;
    }

    /**
     * Sets {@link JobQueueConfig#databaseUser()}.
     *
     * @param databaseUser the user
     * @return this builder
     */
    public Builder databaseUser(String databaseUser) {
      this.databaseUser = Objects.requireNonNull(databaseUser, "databaseUser must not be null");
      return this;
    }

    /**
     * Sets {@link JobQueueConfig#databasePassword()}.
     *
     * @param databasePassword the password
     * @return this builder
     */
    public Builder databasePassword(String databasePassword) {
      this.databasePassword =
          Objects.requireNonNull(databasePassword, "databasePassword must not be null");
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     * @throws IllegalArgumentException if settings contradict each other
     */
    public JobQueueConfig build() {
      if (maxWorkers < minWorkers) {
        throw new IllegalArgumentException(
            "maxWorkers must be >= minWorkers (was " + maxWorkers + " < " + minWorkers + ")");
      }
      if (retryMaxDelay.compareTo(retryBaseDelay) < 0) {
        throw new IllegalArgumentException(
            "retryMaxDelay must be >= retryBaseDelay (was "
                + retryMaxDelay.toMillis()
                + " ms < "
                + retryBaseDelay.toMillis()
                + " ms)");
      }
      return new JobQueueConfig(this);
    }

    private static int checkRange(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            name + " must be between " + min + " and " + max + " (was " + value + ")");
      }
      return value;
    }

    private static Duration checkDuration(String name, Duration value, Duration min, Duration max) {
      Objects.requireNonNull(value, name + " must not be null");
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name
                + " must be between "
                + min.toMillis()
                + " ms and "
                + max.toMillis()
                + " ms (was "
                + value.toMillis()
                + " ms)");
      }
      return value;
    }
  }
}
