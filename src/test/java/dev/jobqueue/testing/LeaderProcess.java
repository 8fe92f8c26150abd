package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.internal.leader.LeaderElector;
import dev.jobqueue.internal.store.LeaderStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A leader elector in a JVM of its own, for tests that kill a leader.
 *
 * <p>{@link #main(String[])} runs in the child (arguments {@code jdbcUrl user password schema
 * nodeId ttlMillis}): it starts a {@link LeaderElector} on a pool of its own and prints {@code
 * READY <nodeId>} once it runs, {@code LEADER <nodeId>} when it is elected and {@code DEMOTED
 * <nodeId>} when it is demoted. It exits when its standard input closes (the parent died or closed
 * it) or after {@link #MAX_LIFETIME}, so a crashed test never leaves it behind.
 *
 * <p>{@link #launch} runs in the parent: it starts the child with {@link WorkerProcess#launchJvm}
 * and returns a {@link WorkerProcess.Child} that collects its output.
 */
public final class LeaderProcess {

  /** The child gives up on its own after this long. */
  static final Duration MAX_LIFETIME = Duration.ofMinutes(2);

  private LeaderProcess() {}

  /**
   * The child JVM's entry point.
   *
   * @param args {@code jdbcUrl user password schema nodeId ttlMillis}
   * @throws Exception if the elector cannot start
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: LeaderProcess jdbcUrl user password schema nodeId ttlMillis");
      System.exit(2);
    }
    String nodeId = args[4];
    PrintStream out = System.out;
    Thread watcher =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                  // Nothing to read but the end of the stream.
                }
              } catch (IOException ignored) {
                // Treated like the end of the stream.
              }
              Runtime.getRuntime().halt(4);
            },
            "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();

    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("leader-" + nodeId);
    hikari.setJdbcUrl(args[0]);
    hikari.setUsername(args[1]);
    hikari.setPassword(args[2]);
    hikari.setMaximumPoolSize(2);
    hikari.setMinimumIdle(0);
    HikariDataSource pool = new HikariDataSource(hikari);
    LeaderElector elector =
        new LeaderElector(
            new LeaderStore(pool, args[3]),
            nodeId,
            Duration.ofMillis(Long.parseLong(args[5])),
            new LeaderElector.Listener() {
              @Override
              public void elected() {
                print(out, "LEADER " + nodeId);
              }

              @Override
              public void demoted() {
                print(out, "DEMOTED " + nodeId);
              }
            });
    elector.start();
    print(out, "READY " + nodeId);
    new CountDownLatch(1).await(MAX_LIFETIME.toMillis(), TimeUnit.MILLISECONDS);
    Runtime.getRuntime().halt(3);
  }

  private static void print(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /**
   * Starts a child elector.
   *
   * @param db the test database
   * @param schema the schema, already migrated
   * @param nodeId the child's node id
   * @param ttl its lease's TTL
   * @return a handle; close it to kill the child
   * @throws IOException if the JVM cannot be started
   */
  public static WorkerProcess.Child launch(
      TestDatabase db, String schema, String nodeId, Duration ttl) throws IOException {
    return WorkerProcess.launchJvm(
        nodeId,
        LeaderProcess.class,
        List.of("-Xmx128m", "-XX:+UseSerialGC"),
        List.of(
            db.jdbcUrl(), db.user(), db.password(), schema, nodeId, Long.toString(ttl.toMillis())));
  }
}
