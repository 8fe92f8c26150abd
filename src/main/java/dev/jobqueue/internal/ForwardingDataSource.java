package dev.jobqueue.internal;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that changes how connections are handed out and forwards everything else to the
 * data source it wraps. <strong>Not API.</strong>
 */
public abstract class ForwardingDataSource implements DataSource {
  /** The wrapped data source. */
  protected final DataSource delegate;

  /**
   * Wraps a data source.
   *
   * @param delegate the data source to forward to
   */
  protected ForwardingDataSource(DataSource delegate) {
    this.delegate = delegate;
  }

  /** What a connection handed out does instead of its own {@code close()}. */
  @FunctionalInterface
  protected interface Close {
    /**
     * Runs in place of {@code close()}.
     *
     * @throws SQLException as {@code close()} would
     */
    void run() throws SQLException;
  }

  /**
   * The connection, with {@code close} in place of its own {@code close()}; every other call goes
   * to the connection.
   *
   * @param connection the connection
   * @param close what closing the returned handle does
   * @return the handle
   */
  protected static Connection closingWith(Connection connection, Close close) {
    return (Connection)
        Proxy.newProxyInstance(
            ForwardingDataSource.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (self, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                close.run();
                return null;
              }
              try {
                return method.invoke(connection, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(delegate) ? type.cast(delegate) : delegate.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(delegate) || delegate.isWrapperFor(type);
  }
}
