package dev.jobqueue.internal.config;

import static dev.jobqueue.internal.config.Check.between;
import static dev.jobqueue.internal.config.Check.matching;
import static dev.jobqueue.internal.config.Check.notMatching;
import static dev.jobqueue.internal.config.Check.oneOf;
import static dev.jobqueue.internal.config.Check.postgresUrl;
import static dev.jobqueue.internal.config.Check.zeroOrBetween;
import static dev.jobqueue.internal.config.Group.DATABASE;
import static dev.jobqueue.internal.config.Group.JOBS;
import static dev.jobqueue.internal.config.Group.LEASES;
import static dev.jobqueue.internal.config.Group.MONITORING;
import static dev.jobqueue.internal.config.Group.WORKERS;
import static dev.jobqueue.internal.config.ValueType.DECIMAL;
import static dev.jobqueue.internal.config.ValueType.FLAG;
import static dev.jobqueue.internal.config.ValueType.INT;
import static dev.jobqueue.internal.config.ValueType.MILLIS;
import static dev.jobqueue.internal.config.ValueType.STRATEGY;
import static dev.jobqueue.internal.config.ValueType.TEXT;
import static java.time.Duration.ZERO;
import static java.time.Duration.ofDays;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMillis;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobPolicy;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.RetryStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The table of every setting of {@code JobQueueConfig}, grouped by concern in the order of the
 * documentation, and the rules between settings. The order here is the order of {@code toString}
 * and of each group's table in {@code docs/configuration.md}, which a test renders from this table.
 */
public final class Settings {

  /**
   * What a schema name must look like: at most 63 bytes, lower case, no quoting needed. Defined
   * here rather than in {@code JobQueueConfig}, which initializes this class, so that this class
   * can be initialized first.
   */
  public static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private static final List<Setting<?>> TABLE = new ArrayList<>();

  // Workers

  /** The {@code maxWorkers} setting. */
  public static final Setting<Integer> MAX_WORKERS =
      define(WORKERS, "maxWorkers", "JOB_QUEUE_MAX_WORKERS", INT, 5)
          .check(between(1, 10_000))
          .meaning("Most workers (threads running jobs) at once.");

  /** The {@code minWorkers} setting. */
  public static final Setting<Integer> MIN_WORKERS =
      define(WORKERS, "minWorkers", "JOB_QUEUE_MIN_WORKERS", INT, 1)
          .check(between(0, 10_000))
          .meaning("Workers kept when idle.");

  /** The {@code queues} setting. */
  public static final Setting<List<QueueOptions>> QUEUES =
      define(
              WORKERS,
              "queues",
              "JOB_QUEUE_QUEUES",
              ValueType.QUEUES,
              List.of(QueueOptions.of(JobQueueConfig.DEFAULT_QUEUE)))
          .check(Check.distinctQueues())
          .meaning(
              "The queues this node serves, each with workers of its own: `name` or"
                  + " `name:maxWorkers`, comma-separated. A queue without a count has between"
                  + " `minWorkers` and `maxWorkers` workers.");

  /** The {@code maxJobsPerWorker} setting. */
  public static final Setting<Integer> MAX_JOBS_PER_WORKER =
      define(WORKERS, "maxJobsPerWorker", "JOB_QUEUE_MAX_JOBS_PER_WORKER", INT, 10)
          .check(between(1, 1_000_000))
          .meaning(
              "Claimed jobs the pool may hold per worker: the one it runs plus those waiting in"
                  + " the local queue. Bigger claims serve many short jobs faster; 1 claims only"
                  + " what idle workers start at once, fairer when jobs are long and several nodes"
                  + " share the queue.");

  /** The {@code pollInterval} setting. */
  public static final Setting<Duration> POLL_INTERVAL =
      define(WORKERS, "pollInterval", "JOB_QUEUE_POLL_INTERVAL", MILLIS, ofSeconds(1))
          .check(between(ofMillis(1), ofHours(1)))
          .meaning(
              "How often an idle pool polls when no notification wakes it. Jobs created in the"
                  + " same JVM, and NOTIFY from other nodes, wake it at once; retries and scheduled"
                  + " jobs wake it when they fall due.");

  /** The {@code workerIdleTimeout} setting. */
  public static final Setting<Duration> WORKER_IDLE_TIMEOUT =
      define(WORKERS, "workerIdleTimeout", "JOB_QUEUE_WORKER_IDLE_TIMEOUT", MILLIS, ofSeconds(60))
          .check(between(ofMillis(10), ofDays(1)))
          .meaning("An idle worker retires after this, down to `minWorkers`.");

