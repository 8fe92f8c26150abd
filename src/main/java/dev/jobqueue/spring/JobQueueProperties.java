package dev.jobqueue.spring;

import dev.jobqueue.RetryStrategy;
import dev.jobqueue.dashboard.Dashboard;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code jobqueue.*} properties of a Spring Boot application: one per setting of {@link
 * dev.jobqueue.JobQueueConfig}, named as its builder setter in kebab case ({@code maxWorkers} is
 * {@code jobqueue.max-workers}), with the same default, plus {@code jobqueue.enabled} and {@code
 * jobqueue.keep-alive}. Boot's relaxed binding applies: {@code JOBQUEUE_MAX_WORKERS} in the
 * environment sets {@code jobqueue.max-workers}, and durations are written {@code 500ms}, {@code
 * 10s} or {@code 5m} (a bare number is milliseconds). The library's {@code JOB_QUEUE_*} variables
 * are not read here. A value the library rejects fails the start with an error naming the property
 * and the value.
 *
 * @param enabled Whether the auto-configuration creates a manager at all.
 * @param keepAlive Whether a worker node keeps the JVM alive while its manager runs, with a
 *     non-daemon thread; without one, an application that serves no web requests would exit right
 *     after it started, since the library's own threads are daemon threads.
 * @param maxWorkers Most workers (threads running jobs) at once.
 * @param minWorkers Workers kept when idle.
 * @param queues The queues this node serves, each with workers of its own: name or *
 *     name:maxWorkers, comma-separated. A queue without a count has between minWorkers and
 *     maxWorkers workers.
 * @param maxJobsPerWorker Claimed jobs the pool may hold per worker: the one it runs plus those
 *     waiting in the local queue. Bigger claims serve many short jobs faster; 1 claims only what
 *     idle workers start at once, fairer when jobs are long and several nodes share the queue.
 * @param pollInterval How often an idle pool polls when no notification wakes it. Jobs created in
 *     the same JVM, and NOTIFY from other nodes, wake it at once; retries and scheduled jobs wake
 *     it when they fall due.
 * @param workerIdleTimeout An idle worker retires after this, down to minWorkers.
 * @param workerTimeout A worker busy with one job for longer is reported stuck (health * degraded).
 *     It does not interrupt anything; timeoutSeconds does.
 * @param gracefulShutdownTimeout How long shutdown() waits for running jobs before interrupting
 *     them and putting them back to pending.
 * @param useVirtualThreads Run workers on virtual threads. Needs Java 21+; on older runtimes *
 *     initialize() fails with a clear error.
 * @param runWorkers Start the worker pool on initialize(). False for nodes that only enqueue and
 *     query.
 * @param nodeId This node's id in locked_by and the nodes table. Must be unique among live nodes.
 * @param defaultMaxRetries Retries a job may use after its first attempt, when createJob does not
 *     say.
 * @param defaultTimeoutSeconds How long one attempt may run, when createJob does not say.
 * @param retryStrategy Delay before retry n: base; base × n; base × 2^(n−1).
 * @param retryBaseDelay The strategy's base.
 * @param retryMaxDelay Cap on any delay.
 * @param retryJitter Spreads a delay d uniformly over [d × (1 − jitter), d]. Off by default so
 *     delays are exactly the strategy's.
 * @param maxSnoozes How often one job may snooze (SnoozeJobException), unless its handler's policy
 *     says; a snooze beyond it counts as a failed attempt.
 * @param missedRunThreshold A schedule's occurrence enqueued later than this after its time was
 *     missed (its missed-run policy decides); a due one older than this makes health * degraded.
 * @param allowUnknownTypes Accept types without a local handler (checked as JSON only), for nodes
 *     that enqueue jobs other nodes run.
 * @param maxPayloadBytes Largest payload (and result), in bytes of JSON.
 * @param leaseDuration How long a claim lasts without renewal. Each node renews all its leases
 *     every third of this; a node that cannot renew in time abandons its attempts.
 * @param rescueInterval The longest an orphaned job waits once its lease has expired. Every node
 *     looks every quarter of this for jobs whose lease expired and takes them back; they keep their
 *     place in the queue, and every node with room claims them at once, ahead of what it has
 *     queued. A dead node's job (running, or waiting in its local queue) runs again within *
 *     leaseDuration + rescueInterval of its last lease renewal; if every worker that can run it is
 *     busy then, add the time until one is free. Jobs of a higher priority that are due go first.
 * @param healthCheckTimeout Longest healthCheck() waits for the database before answering
 *     unhealthy.
 * @param healthMaxQueueLag The oldest due job waiting longer makes health degraded.
 * @param enableMetrics Log a metrics line every metricsInterval.
 * @param metricsInterval Its period.
 * @param completedJobRetention Completed and cancelled jobs are deleted this long after they
 *     finished; 0 keeps them.
 * @param failedJobRetention The same for failed jobs.
 * @param pruneInterval How often a node tries to prune; one node prunes at a time.
 * @param pruneBatchSize Most jobs one pruning transaction deletes.
 * @param schema Schema of the library's tables. Any other name is refused when the configuration is
 *     built, so it never needs quoting.
 * @param runMigrations Apply the library's migrations on initialize(); if false, only check that
 *     none is pending (see docs/operations.md). Set it to false for an application role that may
 *     not run DDL: it then gets a "pending migrations" message naming the scripts rather than
 *     "permission denied".
 * @param migrationDatabaseUrl A direct connection (or one through a session-mode pooler) that
 *     initialize() applies the migrations over, instead of the main connection; required to migrate
 *     when the main connection goes through a pooler in transaction mode. Credentials from the URL,
 *     else databaseUser/databasePassword, else the main URL's. Used only while migrating; never
 *     printed with credentials. The builder's * migrationDataSource(...) does the same with a
 *     DataSource.
 * @param migrationLockTimeout How long initialize() waits while another node migrates the same
 *     schema; then it fails with an error naming the session that holds the migration lock.
 * @param transactionPooling The connections go through a pooler in transaction mode (PgBouncer
 *     pool_mode = transaction). initialize() detects such a pooler anyway and then acts as if this
 *     were true, with a warning. When true: the library's own pool sets * prepareThreshold=0, a
 *     DataSource passed in must have it (else initialize() refuses), nothing LISTENs (pools poll
 *     every pollInterval), and migrations run only over migrationDatabaseUrl/migrationDataSource.
 *     See * docs/operations.md.
 * @param databaseUrl jdbc:postgresql://host:5432/db, or * postgresql://user:pw@host/db (converted),
 *     used when the builder gets no DataSource or URL. Credentials in it are never printed.
 * @param databaseUser User for that URL.
 * @param databasePassword Password for that URL; never printed.
 * @param dashboard The web dashboard, served by the application's Servlet container when enabled
 *     (see docs/dashboard.md).
 */
