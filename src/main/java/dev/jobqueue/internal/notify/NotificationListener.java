package dev.jobqueue.internal.notify;

import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the schema's {@linkplain Notifications channel} over a dedicated connection, and
 * reconnects with backoff (100 ms up to 30 s) when it fails. While it is disconnected the pool
 * simply polls at its {@code pollInterval}; nothing depends on a notification arriving. <strong>Not
 * API.</strong>
 *
 * <p>A listener sends its own probe from another pooled connection, as any other node's
 * notification would come, right after {@code LISTEN} and again every {@link
 * #PROBE_INTERVAL_MILLIS} ms. It counts as connected only once the first has arrived, and it drops
 * the connection, and polls, as soon as one does not arrive within {@value #PROBE_TIMEOUT_MILLIS}
 * ms. Behind a pooler in transaction mode a probe from the listening connection itself often comes
 * back (the pooler gives both statements the same server session), while other connections'
 * notifications are lost: only a probe from elsewhere tells the truth, and only a repeated one
 * notices a pooler that starts dropping notifications later.
 */
public final class NotificationListener extends LoopService {

  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final long LIVENESS_CHECK_MILLIS = 10_000;
  private static final int WAIT_MILLIS = 500;
  private static final long PROBE_TIMEOUT_MILLIS = 2_000;
  private static final long STOP_MILLIS = 2_000;

  /** How often a connected listener proves again that notifications arrive. */
  public static final long PROBE_INTERVAL_MILLIS = 30_000;

  private final DataSource dataSource;
  private final String channel;
  private final Consumer<String> onNewJobs;
  private final Consumer<String> onPaused;
  private final LongConsumer onCancel;
  private final long probeIntervalMillis;
  private volatile boolean connected;
  private volatile Connection current;

  // Touched by the loop's thread only.
  private PGConnection pg;
  private String awaitedProbe;
  private long probeDeadline;
  private long lastProbe;
  private long lastCheck;

  /**
   * Creates a listener; {@link #start()} starts it.
   *
   * @param dataSource where its connections come from: the listening one and each probe's
   * @param channel the channel to listen on
   * @param onNewJobs called with a queue name when new jobs may be due in it (resumed, or jobs
   *     created), and with {@code ""} for every queue: after each (re)connect, and when jobs were
   *     given back
   * @param onPaused called with a queue name when the queue was paused
   * @param onCancel called with a job id when a running job was cancelled
   */
  public NotificationListener(
      DataSource dataSource,
      String channel,
      Consumer<String> onNewJobs,
      Consumer<String> onPaused,
      LongConsumer onCancel) {
    this(dataSource, channel, onNewJobs, onPaused, onCancel, PROBE_INTERVAL_MILLIS);
  }

  /**
   * Creates a listener that probes at another interval; see {@link #PROBE_INTERVAL_MILLIS}.
   *
   * @param dataSource where its connections come from: the listening one and each probe's
   * @param channel the channel to listen on
   * @param onNewJobs called with a queue name when new jobs may be due in it (resumed, or jobs
   *     created), and with {@code ""} for every queue: after each (re)connect, and when jobs were
   *     given back
   * @param onPaused called with a queue name when the queue was paused
   * @param onCancel called with a job id when a running job was cancelled
   * @param probeIntervalMillis how often a connected listener sends a probe
   */
  public NotificationListener(
      DataSource dataSource,
      String channel,
      Consumer<String> onNewJobs,
      Consumer<String> onPaused,
      LongConsumer onCancel,
      long probeIntervalMillis) {
    super(
        Loop.named("listener")
            .logTo(log, "Notification listener (polling meanwhile)")
            .backoff(100, MAX_BACKOFF_MILLIS),
        STOP_MILLIS);
    this.probeIntervalMillis = probeIntervalMillis;
    this.dataSource = dataSource;
    this.channel = channel;
    this.onNewJobs = onNewJobs;
    this.onPaused = onPaused;
    this.onCancel = onCancel;
  }

  @Override
  public void stop(Deadline deadline) {
    super.stop(deadline);
    closeCurrent();
  }

  /** Closing the connection ends a wait for notifications, which an interrupt does not. */
  @Override
  protected void unblock() {
    closeCurrent();
  }

  /**
   * Whether the listener currently holds a working LISTEN connection.
   *
   * @return false while it is reconnecting
   */
  public boolean isConnected() {
    return connected;
  }

  /** One iteration: connect and prove the connection, or wait up to half a second for messages. */
  @Override
  protected long runOnce() throws SQLException {
    try {
      if (current == null) {
        connect();
      } else {
        receive();
      }
      return 0;
    } catch (SQLException | RuntimeException e) {
      closeCurrent();
      throw e;
    }
  }

  private void connect() throws SQLException {
    Connection connection = dataSource.getConnection();
    current = connection;
    connection.setAutoCommit(true);
    pg = connection.unwrap(PGConnection.class);
    try (Statement statement = connection.createStatement()) {
      statement.execute("LISTEN \"" + channel + "\"");
    }
    // Prove that notifications arrive on this connection before relying on them: behind
    // PgBouncer in transaction mode LISTEN succeeds, but its session is not ours to keep, and
    // nothing would ever be delivered. Then the pool must keep polling.
    sendProbe();
    long deadline = System.nanoTime() + PROBE_TIMEOUT_MILLIS * 1_000_000;
    while (isRunning() && awaitedProbe != null && System.nanoTime() < deadline) {
      dispatch(pg.getNotifications(WAIT_MILLIS));
    }
    if (awaitedProbe != null && isRunning()) {
      throw new SQLException(
          "LISTEN succeeded but a test notification from another connection did not arrive"
              + " within "
              + PROBE_TIMEOUT_MILLIS
              + " ms (a pooler in transaction mode, such as PgBouncer?)");
    }
    connected = true;
    lastCheck = System.nanoTime();
    lastProbe = lastCheck;
    // Anything inserted while we were not listening has sent its notification already.
    onNewJobs.accept("");
  }

  private void receive() throws SQLException {
    dispatch(pg.getNotifications(WAIT_MILLIS));
    long now = System.nanoTime();
    if (awaitedProbe != null && now - probeDeadline > 0) {
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
      try (Statement statement = current.createStatement()) {
        statement.execute("select 1");
      }
      lastCheck = System.nanoTime();
    }
  }

  private void dispatch(PGNotification[] notifications) {
    if (notifications == null) {
      return;
    }
    Set<String> announced = new LinkedHashSet<>();
    for (PGNotification notification : notifications) {
      String payload = notification.getParameter();
      OptionalLong cancelled = Notifications.cancelled(payload);
      if (payload != null && payload.equals(awaitedProbe)) {
        awaitedProbe = null;
      } else if (cancelled.isPresent()) {
        onCancel.accept(cancelled.getAsLong());
      } else if (!Notifications.isProbe(payload)) {
        Notifications.announcedQueue(payload).ifPresent(announced::add);
        Notifications.pausedQueue(payload).ifPresent(onPaused);
      }
    }
    if (announced.contains("")) {
      onNewJobs.accept("");
    } else {
      announced.forEach(onNewJobs);
    }
  }

  /** Sends a probe from another connection; the listening one must receive it. */
  private void sendProbe() throws SQLException {
    String probe = Notifications.PROBE_PREFIX + UUID.randomUUID();
    try (Connection other = dataSource.getConnection();
        PreparedStatement notify = other.prepareStatement("select pg_notify(?, ?)")) {
      notify.setString(1, channel);
      notify.setString(2, probe);
      notify.execute();
    }
    awaitedProbe = probe;
  }

  private void closeCurrent() {
    connected = false;
    awaitedProbe = null;
    Connection connection = current;
    current = null;
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException | RuntimeException ignored) {
        // Closing is best effort; the loop ends or reconnects either way.
      }
    }
  }
}
