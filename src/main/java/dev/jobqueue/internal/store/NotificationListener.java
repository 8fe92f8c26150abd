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
 * this running job"), and {@code probe:<uuid>}. A listener sends its own probe from another pooled
 * connection, as any other node's notification would come, right after {@code LISTEN} and again
 * every {@link #PROBE_INTERVAL_MILLIS} ms. It counts as connected only once the first has arrived,
 * and it drops the connection, and polls, as soon as one does not arrive within {@value
 * #PROBE_TIMEOUT_MILLIS} ms. Behind a pooler in transaction mode a probe from the listening
 * connection itself often comes back (the pooler gives both statements the same server session),
 * while other connections' notifications are lost: only a probe from elsewhere tells the truth, and
 * only a repeated one notices a pooler that starts dropping notifications later.
 */
public final class NotificationListener {

  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final long LIVENESS_CHECK_MILLIS = 10_000;
  private static final int WAIT_MILLIS = 500;

  private static final String PROBE = "probe:";
  private static final long PROBE_TIMEOUT_MILLIS = 2_000;

  /** How often a connected listener proves again that notifications arrive. */
  public static final long PROBE_INTERVAL_MILLIS = 30_000;

  private final DataSource dataSource;
  private final String channel;
  private final Runnable onNewJobs;
  private final LongConsumer onCancel;
  private final Thread thread;
  private final long probeIntervalMillis;
  private volatile boolean running;
  private volatile boolean connected;
  private volatile Connection current;

  /** The probe sent and not yet seen, or null; touched by the listener thread only. */
  private String awaitedProbe;

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
    this(dataSource, channel, onNewJobs, onCancel, threads, PROBE_INTERVAL_MILLIS);
  }

  /**
   * Creates a listener that probes at another interval; see {@link #PROBE_INTERVAL_MILLIS}.
   *
   * @param dataSource where its connections come from: the listening one and each probe's
   * @param channel the channel to listen on
   * @param onNewJobs called when new jobs may be due, and after each (re)connect
   * @param onCancel called with a job id when a running job was cancelled
   * @param threads makes the listener's thread
   * @param probeIntervalMillis how often a connected listener sends a probe
   */
  public NotificationListener(
      DataSource dataSource,
      String channel,
      Runnable onNewJobs,
      LongConsumer onCancel,
      ThreadFactory threads,
      long probeIntervalMillis) {
    this.probeIntervalMillis = probeIntervalMillis;
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
      if (payload != null && payload.equals(awaitedProbe)) {
        awaitedProbe = null;
      } else if (payload != null && payload.startsWith("cancel:")) {
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

  /** Sends a probe from another connection; the listening one must receive it. */
  private void sendProbe() throws SQLException {
    String probe = PROBE + UUID.randomUUID();
    try (Connection other = dataSource.getConnection();
        PreparedStatement notify = other.prepareStatement("select pg_notify(?, ?)")) {
      notify.setString(1, channel);
      notify.setString(2, probe);
      notify.execute();
    }
    awaitedProbe = probe;
  }

  private void awaitProbe(Connection connection, PGConnection pg) throws SQLException {
    sendProbe();
    long deadline = System.nanoTime() + PROBE_TIMEOUT_MILLIS * 1_000_000;
    while (running && awaitedProbe != null && System.nanoTime() < deadline) {
      PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
      if (notifications != null) {
        dispatch(notifications);
      }
    }
    if (awaitedProbe != null && running) {
      awaitedProbe = null;
      throw new SQLException(
          "LISTEN succeeded but a test notification from another connection did not arrive"
              + " within "
              + PROBE_TIMEOUT_MILLIS
              + " ms (a pooler in transaction mode, such as PgBouncer?); polling instead");
    }
  }

  private void listen(Connection connection, PGConnection pg) throws SQLException {
    long lastCheck = System.nanoTime();
    long lastProbe = lastCheck;
    long probeDeadline = 0;
    while (running) {
      PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
      if (notifications != null) {
        dispatch(notifications);
      }
      long now = System.nanoTime();
      if (awaitedProbe != null && now - probeDeadline > 0) {
        awaitedProbe = null;
        throw new SQLException(
            "a test notification from another connection did not arrive within "
                + PROBE_TIMEOUT_MILLIS
                + " ms; polling until LISTEN works again");
      }
      if (awaitedProbe == null && now - lastProbe > probeIntervalMillis * 1_000_000) {
        lastProbe = now;
        sendProbe();
        probeDeadline = System.nanoTime() + PROBE_TIMEOUT_MILLIS * 1_000_000;
      }
      if (now - lastCheck > LIVENESS_CHECK_MILLIS * 1_000_000) {
        // A silently dropped connection would otherwise look like a quiet channel forever.
        try (Statement statement = connection.createStatement()) {
          statement.execute("select 1");
        }
        lastCheck = System.nanoTime();
      }
    }
  }
}
