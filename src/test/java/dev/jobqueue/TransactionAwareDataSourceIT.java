package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.internal.ForwardingDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A data source that hands out the connection of the calling thread's transaction, the way Spring's
 * {@code TransactionAwareDataSourceProxy} does, must never have that transaction committed, rolled
 * back or switched to auto-commit by the library: the library refuses such a connection, and its
 * own work runs on connections of its own.
 */
class TransactionAwareDataSourceIT {

  record Note(String text) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final JobRows rows = jobqueue.rows();
  private final String orders = jobqueue.schema() + ".app_orders";
  private final AtomicInteger ran = new AtomicInteger();
  private HikariDataSource pool;
  private ThreadBound proxy;
  private JobQueueManager manager;

  @BeforeEach
  void start() throws SQLException {
    pool = jobqueue.newPool("tx-aware", 6);
    proxy = new ThreadBound(pool);
    manager =
        jobqueue.start(
            jobqueue.fastConfig().build(),
            proxy,
            JobHandler.of(
                "note",
                Note.class,
                (payload, ctx) -> {
                  ran.incrementAndGet();
                  return null;
                }));
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("create table if not exists " + orders + " (id int primary key)");
      s.execute("truncate " + orders);
    }
  }

  @AfterEach
  void unbind() throws SQLException {
    proxy.endIfOpen();
  }

  private static CreateJobOptions note() {
    return CreateJobOptions.of("note", new Note("order placed"));
  }

  private long orderCount() throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        var r = s.executeQuery("select count(*) from " + orders)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void aTransactionThatHasWrittenIsNeitherCommittedNorSwitchedAndStillRollsBack()
      throws SQLException {
    Connection tx = proxy.begin();
    try (Statement s = tx.createStatement()) {
      s.execute("insert into " + orders + " values (1)");
    }

    assertThatThrownBy(() -> manager.createJob(note()))
        .isInstanceOf(JobStoreException.class)
        .hasMessageContaining("a connection with a transaction open on it (OPEN)")
        .hasMessageContaining("createJob(connection, options)");

    assertThat(tx.getAutoCommit())
        .as("the caller's connection is still in manual commit")
        .isFalse();
    assertThat(orderCount()).as("the caller's insert is not committed").isZero();
    proxy.rollback();
    assertThat(orderCount()).isZero();
    assertThat(rows.count()).isZero();
  }

  @Test
  void aTransactionThatHasNotRunAStatementYetFindsItsConnectionAsItLeftIt() throws SQLException {
    // Nothing tells this connection from a fresh one of a pool in manual-commit mode: no
    // transaction is open on it. The job commits on its own, and the connection is switched back.
    Connection tx = proxy.begin();

    String id = manager.createJob(note());

    assertThat(tx.getAutoCommit()).as("switched back to manual commit").isFalse();
    try (Statement s = tx.createStatement()) {
      s.execute("insert into " + orders + " values (2)");
    }
    proxy.rollback();
    assertThat(orderCount()).as("the rollback undid the caller's insert").isZero();
    assertThat(manager.getJob(id)).as("the job committed on its own").isPresent();
  }

  @Test
  void insideTheTransactionAJobJoinsItThroughItsConnection() throws SQLException {
    Connection tx = proxy.begin();
    try (Statement s = tx.createStatement()) {
      s.execute("insert into " + orders + " values (3)");
    }
    manager.createJob(tx, note());
    proxy.rollback();
    assertThat(orderCount()).isZero();
    assertThat(rows.count()).as("the rolled-back transaction's job").isZero();

    Connection again = proxy.begin();
    try (Statement s = again.createStatement()) {
      s.execute("insert into " + orders + " values (4)");
    }
    manager.createJob(again, note());
    proxy.commit();
    assertThat(orderCount()).isOne();
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
  }

  @Test
  void outsideATransactionAndOnTheLibrarysThreadsTheProxyHandsOutPlainConnections()
      throws SQLException {
    String first = manager.createJob(note());
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);

    // While this thread holds a transaction, the workers (other threads) still claim and complete.
    proxy.begin();
    try (Connection other = pool.getConnection()) {
      manager.createJob(other, note());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 2);
    proxy.rollback();
    assertThat(manager.getJob(first).orElseThrow().status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(rows.count("status = 'completed'")).isEqualTo(2);
  }

  /**
   * Hands the calling thread's transaction connection to every caller on that thread, with a {@code
   * close()} that leaves it open, and a pool connection otherwise, like Spring's {@code
   * TransactionAwareDataSourceProxy}.
   */
  static final class ThreadBound extends ForwardingDataSource {
    private final ThreadLocal<Connection> bound = new ThreadLocal<>();

    ThreadBound(DataSource target) {
      super(target);
    }

    /** Begins a transaction bound to this thread; returns its connection. */
    Connection begin() throws SQLException {
      Connection connection = delegate.getConnection();
      connection.setAutoCommit(false);
      bound.set(connection);
      return getConnection();
    }

    void commit() throws SQLException {
      end(true);
    }

    void rollback() throws SQLException {
      end(false);
    }

    void endIfOpen() throws SQLException {
      if (bound.get() != null) {
        end(false);
      }
    }

    private void end(boolean commit) throws SQLException {
      Connection connection = bound.get();
      bound.remove();
      try {
        if (commit) {
          connection.commit();
        } else {
          connection.rollback();
        }
      } finally {
        connection.setAutoCommit(true);
        connection.close();
      }
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection connection = bound.get();
      if (connection == null) {
        return delegate.getConnection();
      }
      return closingWith(connection, () -> {}); // The transaction's owner closes it.
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException();
    }
  }
}
