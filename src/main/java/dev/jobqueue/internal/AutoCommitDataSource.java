package dev.jobqueue.internal;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * Hands out the application's connections in auto-commit mode, and never one that belongs to
 * someone else's transaction.
 *
 * <p>The library's own statements are single statements that must commit on their own. An
 * application pool configured with {@code autoCommit=false} (common with Spring) would otherwise
 * have them rolled back when the connection goes back to the pool: the job would get an id and
 * never exist. Pools restore the mode they hand out when a connection is returned.
 *
 * <p>A data source can also hand out a connection that is in the middle of the caller's
 * transaction: a transaction-aware proxy (Spring's {@code TransactionAwareDataSourceProxy}, and
 * others like it) returns the connection bound to the calling thread's transaction. Switching that
 * one to auto-commit would commit the caller's work half-way, and break its rollback. So a
 * connection with a transaction open on it is given back untouched, and the operation fails with an
 * error that says why. A connection in manual-commit mode with no transaction open is switched to
 * auto-commit, which commits nothing, and switched back just before it is closed, so that a
 * transaction that had not run a statement yet finds its connection as it left it.
 */
public final class AutoCommitDataSource extends ForwardingDataSource {

  /**
   * Wraps a data source.
   *
   * @param delegate the application's data source
   */
  public AutoCommitDataSource(DataSource delegate) {
    super(delegate);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return autoCommit(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return autoCommit(delegate.getConnection(username, password));
  }

  private static Connection autoCommit(Connection connection) throws SQLException {
    try {
      if (connection.getAutoCommit()) {
        return connection;
      }
      TransactionState state = connection.unwrap(BaseConnection.class).getTransactionState();
      if (state != TransactionState.IDLE) {
        throw new SQLException(
            "The data source handed jobqueue a connection with a transaction open on it ("
                + state
                + "): a transaction-aware proxy hands out the connection of the calling thread's"
                + " transaction. jobqueue commits its own statements, so it does not use that"
                + " connection, and leaves it and its transaction untouched. Pass the connection"
                + " pool itself, not a transaction-aware proxy of it; to create a job inside your"
                + " transaction, pass its connection: createJob(connection, options).",
            "25001");
      }
      // No transaction is open, so switching commits nothing; switching back on close leaves the
      // connection as it came, in case it is a transaction's that has not run a statement yet.
      connection.setAutoCommit(true);
      return restoringOnClose(connection);
    } catch (SQLException | RuntimeException e) {
      // Closing the handle of a connection bound to a transaction leaves that transaction alone:
      // that is the contract of every transaction-aware proxy.
      connection.close();
      throw e;
    }
  }

  /** The connection, switched back to manual commit just before it is closed. */
  private static Connection restoringOnClose(Connection connection) {
    return closingWith(
        connection,
        () -> {
          if (connection.isClosed()) {
            return;
          }
          try {
            connection.setAutoCommit(false);
          } finally {
            connection.close();
          }
        });
  }
}
