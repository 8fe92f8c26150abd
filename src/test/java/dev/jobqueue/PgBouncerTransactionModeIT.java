package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.PgBouncer;
import dev.jobqueue.testing.PgBouncer.PoolMode;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The library behind a real PgBouncer (Debian's 1.18) in transaction mode, where session state
 * (server-side prepared statements, session advisory locks, {@code LISTEN}, {@code SET}) does not
 * survive a transaction: it refuses what cannot work with a clear message and creates nothing,
 * migrates over a direct connection, leaves no session state on the pooled server connections,
 * loses no acknowledged job, and picks jobs up by polling.
 *
 * <p>Each test has a PgBouncer of its own ({@value #POOL_SIZE} server connections) in front of
 * {@link TestDatabase}'s server; test-side SQL goes to the server directly.
 */
class PgBouncerTransactionModeIT {

  record Entry(int n) {}

  private static final int POOL_SIZE = 4;

  private static TestDatabase db;

  private PgBouncer bouncer;
  private String schema;
  private final List<JobQueueManager> managers = Collections.synchronizedList(new ArrayList<>());
  private final List<HikariDataSource> directPools = new ArrayList<>();

  @BeforeAll
  static void database() {
    db = TestDatabase.get();
  }

  @BeforeEach
  void setUp() {
    PgBouncer.assumeInstalled(PgBouncerTransactionModeIT.class);
    bouncer = PgBouncer.start(db, PoolMode.TRANSACTION, POOL_SIZE);
    schema = db.newSchema("pgbouncer_tx");
  }

  @AfterEach
  void tearDown() {
    if (bouncer == null) {
      return; // skipped: pgbouncer is not installed
    }
    try {
      synchronized (managers) {
        managers.forEach(JobQueueManager::shutdown);
        managers.clear();
      }
      directPools.forEach(HikariDataSource::close);
    } finally {
      bouncer.close();
      db.dropSchema(schema);
    }
  }

  // ---- a, b: refusals ---------------------------------------------------------------------------

  @Test
  void userDataSourceWithServerSidePreparesIsRefused() {
    HikariDataSource userPool = bouncer.newPool("user-pool", 10);
    JobQueueManager manager =
        track(
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(schema).build())
                .dataSource(userPool)
                // A direct migration connection, so that prepareThreshold is the only problem.
                .migrationDataSource(directPool("direct-migrations"))
                .build());

    assertThatThrownBy(manager::initialize)
        .isInstanceOf(JobQueueException.class)
        .hasMessageContaining("prepareThreshold=0");
    assertNothingCreated();
  }

  @Test
  void migrationsThroughTransactionModeWithoutMigrationConnectionAreRefused() {
    JobQueueManager manager =
        track(
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(schema).build())
                .jdbcUrl(bouncer.jdbcUrl(), db.user(), db.password())
                .build());

    assertThatThrownBy(manager::initialize)
        .isInstanceOf(JobQueueException.class)
        .hasMessageContaining("JOB_QUEUE_MIGRATION_DATABASE_URL");
    assertNothingCreated();
  }

  // ---- c: the ledger ----------------------------------------------------------------------------

  @Test
  void everyAcknowledgedJobCompletesExactlyOnceThroughTransactionMode() throws Exception {
    migrateDirectly();
    db.execute(
        "create table \"" + schema + "\".ledger (job_id bigint not null, node text not null)");
    db.execute("create table \"" + schema + "\".acknowledged (job_id bigint not null)");
    List<JobQueueManager> nodes = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      String node = "tx-node-" + i;
      JobQueueManager manager =
          track(
              JobQueueManager.builder()
                  .config(
                      JobQueueConfig.builder()
                          .schema(schema)
                          .nodeId(node)
                          .maxWorkers(4)
                          .pollInterval(Duration.ofMillis(100))
                          .leaseDuration(Duration.ofSeconds(30))
                          .migrationDatabaseUrl(db.directUrlWithoutCredentials())
                          .build())
                  .jdbcUrl(bouncer.jdbcUrl(), db.user(), db.password())
                  .handler(ledgerHandler(node))
                  .build());
      manager.initialize();
      nodes.add(manager);
    }

    int jobs = 3_000;
    int batch = 250;
    List<String> acknowledged = new ArrayList<>();
    for (int start = 0; start < jobs; start += batch) {
      List<CreateJobOptions> options = new ArrayList<>();
      for (int n = start; n < start + batch; n++) {
        options.add(CreateJobOptions.of("ledger", new Entry(n)));
      }
      List<String> ids = nodes.get((start / batch) % 2).createJobs(options);
      assertThat(ids).hasSize(batch);
      acknowledged.addAll(ids);
    }
    storeAcknowledged(acknowledged);
    assertThat(new HashSet<>(acknowledged)).hasSize(jobs);

    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> count("jobs where status in ('pending', 'running')") == 0);

    assertThat(count("jobs")).isEqualTo(jobs);
    assertThat(
            count(
                "acknowledged a where not exists (select 1 from "
                    + q("jobs")
                    + " j where j.id = a.job_id and j.status = 'completed')"))
        .as("acknowledged jobs that are not completed (or gone)")
        .isZero();
    assertThat(count("ledger")).as("ledger rows").isEqualTo(jobs);
    assertThat(
            count(
                "(select job_id from "
                    + q("ledger")
                    + " group by job_id having count(*) <> 1) not_once"))
        .as("jobs whose ledger count is not 1")
        .isZero();
    assertThat(
            count(
                "acknowledged a where not exists (select 1 from "
                    + q("ledger")
                    + " l where l.job_id = a.job_id)"))
        .as("acknowledged jobs without a ledger row")
        .isZero();
    for (JobQueueManager node : nodes) {
      assertThat(node.healthCheck().cluster().wakeup()).isEqualTo("polling");
      assertThat(node.workerPool().isListening()).isFalse();
    }
  }

  // ---- d, e: migrations, locks and session state ------------------------------------------------

  @Test
  void concurrentInitializationMigratesOverTheDirectConnectionAndLeavesNoSessionState()
      throws Exception {
    int count = 4;
    CountDownLatch ready = new CountDownLatch(count);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(count);
    try {
      List<Future<JobQueueManager>> started = new ArrayList<>();
      for (int i = 1; i <= count; i++) {
        String node = "tx-init-" + i;
        started.add(
            threads.submit(
                () -> {
                  JobQueueManager manager =
                      track(
                          JobQueueManager.builder()
                              .config(
                                  JobQueueConfig.builder()
                                      .schema(schema)
                                      .nodeId(node)
                                      .migrationDatabaseUrl(db.directUrlWithoutCredentials())
                                      .build())
                              .jdbcUrl(bouncer.jdbcUrl(), db.user(), db.password())
                              .handler(JobHandler.of("noop", Entry.class, (p, ctx) -> null))
                              .build());
                  ready.countDown();
                  go.await();
                  manager.initialize();
                  return manager;
                }));
      }
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      for (Future<JobQueueManager> future : started) {
        JobQueueManager manager = future.get(120, TimeUnit.SECONDS);
        assertThat(manager.workerPool().isListening()).isFalse();
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(db.queryLong("select (to_regclass('" + q("jobs") + "') is not null)::int"))
        .isEqualTo(1);
    shutdownManagers();

    assertThat(db.queryLong("select count(*) from pg_locks where locktype = 'advisory'"))
        .as("advisory locks held on the server")
        .isZero();
    assertNoSessionState();
  }

  @Test
  void withoutMigrationsTransactionModeInitializesAndLeavesNoSessionState() throws Exception {
    migrateDirectly();
    Set<String> done = ConcurrentHashMap.newKeySet();
    JobQueueManager manager =
        track(
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .runMigrations(false)
                        .pollInterval(Duration.ofMillis(100))
                        .build())
                .jdbcUrl(bouncer.jdbcUrl(), db.user(), db.password())
                .handler(
                    JobHandler.of(
                        "noop",
                        Entry.class,
                        (p, ctx) -> {
                          done.add(ctx.jobId());
                          return null;
                        }))
                .build());
    manager.initialize();
    String id = manager.createJob(CreateJobOptions.of("noop", new Entry(1)));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> manager.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(done).containsExactly(id);
    shutdownManagers();

    assertThat(db.queryLong("select count(*) from pg_locks where locktype = 'advisory'"))
        .as("advisory locks held on the server")
        .isZero();
    assertNoSessionState();
  }

  // ---- f: polling -------------------------------------------------------------------------------

  @Test
  void jobsFromAnotherManagerArePickedUpByPolling() {
    migrateDirectly();
    Duration pollInterval = Duration.ofMillis(500);
    Map<String, Long> startedAt = new ConcurrentHashMap<>();
    JobQueueManager worker =
        track(
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .pollInterval(pollInterval)
                        .migrationDatabaseUrl(db.directUrlWithoutCredentials())
                        .build())
                .jdbcUrl(bouncer.jdbcUrl(), db.user(), db.password())
                .handler(
                    JobHandler.of(
                        "noop",
                        Entry.class,
                        (p, ctx) -> {
                          startedAt.putIfAbsent(ctx.jobId(), System.nanoTime());
                          return null;
                        }))
                .build());
    worker.initialize();
    JobQueueManager enqueuer =
        track(
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .runWorkers(false)
                        .migrationDatabaseUrl(db.directUrlWithoutCredentials())
                        .build())
                .jdbcUrl(bouncer.jdbcUrl(), db.user(), db.password())
                .handler(JobHandler.of("noop", Entry.class, (p, ctx) -> null))
                .build());
    enqueuer.initialize();

    Duration allowed = pollInterval.plusSeconds(3);
    for (int n = 1; n <= 3; n++) {
      long created = System.nanoTime();
      String id = enqueuer.createJob(CreateJobOptions.of("noop", new Entry(n)));
      await()
          .atMost(allowed.plusSeconds(5))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> startedAt.containsKey(id));
      assertThat(Duration.ofNanos(startedAt.get(id) - created))
          .as("pickup of job %s created by another manager", id)
          .isLessThanOrEqualTo(allowed);
    }
    assertThat(worker.healthCheck().cluster().wakeup()).isEqualTo("polling");
    assertThat(worker.workerPool().isListening()).isFalse();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private JobQueueManager track(JobQueueManager manager) {
    managers.add(manager);
    return manager;
  }

  private void shutdownManagers() {
    synchronized (managers) {
      managers.forEach(JobQueueManager::shutdown);
      managers.clear();
    }
  }

  private HikariDataSource directPool(String name) {
    HikariDataSource pool =
        db.newPool(name, 4, config -> config.setJdbcUrl(db.directUrlWithoutCredentials()));
    directPools.add(pool);
    return pool;
  }

  /** Applies the migrations over a direct connection. */
  private void migrateDirectly() {
    JobQueueManager manager =
        JobQueueManager.builder()
            .config(JobQueueConfig.builder().schema(schema).runWorkers(false).build())
            .dataSource(directPool("direct-migrate"))
            .build();
    manager.initialize();
    manager.shutdown();
  }

  private JobHandler<Entry> ledgerHandler(String node) {
    return JobHandler.of(
        "ledger",
        Entry.class,
        (entry, ctx) ->
            ctx.completeInTransaction(
                connection -> {
                  try (PreparedStatement insert =
                      connection.prepareStatement(
                          "insert into " + q("ledger") + " (job_id, node) values (?, ?)")) {
                    insert.setLong(1, Long.parseLong(ctx.jobId()));
                    insert.setString(2, node);
                    insert.executeUpdate();
                  }
                  return null;
                }));
  }

  private void storeAcknowledged(List<String> ids) throws SQLException {
    try (Connection connection = directConnection();
        PreparedStatement insert =
            connection.prepareStatement("insert into " + q("acknowledged") + " values (?)")) {
      for (String id : ids) {
        insert.setLong(1, Long.parseLong(id));
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /**
   * Pins every server connection PgBouncer may hold for the test user ({@code default_pool_size}),
   * each under a client connection in an open transaction, and checks that none carries session
   * state left by the code under test: no server-side prepared statement, the server's default
   * {@code search_path}, no {@code SET ROLE}, no {@code LISTEN}. A server connection PgBouncer
   * closed meanwhile took its state with it; the pinned ones are all that exist (as {@code SHOW
   * SERVERS} lists them).
   */
  private void assertNoSessionState() throws SQLException {
    String defaultSearchPath;
    try (Connection direct = directConnection()) {
      defaultSearchPath = queryString(direct, "select current_setting('search_path')");
    }
    List<Connection> pinned = new ArrayList<>();
    Set<Integer> pids = new HashSet<>();
    try {
      for (int i = 0; i < bouncer.poolSize(); i++) {
        // prepareThreshold=0: these connections prepare nothing server-side themselves (pgjdbc
        // otherwise prepares even its first ROLLBACK as a named statement).
        Connection connection =
            DriverManager.getConnection(
                bouncer.jdbcUrl() + "?prepareThreshold=0", bouncer.user(), bouncer.password());
        pinned.add(connection);
        connection.setAutoCommit(false);
        int pid = queryInt(connection, "select pg_backend_pid()");
        pids.add(pid);
        assertThat(
                queryString(
                    connection,
                    "select coalesce(string_agg(name || ': ' || statement, '; '), '')"
                        + " from pg_prepared_statements"))
            .as("server-side prepared statements left on backend %d", pid)
            .isEmpty();
        assertThat(queryString(connection, "select current_setting('search_path')"))
            .as("search_path on backend %d", pid)
            .isEqualTo(defaultSearchPath);
        assertThat(queryString(connection, "select (current_user = session_user)::text"))
            .as("current_user = session_user on backend %d", pid)
            .isEqualTo("true");
        assertThat(queryInt(connection, "select count(*) from pg_listening_channels()"))
            .as("channels backend %d listens on", pid)
            .isZero();
      }
      assertThat(pids).as("distinct pinned backends").hasSize(bouncer.poolSize());
      assertThat(new HashSet<>(bouncer.serverPids()))
          .as("PgBouncer's server connections (SHOW SERVERS)")
          .isEqualTo(pids);
    } finally {
      for (Connection connection : pinned) {
        connection.rollback();
        connection.close();
      }
    }
  }

  private void assertNothingCreated() {
    assertThat(
            db.queryLong(
                "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    + " where n.nspname = '"
                    + schema
                    + "'"))
        .as("relations created in schema %s", schema)
        .isZero();
  }

  private long count(String fromWhere) {
    return db.queryLong("select count(*) from " + qualifyFirst(fromWhere));
  }

  /** Qualifies the leading table name of {@code "jobs where ..."} with the schema. */
  private String qualifyFirst(String fromWhere) {
    return fromWhere.startsWith("(") ? fromWhere : q(fromWhere);
  }

  private String q(String tableAndRest) {
    return "\"" + schema + "\"." + tableAndRest;
  }

  private Connection directConnection() throws SQLException {
    return DriverManager.getConnection(db.directUrlWithoutCredentials(), db.user(), db.password());
  }

  private static int queryInt(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
