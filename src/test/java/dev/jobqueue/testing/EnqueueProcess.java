package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.EnqueueResult;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.UniqueOptions;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An enqueue-only node in a JVM of its own whose threads create unique jobs, for tests of
 * uniqueness across JVMs. Launched with {@link WorkerProcess#launchJvm}; it prints {@code READY
 * <nodeId>} once its manager runs, and halts when its standard input closes.
 *
 * <ul>
 *   <li>{@code race} ({@link #launchRace}): on a line {@code ROUND <r> <keys>} from the parent its
 *       threads get ready and it prints {@code ARMED <r>}; on {@code GO <r>} they start together,
 *       each calls {@code createJob} once for every key of the round, in an order of its own, and
 *       prints {@code IDS <r> <key>=<id> ...} with the ids it got; then the child prints {@code
 *       DONE <r>}. Keys of even rounds are given ({@code byKey}), those of odd rounds derived from
 *       the payload field {@code key}.
 *   <li>{@code hold} ({@link #launchHold}): on {@code GO} its threads share the keys {@code k-0} to
 *       {@code k-<keys-1>}, in an order of this JVM's seed. For each key a thread opens a
 *       transaction, enqueues the job in it, records the result in the table {@code unique_log}
 *       (node, key, job id, outcome) in the same transaction, holds it open for up to {@code
 *       holdMillis} if it created the job, and commits. It prints {@code PROGRESS <n>} every 500
 *       keys and {@code FINISHED <n>} at the end.
 * </ul>
 */
public final class EnqueueProcess {

  /** The job type the children create. */
  public static final String TYPE = "unique-item";

  /** The table of the results committed in {@code hold} mode, in the job's schema. */
  public static final String LOG_TABLE = "unique_log";

  /** The SQL that creates {@link #LOG_TABLE}, {@code {schema}} standing for the schema. */
  public static final String LOG_TABLE_SQL =
      "create table {schema}." + LOG_TABLE + " (node text, key text, job_id bigint, outcome text)";

  /** The child gives up on its own after this long. */
  static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

  /**
   * The payload of a {@value #TYPE} job.
   *
   * @param key the key, for keys derived from the payload
   * @param caller which thread of which node created it
   */
  public record Item(String key, String caller) {}

  private EnqueueProcess() {}

  /**
   * The child JVM's entry point.
   *
   * @param args {@code jdbcUrl user password schema mode nodeId threads} and, in {@code hold} mode,
   *     {@code keys holdMillis seed}
   * @throws Exception if the node cannot start
   */
  public static void main(String[] args) throws Exception {
    String schema = args[3];
    String mode = args[4];
    String nodeId = args[5];
    int threads = Integer.parseInt(args[6]);
    PrintStream out = System.out;
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("enqueue-" + nodeId);
    hikari.setJdbcUrl(args[0]);
    hikari.setUsername(args[1]);
    hikari.setPassword(args[2]);
    hikari.setMaximumPoolSize(threads + 2);
    hikari.setMinimumIdle(threads + 2);
    HikariDataSource pool = new HikariDataSource(hikari);
    JobQueueManager manager =
        JobQueueManager.builder()
            .config(
                JobQueueConfig.builder().schema(schema).nodeId(nodeId).runWorkers(false).build())
            .dataSource(pool)
            .handler(JobHandler.of(TYPE, Item.class, (item, ctx) -> null))
            .build();
    manager.initialize();
    if (mode.equals("race")) {
      Race race = new Race(manager, nodeId, threads, out);
      WorkerProcess.watchParentLines(race::onLine);
    } else {
      Hold hold =
          new Hold(
              manager,
              pool,
              schema,
              nodeId,
              threads,
              Integer.parseInt(args[7]),
              Long.parseLong(args[8]),
              Long.parseLong(args[9]),
              out);
      WorkerProcess.watchParentLines(hold::onLine);
    }
    print(out, "READY " + nodeId);
    new CountDownLatch(1).await(MAX_LIFETIME.toMillis(), TimeUnit.MILLISECONDS);
    Runtime.getRuntime().halt(3);
  }

  /** Race mode: rounds of keys, all threads of every JVM released together. */
  private static final class Race {
    private final JobQueueManager manager;
    private final String nodeId;
    private final int threads;
    private final PrintStream out;
    private final Map<Integer, CountDownLatch> go = new ConcurrentHashMap<>();

    Race(JobQueueManager manager, String nodeId, int threads, PrintStream out) {
      this.manager = manager;
      this.nodeId = nodeId;
      this.threads = threads;
      this.out = out;
    }

    void onLine(String line) {
      String[] words = line.split(" ");
      int round = Integer.parseInt(words[1]);
      if (words[0].equals("ROUND")) {
        arm(round, Integer.parseInt(words[2]));
      } else if (words[0].equals("GO")) {
        go.get(round).countDown();
      }
    }

    private void arm(int round, int keys) {
      CountDownLatch start = new CountDownLatch(1);
      go.put(round, start);
      CountDownLatch waiting = new CountDownLatch(threads);
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        String caller = nodeId + "/" + t;
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
          order.add(k);
        }
        Collections.shuffle(order, new Random(caller.hashCode() * 31L + round));
        Thread thread =
            new Thread(
                () -> {
                  try {
                    waiting.countDown();
                    start.await();
                    StringBuilder ids = new StringBuilder("IDS " + round);
                    for (int k : order) {
                      String key = "r" + round + "-k" + k;
                      String id = manager.createJob(options(round, key, caller));
                      ids.append(' ').append(key).append('=').append(id);
                    }
                    print(out, ids.toString());
                  } catch (Throwable e) {
                    print(out, "FAILED " + caller + " " + e);
                  } finally {
                    done.countDown();
                  }
                },
                "race-" + t);
        thread.start();
      }
      await(waiting);
      print(out, "ARMED " + round);
      new Thread(
              () -> {
                await(done);
                print(out, "DONE " + round);
              },
              "race-done")
          .start();
    }

    private static CreateJobOptions options(int round, String key, String caller) {
      UniqueOptions unique =
          round % 2 == 0 ? UniqueOptions.byKey(key) : UniqueOptions.byPayload("key");
      return CreateJobOptions.builder(TYPE, new Item(key, caller)).unique(unique).build();
    }
  }

  /** Hold mode: every key once, each inside a transaction held open for a while. */
  private static final class Hold {
    private final JobQueueManager manager;
    private final HikariDataSource pool;
    private final String logInsert;
    private final String nodeId;
    private final int threads;
    private final long holdMillis;
    private final List<Integer> order = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger committed = new AtomicInteger();
    private final PrintStream out;

    Hold(
        JobQueueManager manager,
        HikariDataSource pool,
        String schema,
        String nodeId,
        int threads,
        int keys,
        long holdMillis,
        long seed,
        PrintStream out) {
      this.manager = manager;
      this.pool = pool;
      this.logInsert =
          "insert into \"" + schema + "\"." + LOG_TABLE + " values (?, ?, ?::bigint, ?)";
      this.nodeId = nodeId;
      this.threads = threads;
      this.holdMillis = holdMillis;
      this.out = out;
      for (int k = 0; k < keys; k++) {
        order.add(k);
      }
      Collections.shuffle(order, new Random(seed));
    }

    void onLine(String line) {
      if (!line.equals("GO")) {
        return;
      }
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        Random random = new Random(nodeId.hashCode() * 31L + t);
        new Thread(
                () -> {
                  try {
                    run(random);
                  } catch (Throwable e) {
                    print(out, "FAILED " + nodeId + " " + e);
                  } finally {
                    done.countDown();
                  }
                },
                "hold-" + t)
            .start();
      }
      new Thread(
              () -> {
                await(done);
                print(out, "FINISHED " + committed.get());
              },
              "hold-done")
          .start();
    }

    private void run(Random random) throws Exception {
      for (int i = next.getAndIncrement(); i < order.size(); i = next.getAndIncrement()) {
        String key = "k-" + order.get(i);
        try (Connection tx = pool.getConnection()) {
          tx.setAutoCommit(false);
          EnqueueResult result =
              manager.enqueue(
                  tx,
                  CreateJobOptions.builder(TYPE, new Item(key, nodeId))
                      .unique(UniqueOptions.byKey(key))
                      .build());
          try (PreparedStatement log = tx.prepareStatement(logInsert)) {
            log.setString(1, nodeId);
            log.setString(2, key);
            log.setString(3, result.id());
            log.setString(4, result.outcome().name());
            log.executeUpdate();
          }
          if (result.outcome() == EnqueueResult.Outcome.CREATED) {
            // The creator holds the key a while; those that find it held move on at once, catch
            // up with the creators, and wait for their keys.
            Thread.sleep(random.nextInt((int) holdMillis + 1));
          }
          tx.commit();
          tx.setAutoCommit(true);
        }
        int n = committed.incrementAndGet();
        if (n % 500 == 0) {
          print(out, "PROGRESS " + n);
        }
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void print(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  // ---- parent side ------------------------------------------------------------------------------

  /**
   * Starts a child in {@code race} mode.
   *
   * @param db the test database
   * @param schema the schema, migrated
   * @param nodeId the child's node id
   * @param threads its threads
   * @return the child, not yet ready
   * @throws IOException if it cannot start
   */
  public static Child launchRace(TestDatabase db, String schema, String nodeId, int threads)
      throws IOException {
    return launch(db, schema, "race", nodeId, threads, List.of());
  }

  /**
   * Starts a child in {@code hold} mode. Its connections carry the application name {@code nodeId},
   * so that {@code pg_stat_activity} tells its transactions apart.
   *
   * @param db the test database
   * @param schema the schema, migrated, with {@link #LOG_TABLE_SQL} run
   * @param nodeId the child's node id
   * @param threads its threads
   * @param keys how many keys
   * @param holdMillis the longest time a transaction that created its job is held open
   * @param seed the seed of this child's order of the keys
   * @return the child, not yet ready
   * @throws IOException if it cannot start
   */
  public static Child launchHold(
      TestDatabase db,
      String schema,
      String nodeId,
      int threads,
      int keys,
      long holdMillis,
      long seed)
      throws IOException {
    return launch(
        db,
        schema,
        "hold",
        nodeId,
        threads,
        List.of(Integer.toString(keys), Long.toString(holdMillis), Long.toString(seed)));
  }

  private static Child launch(
      TestDatabase db, String schema, String mode, String nodeId, int threads, List<String> more)
      throws IOException {
    List<String> args = new ArrayList<>();
    args.add(TestDatabase.withApplicationName(db.jdbcUrl(), nodeId));
    args.add(db.user());
    args.add(db.password());
    args.add(schema);
    args.add(mode);
    args.add(nodeId);
    args.add(Integer.toString(threads));
    args.addAll(more);
    return WorkerProcess.launchJvm(
        nodeId, EnqueueProcess.class, List.of("-Xmx128m", "-XX:+UseSerialGC"), args);
  }

  /**
   * Waits until every child printed {@code line}.
   *
   * @param children the children
   * @param line the whole line
   * @param timeout how long to wait for all of them
   * @throws InterruptedException if interrupted
   * @throws IllegalStateException naming the children that did not print it in time
   */
  public static void awaitLine(List<Child> children, String line, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> missing = new ArrayList<>();
      for (Child child : children) {
        if (!child.output().contains(line)) {
          missing.add(child.nodeId() + (child.process().isAlive() ? "" : " (dead)"));
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no line \"" + line + "\" from " + missing + " within " + timeout);
      }
      Thread.sleep(20);
    }
  }
}
