package dev.jobqueue.spring;

import dev.jobqueue.TransactionBridge;
import java.sql.Connection;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Joins Spring-managed transactions: inside a transaction that a Spring transaction manager runs on
 * the library's {@code DataSource} ({@code DataSourceTransactionManager}, {@code
 * JdbcTransactionManager}, {@code JpaTransactionManager}, or any other that binds a JDBC connection
 * to that {@code DataSource}, as {@code @Transactional} and {@code TransactionTemplate} do), {@code
 * createJob(options)} inserts on the transaction's connection, so the job exists only if it
 * commits. Outside one, and inside a transaction on another {@code DataSource}, the job commits on
 * its own.
 *
 * <p>The Spring Boot auto-configuration sets it up; without Boot, pass it to {@link
 * dev.jobqueue.JobQueueManager.Builder#transactionBridge} with the same {@code DataSource} as the
 * builder's.
 */
public final class SpringTransactionBridge implements TransactionBridge {

  private final DataSource dataSource;

  /**
   * A bridge for the transactions on a {@code DataSource}.
   *
   * @param dataSource the library's {@code DataSource}; a {@link TransactionAwareDataSourceProxy}
   *     stands for its target, whose connections the transaction manager binds
   */
  public SpringTransactionBridge(DataSource dataSource) {
    this.dataSource = unwrap(Objects.requireNonNull(dataSource, "dataSource must not be null"));
  }

  /**
   * The {@code DataSource} a transaction manager binds connections to: the target of a {@link
   * TransactionAwareDataSourceProxy}, else the data source itself.
   *
   * @param dataSource a data source
   * @return the one whose connections Spring binds
   */
  public static DataSource unwrap(DataSource dataSource) {
    DataSource current = dataSource;
    while (current instanceof TransactionAwareDataSourceProxy proxy
        && proxy.getTargetDataSource() != null) {
      current = proxy.getTargetDataSource();
    }
    return current;
  }

  @Override
  public Connection currentConnection() {
    if (!TransactionSynchronizationManager.isActualTransactionActive()
        || !TransactionSynchronizationManager.hasResource(dataSource)) {
      return null;
    }
    return DataSourceUtils.getConnection(dataSource);
  }

  @Override
  public void release(Connection connection) {
    DataSourceUtils.releaseConnection(connection, dataSource);
  }

  @Override
  public void afterCommit(Runnable action) {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      action.run(); // Nothing to wait for; the commit's notification wakes the workers anyway.
      return;
    }
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            action.run();
          }
        });
  }

  @Override
  public String toString() {
    return "SpringTransactionBridge[" + dataSource + "]";
  }
}
