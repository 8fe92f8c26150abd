package dev.jobqueue.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.EnqueueResult;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.UniqueOptions;
import dev.jobqueue.testing.JobQueueExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The library inside Spring's own transactions ({@code DataSourceTransactionManager}, {@code
 * TransactionTemplate}, {@code TransactionAwareDataSourceProxy}), without Spring Boot: with the
 * {@link SpringTransactionBridge}, {@code createJob(options)} joins the transaction; without it, a
 * transaction-aware proxy handed to the builder can no longer commit the application's transaction
 * half-way, which it did before: the enqueue fails and the rollback works.
 */
class SpringTransactionsIT {

  record Note(String text) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final List<String> ran = new CopyOnWriteArrayList<>();
  private final AtomicLong ranAt = new AtomicLong();
  private HikariDataSource pool;
  private TransactionAwareDataSourceProxy proxy;
  private TransactionTemplate transactions;
  private JdbcTemplate jdbc;
  private String orders;

  @BeforeEach
  void setUp() throws SQLException {
    pool = jobqueue.newPool("spring-tx", 6);
    proxy = new TransactionAwareDataSourceProxy(pool);
    transactions = new TransactionTemplate(new DataSourceTransactionManager(pool));
    jdbc = new JdbcTemplate(pool);
    orders = jobqueue.schema() + ".spring_orders";
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("create table if not exists " + orders + " (id int primary key)");
      s.execute("truncate " + orders);
    }
  }

  private JobQueueManager start(boolean bridged) {
    JobQueueManager.Builder builder =
        JobQueueManager.builder()
            .config(jobqueue.fastConfig().build())
            .dataSource(bridged ? pool : proxy)
            .handler(
                JobHandler.of(
                    "note",
                    Note.class,
                    (payload, ctx) -> {
                      ran.add(ctx.jobId());
                      ranAt.set(System.nanoTime());
                      return null;
                    }));
    if (bridged) {
      // Built on the proxy, the bridge finds the transactions bound to the pool behind it.
      builder.transactionBridge(new SpringTransactionBridge(proxy));
    }
    return jobqueue.start(builder);
  }

  private static CreateJobOptions note() {
    return CreateJobOptions.of("note", new Note("order placed"));
  }

  private long orderCount() {
    return jdbc.queryForObject("select count(*) from " + orders, Long.class);
  }

  @Test
  void aJobCreatedInsideARolledBackTransactionDoesNotExist() {
    JobQueueManager manager = start(true);
    String[] id = new String[1];
    transactions.executeWithoutResult(
        status -> {
          jdbc.update("insert into " + orders + " values (1)");
          id[0] = manager.createJob(note());
          status.setRollbackOnly();
        });
    assertThat(orderCount()).isZero();
    assertThat(manager.getJob(id[0])).as("the rolled-back job").isEmpty();
    assertThat(jobqueue.rows().where("true")).isEmpty();
  }

  @Test
  void aJobCreatedInsideACommittedTransactionRunsAfterTheCommit() throws Exception {
    JobQueueManager manager = start(true);
    String[] id = new String[1];
    long[] committed = new long[1];
    transactions.executeWithoutResult(
        status -> {
          jdbc.update("insert into " + orders + " values (2)");
          id[0] = manager.createJob(note());
          // Not visible outside the transaction yet, and not run.
          assertThat(jobqueue.rows().find(id[0])).isEmpty();
          sleep(300);
          assertThat(ran).isEmpty();
          committed[0] = System.nanoTime();
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains(id[0]));
    assertThat(orderCount()).isEqualTo(1);
    assertThat(manager.getJob(id[0]).orElseThrow().status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(Duration.ofNanos(ranAt.get() - committed[0]))
        .as("woken after the commit, not at the next poll")
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void outsideATransactionTheJobCommitsOnItsOwn() {
    JobQueueManager manager = start(true);
    String id = manager.createJob(note());
    assertThat(jobqueue.rows().find(id)).isPresent();
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains(id));
  }

  @Test
  void aUniqueJobsKeyHeldInsideTheTransactionIsAnAnswerAndTheTransactionGoesOn() {
    JobQueueManager manager = start(true);
    CreateJobOptions unique =
        CreateJobOptions.builder("note", new Note("once"))
            .unique(UniqueOptions.byKey("order-3"))
            .build();
    EnqueueResult[] results = new EnqueueResult[2];
    transactions.executeWithoutResult(
        status -> {
          results[0] = manager.enqueue(unique);
          results[1] = manager.enqueue(unique);
          jdbc.update("insert into " + orders + " values (3)");
        });
    assertThat(results[0].outcome()).isEqualTo(EnqueueResult.Outcome.CREATED);
    assertThat(results[1].isDuplicate()).isTrue();
    assertThat(results[1].id()).isEqualTo(results[0].id());
    assertThat(orderCount()).isEqualTo(1);
  }

  @Test
  void theLibrarysOwnReadsInsideATransactionUseConnectionsOfTheirOwn() {
    JobQueueManager manager = start(true);
    String existing = manager.createJob(note());
    transactions.executeWithoutResult(
        status -> {
          Connection bound = DataSourceUtils.getConnection(pool);
          jdbc.update("insert into " + orders + " values (4)");
          assertThat(manager.getJob(existing)).isPresent();
          assertThat(manager.healthCheck().status()).isNotNull();
          try {
            assertThat(bound.getAutoCommit()).as("the transaction's connection").isFalse();
          } catch (SQLException e) {
            throw new AssertionError(e);
          } finally {
            DataSourceUtils.releaseConnection(bound, pool);
          }
          status.setRollbackOnly();
        });
    assertThat(orderCount()).as("the rollback still works").isZero();
  }

  @Test
  void withoutTheBridgeAProxyCannotCommitTheApplicationsTransactionHalfWay() {
    JobQueueManager manager = start(false);
    assertThatThrownBy(
            () ->
                transactions.executeWithoutResult(
                    status -> {
                      jdbc.update("insert into " + orders + " values (5)");
                      manager.createJob(note());
                    }))
        .hasStackTraceContaining("createJob(connection, options)");
    assertThat(orderCount()).as("the order rolled back with the transaction").isZero();
    assertThat(jobqueue.rows().where("true")).as("no job was stored").isEmpty();
  }

  @Test
  void aTransactionOnAnotherDataSourceIsNotJoined() {
    JobQueueManager manager = start(true);
    HikariDataSource other = jobqueue.newPool("spring-tx-other", 2);
    TransactionTemplate elsewhere =
        new TransactionTemplate(new DataSourceTransactionManager(other));
    String[] id = new String[1];
    elsewhere.executeWithoutResult(
        status -> {
          id[0] = manager.createJob(note());
          status.setRollbackOnly();
        });
    assertThat(jobqueue.rows().find(id[0])).as("committed on its own").isPresent();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
