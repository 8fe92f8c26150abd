package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.Schedule;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A worker node that runs schedules, in a JVM of its own: the child of the schedule scenarios: kill
 * -9 of the leader, every node down, clock skew, a leader frozen inside a look.
 *
 * <p>{@link #main(String[])} runs in the child (arguments {@code jdbcUrl user password schema
 * nodeId leaseMillis missedRunThresholdMillis lifetimeMillis declared}): a {@code JobQueueManager}
 * with {@code runWorkers(true)}, so that it can lead and run the scheduler, and a handler of jobs
 * of type {@value #TYPE} that prints {@code RAN <jobId> <schedule> <occurrenceAt> <nodeId>}, the
 * occurrence it was handed ({@code JobContext.occurrenceAt()}), before it completes. It prints
 * {@code CLOCK <WallClock.currentTimeMillis()>} and {@code READY <nodeId>} once it runs; it calls
 * {@code shutdown()} when it reads {@code SHUTDOWN} on its standard input, prints {@code
 * SHUTDOWN-DONE <nodeId>} and exits with 0. With {@code declared} n &gt; 0 it declares n
 * every-second schedules {@code declared-0}… in its builder, without an anchor, as an application
 * does, so that every start brings them in line; with 0 the test adds the schedules. Like every
 * child it exits when its standard input closes or after its lifetime. A clock skew is the JVM
 * option {@code -Djobqueue.internal.clockSkewMillis}.
 *
 * <p>{@link #launch} runs in the parent, through {@link WorkerProcess#launchJvm}.
 */
public final class ScheduleNode {

  /** The job type the schedules of these scenarios create. */
  public static final String TYPE = "tick";

  /** The names of the schedules a child declares: this and a number from 0. */
  public static final String DECLARED_PREFIX = "declared-";

  /**
   * The payload of a {@value #TYPE} job.
   *
   * @param n any number
   */
  public record Tick(int n) {}

  /**
   * Settings of a child.
   *
   * @param nodeId its node id, unique for every start
   * @param lease its lease duration: its jobs' and its leadership's
   * @param missedRunThreshold its {@code missedRunThreshold}
   * @param lifetime after this long it exits on its own
   * @param clockSkewMillis how far its wall clock is ahead (negative: behind)
   * @param declared how many every-second schedules it declares in its builder
   */
  public record Settings(
      String nodeId,
      Duration lease,
      Duration missedRunThreshold,
      Duration lifetime,
      long clockSkewMillis,
      int declared) {

    /**
     * Lease 3 s, the default threshold (60 s), lifetime 5 min, no skew.
     *
     * @param nodeId the node id
     * @return the settings
     */
    public static Settings of(String nodeId) {
      return new Settings(
          nodeId, Duration.ofSeconds(3), Duration.ofSeconds(60), Duration.ofMinutes(5), 0, 0);
    }

    /**
     * With another node id.
     *
     * @param id the id
     * @return a copy
     */
    public Settings withNodeId(String id) {
      return new Settings(id, lease, missedRunThreshold, lifetime, clockSkewMillis, declared);
    }

    /**
     * With another lease.
     *
     * @param newLease the lease
     * @return a copy
     */
    public Settings withLease(Duration newLease) {
      return new Settings(
          nodeId, newLease, missedRunThreshold, lifetime, clockSkewMillis, declared);
    }

    /**
     * With another missed-run threshold.
     *
     * @param threshold the threshold
     * @return a copy
     */
    public Settings withMissedRunThreshold(Duration threshold) {
      return new Settings(nodeId, lease, threshold, lifetime, clockSkewMillis, declared);
    }

    /**
     * With a skewed wall clock.
     *
     * @param millis ahead if positive, behind if negative
     * @return a copy
     */
    public Settings withClockSkewMillis(long millis) {
      return new Settings(nodeId, lease, missedRunThreshold, lifetime, millis, declared);
    }

    /**
     * Declaring schedules in its builder.
     *
     * @param count how many every-second schedules, {@code declared-0} on
     * @return a copy
     */
    public Settings withDeclared(int count) {
      return new Settings(nodeId, lease, missedRunThreshold, lifetime, clockSkewMillis, count);
    }
  }

  /**
   * A {@code RAN} line: what a handler was handed.
   *
   * @param jobId the job
   * @param schedule {@code JobContext.scheduleName()}
   * @param occurrenceAt {@code JobContext.occurrenceAt()}
   * @param nodeId the node that ran it
   */
  public record Ran(String jobId, String schedule, Instant occurrenceAt, String nodeId) {}

  private ScheduleNode() {}

  /**
   * The child JVM's entry point.
   *
   * @param args {@code jdbcUrl user password schema nodeId leaseMillis missedRunThresholdMillis
   *     lifetimeMillis declared}
   * @throws Exception if the node cannot start
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 9) {
      System.err.println(
          "usage: ScheduleNode jdbcUrl user password schema nodeId leaseMillis"
              + " missedRunThresholdMillis lifetimeMillis declared");
      System.exit(2);
    }
    String nodeId = args[4];
    PrintStream out = System.out;
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("schedule-" + nodeId);
    hikari.setJdbcUrl(args[0]);
    hikari.setUsername(args[1]);
    hikari.setPassword(args[2]);
    hikari.setMaximumPoolSize(10);
    hikari.setMinimumIdle(0);
    HikariDataSource pool = new HikariDataSource(hikari);
    JobQueueManager.Builder builder = JobQueueManager.builder();
    for (int i = 0; i < Integer.parseInt(args[8]); i++) {
      builder.schedule(
          Schedule.every(
                  DECLARED_PREFIX + i,
                  Duration.ofSeconds(1),
                  CreateJobOptions.of(TYPE, new Tick(i)))
              .build());
    }
    JobQueueManager manager =
        builder
            .config(
                JobQueueConfig.builder()
                    .schema(args[3])
                    .nodeId(nodeId)
                    .runWorkers(true)
                    .minWorkers(2)
                    .maxWorkers(2)
                    .leaseDuration(Duration.ofMillis(Long.parseLong(args[5])))
                    .rescueInterval(Duration.ofMillis(500))
                    .pollInterval(Duration.ofMillis(200))
                    .missedRunThreshold(Duration.ofMillis(Long.parseLong(args[6])))
                    .gracefulShutdownTimeout(Duration.ofSeconds(2))
                    .build())
            .dataSource(pool)
            .handler(
                JobHandler.of(
                    TYPE,
                    Tick.class,
                    (tick, ctx) -> {
                      print(
                          out,
                          "RAN "
                              + ctx.jobId()
                              + " "
                              + ctx.scheduleName().orElse("-")
                              + " "
                              + ctx.occurrenceAt().map(Instant::toString).orElse("-")
                              + " "
                              + nodeId);
                      return null;
                    }))
            .build();
    WorkerProcess.watchParentLines(
        line -> {
          if ("SHUTDOWN".equals(line)) {
            manager.shutdown();
            print(out, "SHUTDOWN-DONE " + nodeId);
            System.exit(0);
          }
        });
    manager.initialize();
    print(out, "CLOCK " + dev.jobqueue.internal.WallClock.currentTimeMillis());
    print(out, "READY " + nodeId);
    new CountDownLatch(1).await(Long.parseLong(args[7]), TimeUnit.MILLISECONDS);
    Runtime.getRuntime().halt(3);
  }

  private static void print(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  // ---- parent side ------------------------------------------------------------------------------

  /**
   * Starts a child. The schema must be migrated.
   *
   * @param db the test database
   * @param schema the schema
   * @param settings its settings
   * @return a handle; close it to kill the child
   * @throws IOException if the JVM cannot be started
   */
  public static Child launch(TestDatabase db, String schema, Settings settings) throws IOException {
    List<String> options = new ArrayList<>(List.of("-Xmx160m", "-XX:+UseSerialGC"));
    if (settings.clockSkewMillis() != 0) {
      options.add("-Djobqueue.internal.clockSkewMillis=" + settings.clockSkewMillis());
    }
    return WorkerProcess.launchJvm(
        settings.nodeId(),
        ScheduleNode.class,
        options,
        List.of(
            // Its connections name it in pg_stat_activity.
            db.jdbcUrl(settings.nodeId()),
            db.user(),
            db.password(),
            schema,
            settings.nodeId(),
            Long.toString(settings.lease().toMillis()),
            Long.toString(settings.missedRunThreshold().toMillis()),
            Long.toString(settings.lifetime().toMillis()),
            Integer.toString(settings.declared())));
  }

  /**
   * The {@code RAN} lines of children, those that died included.
   *
   * @param children the children
   * @return every line, parsed
   */
  public static List<Ran> ran(Collection<Child> children) {
    List<Ran> all = new ArrayList<>();
    for (Child child : children) {
      for (String line : child.lines("RAN ")) {
        String[] f = line.split(" ");
        all.add(new Ran(f[1], f[2], "-".equals(f[3]) ? null : Instant.parse(f[3]), f[4]));
      }
    }
    return all;
  }

  /**
   * The node that leads right now by the database clock.
   *
   * @param dataSource where to read
   * @param schema the schema
   * @return its node id, or empty when no lease holds
   */
  public static Optional<String> leader(DataSource dataSource, String schema) {
    return Optional.ofNullable(
        string(
            dataSource,
            "select node_id from "
                + schema
                + ".leader where name = 'default' and expires_at > now()"));
  }

  /**
   * When the current leader's term began, by the database clock.
   *
   * @param dataSource where to read
   * @param schema the schema
   * @return the instant, or empty when no lease holds
   */
  public static Optional<Instant> electedAt(DataSource dataSource, String schema) {
    return Optional.ofNullable(
            string(
                dataSource,
                "select to_char(elected_at at time zone 'UTC',"
                    + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from "
                    + schema
                    + ".leader where name = 'default' and expires_at > now()"))
        .map(Instant::parse);
  }

  /**
   * The database's time.
   *
   * @param dataSource where to read
   * @return {@code clock_timestamp()}
   */
  public static Instant dbNow(DataSource dataSource) {
    return instant(dataSource, "clock_timestamp()", "");
  }

  /**
   * A timestamp the database computes, to the microsecond.
   *
   * @param dataSource where to read
   * @param expression a {@code timestamptz} expression
   * @param from the rest of the query, such as {@code from s.schedules where name = 'x'}; may be
   *     empty
   * @return the instant, or null when there is no row or it is null
   */
  public static Instant instant(DataSource dataSource, String expression, String from) {
    String text =
        string(
            dataSource,
            "select to_char(("
                + expression
                + ") at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                + from);
    return text == null ? null : Instant.parse(text);
  }

  private static String string(DataSource dataSource, String sql) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(sql);
        ResultSet r = s.executeQuery()) {
      return r.next() ? r.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }
}
