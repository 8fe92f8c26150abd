package dev.jobqueue.internal.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongConsumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the schema's notification channel over a dedicated connection, and reconnects with
 * exponential backoff (100 ms up to 30 s) when it fails. While it is disconnected the pool simply
 * polls at its {@code pollInterval}; nothing depends on a notification arriving.
 *
 * <p>Two messages exist: an empty payload ("new jobs may be due") and {@code cancel:<id>} ("stop
 * this running job").
 */
public final class NotificationListener {

  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final long LIVENESS_CHECK_MILLIS = 10_000;
  private static final int WAIT_MILLIS = 500;

  private final DataSource dataSource;
  private final String channel;
  private final Runnable onNewJobs;
  private final LongConsumer onCancel;
  private final Thread thread;
  private volatile boolean running;
  private volatile boolean connected;
  private volatile Connection current;

  /**
   * Creates a listener; {@link #start()} starts it.
   *
   * @param dataSource where its connection comes from
   * @param channel the channel to listen on
   * @param onNewJobs called when new jobs may be due, and after each (re)connect
   * @param onCancel called with a job id when a running job was cancelled
   * @param threads makes the listener's thread
   */
  public NotificationListener(
      DataSource dataSource,
      String channel,
      Runnable onNewJobs,
      LongConsumer onCancel,
      ThreadFactory threads) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.onNewJobs = onNewJobs;
    this.onCancel = onCancel;
    this.thread = threads.newThread(this::run);
  }

  /** Starts listening. */
  public void start() {
    running = true;
    thread.start();
  }

  /** Stops listening and closes the connection; waits briefly for the thread to end. */
  public void stop() {
    running = false;
    thread.interrupt();
    Connection connection = current;
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException | RuntimeException ignored) {
        // Closing is best effort; the thread ends on its next wait either way.
      }
    }
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether the listener currently holds a working LISTEN connection.
   *
   * @return false while it is reconnecting
   */
  public boolean isConnected() {
    return connected;
  }

  private void run() {
    long backoff = 100;
    int failures = 0;
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        current = connection;
        connection.setAutoCommit(true);
        PGConnection pg = connection.unwrap(PGConnection.class);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN \"" + channel + "\"");
        }
        connected = true;
        if (failures > 0) {
          log.info("Notification listener reconnected after {} failed attempt(s)", failures);
        }
        backoff = 100;
        failures = 0;
        // Anything inserted while we were not listening has sent its notification already.
        onNewJobs.run();
        listen(connection, pg);
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          break;
        }
        failures++;
        if (failures == 1 || Long.bitCount(failures) == 1) {
          log.warn(
              "Notification listener lost its connection (attempt {}), polling meanwhile: {}",
              failures,
              e.getMessage());
        }
      } finally {
        connected = false;
        current = null;
      }
      if (!running) {
        break;
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        break;
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  private void listen(Connection connection, PGConnection pg) throws SQLException {
    long lastCheck = System.nanoTime();
    while (running) {
      PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
      if (notifications != null) {
        boolean newJobs = false;
        for (PGNotification notification : notifications) {
          String payload = notification.getParameter();
          if (payload != null && payload.startsWith("cancel:")) {
            try {
              onCancel.accept(Long.parseLong(payload.substring("cancel:".length())));
            } catch (NumberFormatException ignored) {
              // Not ours.
            }
          } else {
            newJobs = true;
          }
        }
        if (newJobs) {
          onNewJobs.run();
        }
      }
      if (System.nanoTime() - lastCheck > LIVENESS_CHECK_MILLIS * 1_000_000) {
        // A silently dropped connection would otherwise look like a quiet channel forever.
        try (Statement statement = connection.createStatement()) {
          statement.execute("select 1");
        }
        lastCheck = System.nanoTime();
      }
    }
  }
}
