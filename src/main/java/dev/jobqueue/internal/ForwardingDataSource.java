package dev.jobqueue.internal;

import java.io.PrintWriter;
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