  /** The {@code workerTimeout} setting. */
  public static final Setting<Duration> WORKER_TIMEOUT =
      define(WORKERS, "workerTimeout", "JOB_QUEUE_WORKER_TIMEOUT", MILLIS, ofMinutes(5))
          .check(between(ofMillis(1), ofDays(7)))
          .meaning(
              "A worker busy with one job for longer is reported stuck (health `degraded`). It"
                  + " does not interrupt anything; `timeoutSeconds` does.");

  /** The {@code gracefulShutdownTimeout} setting. */
  public static final Setting<Duration> GRACEFUL_SHUTDOWN_TIMEOUT =
      define(
              WORKERS,
              "gracefulShutdownTimeout",
              "JOB_QUEUE_GRACEFUL_SHUTDOWN_TIMEOUT",
              MILLIS,
              ofSeconds(30))
          .check(between(ZERO, ofHours(1)))
          .meaning(
              "How long `shutdown()` waits for running jobs before interrupting them and putting"
                  + " them back to pending.");

  /** The {@code useVirtualThreads} setting. */
  public static final Setting<Boolean> USE_VIRTUAL_THREADS =
      define(WORKERS, "useVirtualThreads", "JOB_QUEUE_VIRTUAL_THREADS", FLAG, false)
          .meaning(
              "Run workers on virtual threads. Needs Java 21+; on older runtimes `initialize()`"
                  + " fails with a clear error.");

  /** The {@code runWorkers} setting. */
  public static final Setting<Boolean> RUN_WORKERS =
      define(WORKERS, "runWorkers", "JOB_QUEUE_RUN_WORKERS", FLAG, true)
          .meaning(
              "Start the worker pool on `initialize()`. False for nodes that only enqueue and"
                  + " query.");

  /** The {@code nodeId} setting. */
  public static final Setting<String> NODE_ID =
      define(WORKERS, "nodeId", "JOB_QUEUE_NODE_ID", TEXT, null)
          .check(
              matching(
                  Pattern.compile("[\\x21-\\x7e]{1,100}"),
                  "be 1 to 100 printable ASCII characters without spaces",
                  "1–100 printable ASCII"))
          .documentedDefault("host-pid-random")
          .meaning(
              "This node's id in `locked_by` and the `nodes` table. Must be unique among live"
                  + " nodes.");

  // Jobs and retries

  /** The {@code defaultMaxRetries} setting. */
  public static final Setting<Integer> DEFAULT_MAX_RETRIES =
      define(JOBS, "defaultMaxRetries", "JOB_QUEUE_DEFAULT_MAX_RETRIES", INT, 3)
          .check(between(0, CreateJobOptions.MAX_RETRIES_LIMIT))
          .meaning("Retries a job may use after its first attempt, when `createJob` does not say.");

  /** The {@code defaultTimeoutSeconds} setting. */
  public static final Setting<Integer> DEFAULT_TIMEOUT_SECONDS =
      define(JOBS, "defaultTimeoutSeconds", "JOB_QUEUE_DEFAULT_TIMEOUT_SECONDS", INT, 300)
          .check(between(1, CreateJobOptions.MAX_TIMEOUT_SECONDS))
          .meaning("How long one attempt may run, when `createJob` does not say.");

  /** The {@code retryStrategy} setting. */
  public static final Setting<RetryStrategy> RETRY_STRATEGY =
      define(JOBS, "retryStrategy", "JOB_QUEUE_RETRY_STRATEGY", STRATEGY, RetryStrategy.EXPONENTIAL)
          .check(oneOf(RetryStrategy.class, RetryStrategy::wireName))
          .meaning("Delay before retry *n*: `base`; `base × n`; `base × 2^(n−1)`.");

  /** The {@code retryBaseDelay} setting. */
  public static final Setting<Duration> RETRY_BASE_DELAY =
      define(JOBS, "retryBaseDelay", "JOB_QUEUE_RETRY_BASE_DELAY", MILLIS, ofSeconds(1))
          .check(between(ZERO, ofDays(7)))
          .meaning("The strategy's base.");

  /** The {@code retryMaxDelay} setting. */
  public static final Setting<Duration> RETRY_MAX_DELAY =
      define(JOBS, "retryMaxDelay", "JOB_QUEUE_RETRY_MAX_DELAY", MILLIS, ofSeconds(60))
          .check(between(ZERO, ofDays(7)))
          .meaning("Cap on any delay.");

