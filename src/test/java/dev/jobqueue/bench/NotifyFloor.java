package dev.jobqueue.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The floor under W3's NOTIFY variant, in plain JDBC with no library: one connection INSERTs a job
 * with a {@code pg_notify} in the same statement (autocommit: one durable commit), a second one
 * waits in {@code LISTEN} for it, and as soon as the notification arrives a third connection runs
 * the library's claim shape for the job (a second durable commit). Jobs are paced like W3's, and
 * each waits for the one before it to be claimed.
 */
final class NotifyFloor {
  private static final String CHANNEL = "bench_notify_floor";

  /**
   * What one run measured, per job, in milliseconds from just before the INSERT.
   *
   * @param committed the INSERT's commit came back to its client
   * @param delivered the listening connection had the notification
   * @param claimed the claim after it had committed
   */
  record Times(double[] committed, double[] delivered, double[] claimed) {}

  private NotifyFloor() {}

  static Times measure(
      Connection producer,
      Connection listener,
      Connection worker,
      String schema,
      int n,
      long gapNanos)
      throws Exception {
    try (Statement listen = listener.createStatement()) {
      listen.execute("listen " + CHANNEL);
    }
    PGConnection pg = listener.unwrap(PGConnection.class);
    long[] sent = new long[n];
    long[] committed = new long[n];
    long[] delivered = new long[n];
    long[] claimed = new long[n];
    Semaphore ready = new Semaphore(0);
    Semaphore done = new Semaphore(0);
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread consumer =
        new Thread(
            () -> {
              try (PreparedStatement claim = worker.prepareStatement(Workloads.claimSql(schema))) {
                Array types = worker.createArrayOf("text", new String[] {Workloads.TYPE});
                for (int i = 0; i < n; i++) {
                  ready.release();
                  PGNotification[] got = null;
                  while (got == null || got.length == 0) {
                    got = pg.getNotifications(10_000);
                  }
                  delivered[i] = System.nanoTime();
                  Workloads.claimFloorJob(claim, types);
                  claimed[i] = System.nanoTime();
                  done.release();
                }
              } catch (Exception e) {
                failure.set(e);
                done.release(n);
              }
            },
            "notify-floor");
    consumer.setDaemon(true);
    consumer.start();
    try (PreparedStatement insert =
        producer.prepareStatement(
            Workloads.floorInsertSql(
                schema, ", (select count(*) from pg_notify('" + CHANNEL + "', 'x'))"))) {
      long base = System.nanoTime() + gapNanos;
      for (int i = 0; i < n; i++) {
        ready.acquire();
        Workloads.parkUntil(base + i * gapNanos);
        sent[i] = System.nanoTime();
        Workloads.insertFloorJob(insert);
        committed[i] = System.nanoTime();
        if (!done.tryAcquire(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("job " + i + " was not claimed within 10 s");
        }
        if (failure.get() != null) {
          throw failure.get();
        }
      }
    } finally {
      consumer.join(TimeUnit.SECONDS.toMillis(10));
      try (Statement unlisten = listener.createStatement()) {
        unlisten.execute("unlisten " + CHANNEL);
      } catch (SQLException ignored) {
        // The schema goes with the run; a listener left behind closes with its connection.
      }
    }
    return new Times(since(sent, committed), since(sent, delivered), since(sent, claimed));
  }

  private static double[] since(long[] from, long[] to) {
    double[] ms = new double[from.length];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = (to[i] - from[i]) / 1_000_000.0;
    }
    return ms;
  }
}