@ConfigurationProperties("jobqueue")
public record JobQueueProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("true") boolean keepAlive,
    @DefaultValue("5") int maxWorkers,
    @DefaultValue("1") int minWorkers,
    @DefaultValue("default") List<String> queues,
    @DefaultValue("10") int maxJobsPerWorker,
    @DefaultValue("1s") Duration pollInterval,
    @DefaultValue("1m") Duration workerIdleTimeout,
    @DefaultValue("5m") Duration workerTimeout,
    @DefaultValue("30s") Duration gracefulShutdownTimeout,
    @DefaultValue("false") boolean useVirtualThreads,
    @DefaultValue("true") boolean runWorkers,
    String nodeId,
    @DefaultValue("3") int defaultMaxRetries,
    @DefaultValue("300") int defaultTimeoutSeconds,
    @DefaultValue("exponential") RetryStrategy retryStrategy,
    @DefaultValue("1s") Duration retryBaseDelay,
    @DefaultValue("1m") Duration retryMaxDelay,
    @DefaultValue("0.0") double retryJitter,
    @DefaultValue("100") int maxSnoozes,
    @DefaultValue("1m") Duration missedRunThreshold,
    @DefaultValue("false") boolean allowUnknownTypes,
    @DefaultValue("1048576") int maxPayloadBytes,
    @DefaultValue("30s") Duration leaseDuration,
    @DefaultValue("10s") Duration rescueInterval,
    @DefaultValue("5s") Duration healthCheckTimeout,
    @DefaultValue("5m") Duration healthMaxQueueLag,
    @DefaultValue("false") boolean enableMetrics,
    @DefaultValue("1m") Duration metricsInterval,
    @DefaultValue("7d") Duration completedJobRetention,
    @DefaultValue("30d") Duration failedJobRetention,
    @DefaultValue("1m") Duration pruneInterval,
    @DefaultValue("1000") int pruneBatchSize,
    @DefaultValue("jobqueue") String schema,
    @DefaultValue("true") boolean runMigrations,
    String migrationDatabaseUrl,
    @DefaultValue("2m") Duration migrationLockTimeout,
    @DefaultValue("false") boolean transactionPooling,
    String databaseUrl,
    String databaseUser,
    String databasePassword,
    @DefaultValue DashboardProperties dashboard) {

  /**
   * The {@code jobqueue.dashboard.*} properties: the dashboard mounted in the application's Servlet
   * container. Users are signed in by Spring Security when it is on the class path (by the
   * authorities below), else by the dashboard's login form against {@code users}; a {@code
   * DashboardAuthenticator} bean replaces both.
   *
   * @param enabled Serve the dashboard. Off by default.
   * @param path Where: a path below the context path, without a trailing slash.
   * @param users Users of the login form when Spring Security is absent: name:role:hash, one per
   *     entry, with role viewer, operator or admin and a hash from PasswordHash.
   * @param refreshInterval How often the pages refresh their figures.
   * @param sessionIdleTimeout How long a session lasts without requests.
   * @param secureCookies When session cookies are Secure: auto (on HTTPS), always or never.
   * @param trustForwardedHeaders Believe X-Forwarded-Proto and X-Forwarded-For: only behind a proxy
   *     that sets them.
   * @param adminAuthority The Spring Security authority of admins.
   * @param operatorAuthority The Spring Security authority of operators.
   * @param viewerAuthority The Spring Security authority of viewers.
   */
  public record DashboardProperties(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("/jobqueue") String path,
      List<String> users,
      @DefaultValue("5s") Duration refreshInterval,
      @DefaultValue("30m") Duration sessionIdleTimeout,
      @DefaultValue("auto") Dashboard.SecureCookies secureCookies,
      @DefaultValue("false") boolean trustForwardedHeaders,
      @DefaultValue("ROLE_JOBQUEUE_ADMIN") String adminAuthority,
      @DefaultValue("ROLE_JOBQUEUE_OPERATOR") String operatorAuthority,
      @DefaultValue("ROLE_JOBQUEUE_VIEWER") String viewerAuthority) {}
}