  /** The {@code retryJitter} setting. */
  public static final Setting<Double> RETRY_JITTER =
      define(JOBS, "retryJitter", "JOB_QUEUE_RETRY_JITTER", DECIMAL, 0.0)
          .check(between(0.0, 1.0))
          .meaning(
              "Spreads a delay `d` uniformly over `[d × (1 − jitter), d]`. Off by default so"
                  + " delays are exactly the strategy's.");

  /** The {@code maxSnoozes} setting. */
  public static final Setting<Integer> MAX_SNOOZES =
      define(JOBS, "maxSnoozes", "JOB_QUEUE_MAX_SNOOZES", INT, 100)
          .check(between(0, JobPolicy.MAX_SNOOZES_LIMIT))
          .meaning(
              "How often one job may snooze (`SnoozeJobException`), unless its handler's policy"
                  + " says; a snooze beyond it counts as a failed attempt.");

  /** The {@code missedRunThreshold} setting. */
  public static final Setting<Duration> MISSED_RUN_THRESHOLD =
      define(JOBS, "missedRunThreshold", "JOB_QUEUE_MISSED_RUN_THRESHOLD", MILLIS, ofSeconds(60))
          .check(between(ofSeconds(1), ofDays(1)))
          .meaning(
              "A schedule's occurrence enqueued later than this after its time was missed (its"
                  + " missed-run policy decides); a due one older than this makes health"
                  + " `degraded`.");

  /** The {@code allowUnknownTypes} setting. */
  public static final Setting<Boolean> ALLOW_UNKNOWN_TYPES =
      define(JOBS, "allowUnknownTypes", "JOB_QUEUE_ALLOW_UNKNOWN_TYPES", FLAG, false)
          .meaning(
              "Accept types without a local handler (checked as JSON only), for nodes that"
                  + " enqueue jobs other nodes run.");

  /** The {@code maxPayloadBytes} setting. */
  public static final Setting<Integer> MAX_PAYLOAD_BYTES =
      define(JOBS, "maxPayloadBytes", "JOB_QUEUE_MAX_PAYLOAD_BYTES", INT, 1024 * 1024)
          .check(between(1, JobQueueConfig.MAX_PAYLOAD_BYTES_LIMIT))
          .meaning("Largest payload (and result), in bytes of JSON.");

  // Leases and rescue

  /** The {@code leaseDuration} setting. */
  public static final Setting<Duration> LEASE_DURATION =
      define(LEASES, "leaseDuration", "JOB_QUEUE_LEASE_DURATION", MILLIS, ofSeconds(30))
          .check(between(ofMillis(500), ofHours(1)))
          .meaning(
              "How long a claim lasts without renewal. Each node renews all its leases every"
                  + " third of this; a node that cannot renew in time abandons its attempts.");

  /** The {@code rescueInterval} setting. */
  public static final Setting<Duration> RESCUE_INTERVAL =
      define(LEASES, "rescueInterval", "JOB_QUEUE_RESCUE_INTERVAL", MILLIS, ofSeconds(10))
          .check(between(ofMillis(100), ofHours(1)))
          .meaning(
              "The longest an orphaned job waits once its lease has expired. Every node looks"
                  + " every quarter of this for jobs whose lease expired and takes them back;"
                  + " they keep their place in the queue, and every node with room claims them at"
                  + " once, ahead of what it has queued. A dead node's job (running, or waiting in"
                  + " its local queue) runs again within `leaseDuration + rescueInterval` of its"
                  + " last lease renewal; if every worker that can run it is busy then, add the"
                  + " time until one is free. Jobs of a higher priority that are due go first.");

  // Monitoring and retention

  /** The {@code healthCheckTimeout} setting. */
  public static final Setting<Duration> HEALTH_CHECK_TIMEOUT =
      define(
              MONITORING,
              "healthCheckTimeout",
              "JOB_QUEUE_HEALTH_CHECK_TIMEOUT",
              MILLIS,
              ofSeconds(5))
          .check(between(ofMillis(100), ofMinutes(1)))
          .meaning("Longest `healthCheck()` waits for the database before answering `unhealthy`.");

  /** The {@code healthMaxQueueLag} setting. */
  public static final Setting<Duration> HEALTH_MAX_QUEUE_LAG =
      define(
              MONITORING,
              "healthMaxQueueLag",
              "JOB_QUEUE_HEALTH_MAX_QUEUE_LAG",
              MILLIS,
              ofMinutes(5))
          .check(between(ofSeconds(1), ofDays(7)))
          .meaning("The oldest due job waiting longer makes health `degraded`.");

