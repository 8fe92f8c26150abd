package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Enqueueing inside the caller's transaction: the job commits and rolls back with the caller's own
 * work. The manager reads through the shared pool, the caller writes through a pool of its own, so
 * the two never share a connection.
 */
class TransactionalEnqueueIT {

  record Order(String orderId) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .withManager(JobHandler.of("order-placed", Order.class, (p, c) -> null))
          .withSql("create table {schema}.orders (id text primary key)");

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final JobQueueManager manager = jobqueue.manager();
  private Connection tx;

  @BeforeEach
  void openTransaction() throws SQLException {
    // The caller's own pool, closed by the extension after the test.
    tx = jobqueue.newPool("transactional-enqueue-app", 2).getConnection();
    tx.setAutoCommit(false);
  }

  @AfterEach
  void closeTransaction() throws SQLException {
    if (!tx.getAutoCommit()) {
      tx.rollback();
    }
    tx.setAutoCommit(true);
    tx.close();
  }

  @Test
  void jobIsInvisibleUntilTheCallerCommits() throws SQLException {
    String id = manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-1")));

    assertThat(id).matches("[1-9][0-9]*");
    assertThat(manager.getJob(id)).isEmpty();
    assertThat(manager.getJobs(byOrder("o-1"))).isEmpty();
    assertThat(cancelIsRefused(id)).isTrue();

    tx.commit();

    Job job = manager.getJob(id).orElseThrow();
    assertThat(job.status()).isEqualTo(JobStatus.PENDING);
    assertThat(job.payloadAs(Order.class)).isEqualTo(new Order("o-1"));
    assertThat(manager.getJobs(byOrder("o-1"))).extracting(Job::id).containsExactly(id);
  }

  @Test
  void jobNeverAppearsWhenTheCallerRollsBack() throws SQLException {
    long rowsBefore = rows.count();
    String id = manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-2")));

    tx.rollback();

    assertThat(manager.getJob(id)).isEmpty();
    assertThat(manager.getJobs(byOrder("o-2"))).isEmpty();
    assertThat(rows.count()).isEqualTo(rowsBefore);
  }

  @Test
  void callersOwnInsertCommitsTogetherWithTheJob() throws SQLException {
    insertOrder("o-3");
    String id = manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-3")));
    assertThat(orderExists("o-3")).isFalse();

    tx.commit();

    assertThat(orderExists("o-3")).isTrue();
    assertThat(manager.getJob(id)).isPresent();
  }

  @Test
  void callersOwnInsertRollsBackTogetherWithTheJob() throws SQLException {
    insertOrder("o-4");
    String id = manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-4")));

    tx.rollback();

    assertThat(orderExists("o-4")).isFalse();
    assertThat(manager.getJob(id)).isEmpty();
  }

  @Test
  void createJobsInATransactionCommitsAllTogether() throws SQLException {
    insertOrder("o-5");
    List<String> ids =
        manager.createJobs(
            tx,
            List.of(
                CreateJobOptions.of("order-placed", new Order("o-5")),
                CreateJobOptions.of("order-placed", new Order("o-6")),
                CreateJobOptions.of("order-placed", new Order("o-7"))));
    assertThat(ids).hasSize(3);
    assertThat(ids).allSatisfy(id -> assertThat(manager.getJob(id)).isEmpty());

    tx.commit();

    assertThat(orderExists("o-5")).isTrue();
    assertThat(ids)
        .extracting(id -> manager.getJob(id).orElseThrow().payloadAs(Order.class).orderId())
        .containsExactly("o-5", "o-6", "o-7");
  }

  @Test
  void createJobsInATransactionRollsBackAllTogether() throws SQLException {
    long rowsBefore = rows.count();
    insertOrder("o-8");
    List<String> ids =
        manager.createJobs(
            tx,
            List.of(
                CreateJobOptions.of("order-placed", new Order("o-8")),
                CreateJobOptions.of("order-placed", new Order("o-9"))));

    tx.rollback();

    assertThat(orderExists("o-8")).isFalse();
    assertThat(ids).allSatisfy(id -> assertThat(manager.getJob(id)).isEmpty());
    assertThat(rows.count()).isEqualTo(rowsBefore);
  }

  @Test
  void validationFailureLeavesTheCallersTransactionUsable() throws SQLException {
    insertOrder("o-10");
    String good = manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-10")));

    assertThatThrownBy(
            () -> manager.createJob(tx, CreateJobOptions.of("order-placed", Map.of("nope", 1))))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("payload.nope");
    assertThatThrownBy(
            () ->
                manager.createJobs(
                    tx,
                    List.of(
                        CreateJobOptions.of("order-placed", new Order("o-11")),
                        CreateJobOptions.of("unknown-type", Map.of()))))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("jobs[1].type");

    insertOrder("o-12");
    tx.commit();

    assertThat(orderExists("o-10")).isTrue();
    assertThat(orderExists("o-12")).isTrue();
    assertThat(manager.getJob(good)).isPresent();
    assertThat(manager.getJobs(byOrder("o-11"))).isEmpty();
  }

  @Test
  void enqueueOnAnAbortedTransactionFailsWithAJobStoreException() throws SQLException {
    abortTransaction();

    assertThatThrownBy(
            () -> manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-13"))))
        .isInstanceOf(JobStoreException.class)
        .hasMessageContaining("insert jobs in the caller's transaction");
    tx.rollback();
    assertThat(manager.getJobs(byOrder("o-13"))).isEmpty();
  }

  @Test
  void enqueueOnAnAbortedTransactionSaysTheTransactionIsAborted() throws SQLException {
    abortTransaction();

    assertThatThrownBy(
            () -> manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-16"))))
        .isInstanceOf(JobStoreException.class)
        .hasMessageContaining("current transaction is aborted");
  }

  private void abortTransaction() throws SQLException {
    try (Statement statement = tx.createStatement()) {
      assertThatThrownBy(() -> statement.execute("select 1/0")).isInstanceOf(SQLException.class);
    }
  }

  @Test
  void enqueueOnAnAutoCommitConnectionIsCommittedAtOnce() throws SQLException {
    tx.setAutoCommit(true);

    String id = manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-14")));

    assertThat(manager.getJob(id)).isPresent();
  }

  @Test
  void managerNeitherCommitsNorClosesTheCallersConnection() throws SQLException {
    manager.createJob(tx, CreateJobOptions.of("order-placed", new Order("o-15")));

    assertThat(tx.isClosed()).isFalse();
    assertThat(tx.getAutoCommit()).isFalse();
    assertThat(manager.getJobs(byOrder("o-15"))).isEmpty();
  }

  @Test
  void nullConnectionIsRefused() {
    assertThatThrownBy(
            () -> manager.createJob(null, CreateJobOptions.of("order-placed", new Order("o"))))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("transaction");
  }

  private boolean cancelIsRefused(String id) {
    // cancelJob runs on another connection and must not see the uncommitted row either.
    return !manager.cancelJob(id);
  }

  private static JobFilters byOrder(String orderId) {
    return JobFilters.builder().payloadContains(Map.of("orderId", orderId)).build();
  }

  private void insertOrder(String id) throws SQLException {
    try (PreparedStatement statement =
        tx.prepareStatement("insert into " + schema + ".orders (id) values (?)")) {
      statement.setString(1, id);
      statement.executeUpdate();
    }
  }

  private boolean orderExists(String id) {
    return db.queryLong("select count(*) from " + schema + ".orders where id = '" + id + "'") == 1;
  }
}
