package dev.jobqueue.testing;

import dev.jobqueue.internal.ForwardingDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * A data source in front of another whose new connections can be made to fail or to hang, to give
 * one node of several in a JVM a database outage (failing) or a pause (hanging: the calling thread
 * is stuck, as in a JVM stopped by SIGSTOP or a network that drops packets) while the others keep
 * working. Connections already handed out are not touched. Thread-safe.
 */
public final class OutageDataSource extends ForwardingDataSource {

  /** What {@link #getConnection()} does. */
  public enum Mode {
    /** Hands out the delegate's connections. */
    UP,
    /** Throws at once, as when the server refuses connections. */
    DOWN,
    /** Blocks until the mode changes, then throws: a call that never got through. */
    HUNG
  }

  private final Object lock = new Object();
  private final AtomicLong refused = new AtomicLong();
  private Mode mode = Mode.UP;
  private int hanging;

  /**
   * Wraps a data source; it starts {@link Mode#UP}.
   *
   * @param delegate where working connections come from
   */
  public OutageDataSource(DataSource delegate) {
    super(delegate);
  }

  /**
   * Changes the mode; callers blocked in {@link Mode#HUNG} wake and fail.
   *
   * @param newMode the mode from now on
   */
  public void set(Mode newMode) {
    synchronized (lock) {
      mode = newMode;
      lock.notifyAll();
    }
  }

  /**
   * The current mode.
   *
   * @return the mode
   */
  public Mode mode() {
    synchronized (lock) {
      return mode;
    }
  }

  /**
   * How many callers are blocked in {@link Mode#HUNG} now.
   *
   * @return the count
   */
  public int hanging() {
    synchronized (lock) {
      return hanging;
    }
  }

  /**
   * How many connections were refused (failed or hung) so far.
   *
   * @return the count
   */
  public long refused() {
    return refused.get();
  }

  @Override
  public Connection getConnection() throws SQLException {
    check();
    return delegate.getConnection();
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    check();
    return delegate.getConnection(username, password);
  }

  private void check() throws SQLException {
    synchronized (lock) {
      if (mode == Mode.UP) {
        return;
      }
      refused.incrementAndGet();
      if (mode == Mode.DOWN) {
        throw new SQLException("simulated outage: the database refuses connections", "08001");
      }
      hanging++;
      try {
        while (mode == Mode.HUNG) {
          lock.wait();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("simulated pause interrupted", "08006", e);
      } finally {
        hanging--;
      }
      throw new SQLException("simulated pause: the connection attempt never got through", "08006");
    }
  }
}