  /** The {@code enableMetrics} setting. */
  public static final Setting<Boolean> ENABLE_METRICS =
      define(MONITORING, "enableMetrics", "JOB_QUEUE_ENABLE_METRICS", FLAG, false)
          .meaning("Log a metrics line every `metricsInterval`.");

  /** The {@code metricsInterval} setting. */
  public static final Setting<Duration> METRICS_INTERVAL =
      define(MONITORING, "metricsInterval", "JOB_QUEUE_METRICS_INTERVAL", MILLIS, ofSeconds(60))
          .check(between(ofSeconds(1), ofDays(1)))
          .meaning("Its period.");

  /** The {@code completedJobRetention} setting. */
  public static final Setting<Duration> COMPLETED_JOB_RETENTION =
      define(
              MONITORING,
              "completedJobRetention",
              "JOB_QUEUE_COMPLETED_JOB_RETENTION",
              MILLIS,
              ofDays(7))
          .check(zeroOrBetween(ofMinutes(1), ofDays(3653)))
          .meaning(
              "Completed and cancelled jobs are deleted this long after they finished; 0 keeps"
                  + " them.");

  /** The {@code failedJobRetention} setting. */
  public static final Setting<Duration> FAILED_JOB_RETENTION =
      define(MONITORING, "failedJobRetention", "JOB_QUEUE_FAILED_JOB_RETENTION", MILLIS, ofDays(30))
          .check(zeroOrBetween(ofMinutes(1), ofDays(3653)))
          .meaning("The same for failed jobs.");

  /** The {@code pruneInterval} setting. */
  public static final Setting<Duration> PRUNE_INTERVAL =
      define(MONITORING, "pruneInterval", "JOB_QUEUE_PRUNE_INTERVAL", MILLIS, ofSeconds(60))
          .check(between(ofSeconds(1), ofDays(1)))
          .meaning("How often a node tries to prune; one node prunes at a time.");

  /** The {@code pruneBatchSize} setting. */
  public static final Setting<Integer> PRUNE_BATCH_SIZE =
      define(MONITORING, "pruneBatchSize", "JOB_QUEUE_PRUNE_BATCH_SIZE", INT, 1_000)
          .check(between(1, 100_000))
          .meaning("Most jobs one pruning transaction deletes.");

  // Database

  /** The {@code schema} setting. */
  public static final Setting<String> SCHEMA =
      define(DATABASE, "schema", "JOB_QUEUE_SCHEMA", TEXT, "jobqueue")
          .check(
              matching(
                      SCHEMA_NAME,
                      "match ^[a-z_][a-z0-9_]{0,62}$",
                      "`^[a-z_][a-z0-9_]{0,62}$`, not `pg_*` or `information_schema`")
                  .and(
                      notMatching(
                          Pattern.compile("pg_.*|information_schema"),
                          "not be a PostgreSQL system schema name (pg_*, information_schema)")))
          .meaning(
              "Schema of the library's tables. Any other name is refused when the configuration"
                  + " is built, so it never needs quoting.");

  /** The {@code runMigrations} setting. */
  public static final Setting<Boolean> RUN_MIGRATIONS =
      define(DATABASE, "runMigrations", "JOB_QUEUE_RUN_MIGRATIONS", FLAG, true)
          .meaning(
              "Apply the library's migrations on `initialize()`; if false, only check that none"
                  + " is pending (see `docs/operations.md`). Set it to false for an application"
                  + " role that may not run DDL: it then gets a \"pending migrations\" message"
                  + " naming the scripts rather than \"permission denied\".");

  /** The {@code migrationDatabaseUrl} setting. */
  public static final Setting<String> MIGRATION_DATABASE_URL =
      define(DATABASE, "migrationDatabaseUrl", "JOB_QUEUE_MIGRATION_DATABASE_URL", TEXT, null)
          .check(postgresUrl())
          .sensitivity(Sensitivity.URL)
          .meaning(
              "A direct connection (or one through a session-mode pooler) that `initialize()`"
                  + " applies the migrations over, instead of the main connection; required to"
                  + " migrate when the main connection goes through a pooler in transaction mode."
                  + " Credentials from the URL, else `databaseUser`/`databasePassword`, else the"
                  + " main URL's. Used only while migrating; never printed with credentials. The"
                  + " builder's `migrationDataSource(...)` does the same with a `DataSource`.");

