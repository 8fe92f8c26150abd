package dev.jobqueue.internal.store;

import dev.jobqueue.internal.Backoff;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
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
 * <p>Three messages exist: an empty payload ("new jobs may be due"), {@code cancel:<id>} ("stop
 * this running job"), and {@code probe:<uuid>}, which each listener sends itself right after {@code
 * LISTEN}: only once its own probe has arrived does it count as connected. Behind a pooler in
 * transaction mode the probe never arrives, and the pool keeps polling.
 */
public final class NotificationListener {

  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final long LIVENESS_CHECK_MILLIS = 10_000;
  private static final int WAIT_MILLIS = 500;

  private static final String PROBE = "probe:";
  private static final long PROBE_TIMEOUT_MILLIS = 2_000;

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
    Backoff backoff = new Backoff(100, MAX_BACKOFF_MILLIS);
    int failures = 0;
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        current = connection;
        connection.setAutoCommit(true);
        PGConnection pg = connection.unwrap(PGConnection.class);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN \"" + channel + "\"");
        }
        // Prove that notifications arrive on this connection before relying on them: behind
        // PgBouncer in transaction mode LISTEN succeeds, but its session is not ours to keep,
        // and nothing would ever be delivered. Then the pool must keep polling.
        awaitProbe(connection, pg);
        connected = true;
        if (failures > 0) {
          log.info("Notification listener reconnected after {} failed attempt(s)", failures);
        }
        backoff.reset();
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
              "Notification listener is not connected (attempt {}), polling meanwhile: {}",
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
        Thread.sleep(backoff.next());
      } catch (InterruptedException e) {
        break;
      }
    }
  }

  private void dispatch(PGNotification[] notifications) {
    boolean newJobs = false;
    for (PGNotification notification : notifications) {
      String payload = notification.getParameter();
      if (payload != null && payload.startsWith("cancel:")) {
        try {
          onCancel.accept(Long.parseLong(payload.substring("cancel:".length())));
        } catch (NumberFormatException ignored) {
          // Not ours.
        }
      } else if (payload == null || !payload.startsWith(PROBE)) {
        newJobs = true;
      }
    }
    if (newJobs) {
      onNewJobs.run();
    }
  }

  private void awaitProbe(Connection connection, PGConnection pg) throws SQLException {
    String probe = PROBE + UUID.randomUUID();
    try (PreparedStatement notify = connection.prepareStatement("select pg_notify(?, ?)")) {
      notify.setString(1, channel);
      notify.setString(2, probe);
      notify.execute();
    }
    long deadline = System.nanoTime() + PROBE_TIMEOUT_MILLIS * 1_000_000;
    while (running && System.nanoTime() < deadline) {
      PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
      if (notifications != null) {
        boolean seen = false;
        for (PGNotification notification : notifications) {
          seen |= probe.equals(notification.getParameter());
        }
        dispatch(notifications);
        if (seen) {
          return;
        }
      }
    }
    throw new SQLException(
        "LISTEN succeeded but its own test notification did not arrive within "
            + PROBE_TIMEOUT_MILLIS
            + " ms (a pooler in transaction mode, such as PgBouncer?); polling instead");
  }

  private void listen(Connection connection, PGConnection pg) throws SQLException {
    long lastCheck = System.nanoTime();
    while (running) {
      PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
      if (notifications != null) {
        dispatch(notifications);
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