  /** The {@code migrationLockTimeout} setting. */
  public static final Setting<Duration> MIGRATION_LOCK_TIMEOUT =
      define(
              DATABASE,
              "migrationLockTimeout",
              "JOB_QUEUE_MIGRATION_LOCK_TIMEOUT",
              MILLIS,
              ofMinutes(2))
          .check(between(ofSeconds(1), ofHours(1)))
          .meaning(
              "How long `initialize()` waits while another node migrates the same schema; then"
                  + " it fails with an error naming the session that holds the migration lock.");

  /** The {@code transactionPooling} setting. */
  public static final Setting<Boolean> TRANSACTION_POOLING =
      define(DATABASE, "transactionPooling", "JOB_QUEUE_TRANSACTION_POOLING", FLAG, false)
          .meaning(
              "The connections go through a pooler in transaction mode (PgBouncer `pool_mode ="
                  + " transaction`). `initialize()` detects such a pooler anyway and then acts as"
                  + " if this were true, with a warning. When true: the library's own pool sets"
                  + " `prepareThreshold=0`, a `DataSource` passed in must have it (else"
                  + " `initialize()` refuses), nothing `LISTEN`s (pools poll every"
                  + " `pollInterval`), and migrations run only over"
                  + " `migrationDatabaseUrl`/`migrationDataSource`. See `docs/operations.md`.");

  /** The {@code databaseUrl} setting. */
  public static final Setting<String> DATABASE_URL =
      define(DATABASE, "databaseUrl", "JOB_QUEUE_DATABASE_URL", TEXT, null)
          .check(postgresUrl())
          .sensitivity(Sensitivity.URL)
          .meaning(
              "`jdbc:postgresql://host:5432/db`, or `postgresql://user:pw@host/db` (converted),"
                  + " used when the builder gets no `DataSource` or URL. Credentials in it are"
                  + " never printed.");

  /** The {@code databaseUser} setting. */
  public static final Setting<String> DATABASE_USER =
      define(DATABASE, "databaseUser", "JOB_QUEUE_DATABASE_USER", TEXT, null)
          .meaning("User for that URL.");

  /** The {@code databasePassword} setting. */
  public static final Setting<String> DATABASE_PASSWORD =
      define(DATABASE, "databasePassword", "JOB_QUEUE_DATABASE_PASSWORD", TEXT, null)
          .sensitivity(Sensitivity.SECRET)
          .meaning("Password for that URL; never printed.");

  /** Every setting, in the order of the documentation. */
  public static final List<Setting<?>> ALL = List.copyOf(TABLE);

  /**
   * The rules between settings, checked when a configuration is built: each upper setting must be
   * at least its lower one.
   */
  public static final List<Ordering<?>> ORDERINGS =
      List.of(
          new Ordering<>(MAX_WORKERS, MIN_WORKERS),
          new Ordering<>(RETRY_MAX_DELAY, RETRY_BASE_DELAY));

  private static final Map<String, Setting<?>> BY_VARIABLE =
      Collections.unmodifiableMap(
          ALL.stream()
              .collect(Collectors.toMap(Setting::variable, s -> s, (a, b) -> a, TreeMap::new)));

  private Settings() {}

  /** {@return a new values array holding every setting's default} */
  public static Object[] defaults() {
    Object[] values = new Object[ALL.size()];
    for (Setting<?> setting : ALL) {
      values[setting.index()] = setting.defaultValue();
    }
    return values;
  }

  /**
   * Finds the setting an environment variable sets.
   *
   * @param variable a name such as {@code JOB_QUEUE_MAX_WORKERS}
   * @return the setting, or empty if no setting has that variable
   */
  public static Optional<Setting<?>> forVariable(String variable) {
    return Optional.ofNullable(BY_VARIABLE.get(variable));
  }

  /** {@return every setting's environment variable, sorted} */
  public static List<String> variables() {
    return List.copyOf(BY_VARIABLE.keySet());
  }

  /**
   * Shows a configuration's values as {@code JobQueueConfig.toString()} does: every setting in
   * table order, secrets redacted.
   *
   * @param typeName the name before the brackets
   * @param values a configuration's values
   * @return for example {@code JobQueueConfig[maxWorkers=5, minWorkers=1, ...]}
   */
  public static String describe(String typeName, Object[] values) {
    return ALL.stream()
        .map(setting -> setting.name() + "=" + setting.show(values))
        .collect(Collectors.joining(", ", typeName + "[", "]"));
  }

  private static <T> Setting.Draft<T> define(
      Group group, String name, String variable, ValueType<T> type, T defaultValue) {
    return new Setting.Draft<>(TABLE, group, name, variable, type, defaultValue);
  }
}
