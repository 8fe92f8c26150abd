package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A job-queue node in a JVM of its own, for tests that kill a node.
 *
 * <p>{@link #main(String[])} runs in the child JVM. Arguments: {@code jdbcUrl user password schema
 * mode nodeId leaseMillis workers maxJobsPerWorker}. The only mode is {@code hold}: the node runs
 * jobs of type {@value #HOLD_TYPE}, prints {@code STARTED <jobId>} when one starts and then holds
 * it (sleeps) until the process dies. After it started its workers it prints {@code READY
 * <nodeId>}. It exits on its own when its standard input closes (the parent test JVM died) or after
 * {@link #MAX_LIFETIME}, so a crashed test never leaves it behind.
 *
 * <p>{@link #launch} runs in the parent: it starts the child with the parent's {@code java} binary
 * and class path and collects the child's output on a thread.
 */
public final class WorkerProcess {

  /** The job type the child holds. */
  public static final String HOLD_TYPE = "hold";

  /** The child gives up on its own after this long. */
  static final Duration MAX_LIFETIME = Duration.ofMinutes(2);

  /**
   * The payload of a {@value #HOLD_TYPE} job.
   *
   * @param n any number, to tell jobs apart
   */
  public record Hold(int n) {}

  private WorkerProcess() {}

  /**
   * The child JVM's entry point.
   *
   * @param args {@code jdbcUrl user password schema mode nodeId leaseMillis workers
   *     maxJobsPerWorker}
   * @throws Exception if the node cannot start
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 9 || !"hold".equals(args[4])) {
      System.err.println(
          "usage: WorkerProcess jdbcUrl user password schema hold nodeId leaseMillis workers"
              + " maxJobsPerWorker");
      System.exit(2);
    }
    String jdbcUrl = args[0];
    String schema = args[3];
    String nodeId = args[5];
    long leaseMillis = Long.parseLong(args[6]);
    int workers = Integer.parseInt(args[7]);
    int maxJobsPerWorker = Integer.parseInt(args[8]);
    PrintStream out = System.out;
    watchParent();

    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("child-" + nodeId);
    hikari.setJdbcUrl(jdbcUrl);
    hikari.setUsername(args[1]);
    hikari.setPassword(args[2]);
    hikari.setMaximumPoolSize(workers + 4);
    hikari.setMinimumIdle(0);
    HikariDataSource pool = new HikariDataSource(hikari);

    JobQueueManager manager =
        JobQueueManager.builder()
            .config(
                JobQueueConfig.builder()
                    .schema(schema)
                    .nodeId(nodeId)
                    .minWorkers(workers)
                    .maxWorkers(workers)
                    .maxJobsPerWorker(maxJobsPerWorker)
                    .leaseDuration(Duration.ofMillis(leaseMillis))
                    // This node only holds jobs; rescuing is the surviving nodes' business.
                    .rescueInterval(Duration.ofHours(1))
                    .pollInterval(Duration.ofMillis(200))
                    .build())
            .dataSource(pool)
            .handler(
                JobHandler.of(
                    HOLD_TYPE,
                    Hold.class,
                    (payload, ctx) -> {
                      synchronized (out) {
                        out.println("STARTED " + ctx.jobId());
                        out.flush();
                      }
                      Thread.sleep(MAX_LIFETIME.toMillis());
                      return null;
                    }))
            .build();
    manager.initialize();
    synchronized (out) {
      out.println("READY " + manager.workerPool().getNodeId());
      out.flush();
    }
    new CountDownLatch(1).await(MAX_LIFETIME.toMillis(), TimeUnit.MILLISECONDS);
    Runtime.getRuntime().halt(3);
  }

  /** Exits when standard input closes: the parent that holds its other end is gone. */
  private static void watchParent() {
    Thread watcher =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                  // Nothing is ever sent; only the end of the stream matters.
                }
              } catch (IOException ignored) {
                // Treated like the end of the stream.
              }
              Runtime.getRuntime().halt(4);
            },
            "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }

  // ---- parent side ------------------------------------------------------------------------------

  /**
   * Starts a child node in {@code hold} mode.
   *
   * @param db the test database
   * @param schema the schema, already migrated
   * @param nodeId the child's node id
   * @param lease the child's lease duration
   * @param workers the child's worker count (min and max)
   * @param maxJobsPerWorker the child's claim bound per worker
   * @return a handle; close it to kill the child
   * @throws IOException if the JVM cannot be started
   */
  public static Child launch(
      TestDatabase db,
      String schema,
      String nodeId,
      Duration lease,
      int workers,
      int maxJobsPerWorker)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    // Under Surefire 3 on Java 9+ java.class.path is the whole test class path (passed to the fork
    // in an argument file); were it a manifest-only booter jar, -cp would still load the jars its
    // manifest names.
    command.add(System.getProperty("java.class.path"));
    command.add(WorkerProcess.class.getName());
    command.add(db.jdbcUrl());
    command.add(db.user());
    command.add(db.password());
    command.add(schema);
    command.add("hold");
    command.add(nodeId);
    command.add(Long.toString(lease.toMillis()));
    command.add(Integer.toString(workers));
    command.add(Integer.toString(maxJobsPerWorker));
    System.out.printf(
        "WorkerProcess: launching node %s with -cp %s%n",
        nodeId, abbreviate(System.getProperty("java.class.path")));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    return new Child(nodeId, builder.start());
  }

  private static String abbreviate(String text) {
    return text.length() <= 160
        ? text
        : text.substring(0, 160) + "... (" + text.length() + " chars)";
  }

  private static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElseGet(
            () -> {
              Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
              return java.toString();
            });
  }

  /** A running child JVM, seen from the parent. */
  public static final class Child implements AutoCloseable {
    private final String nodeId;
    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread reader;

    Child(String nodeId, Process process) {
      this.nodeId = nodeId;
      this.process = process;
      this.reader = new Thread(this::read, "child-output-" + nodeId);
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          output.add(line);
          System.out.println("[child " + nodeId + "] " + line);
          if (line.startsWith("STARTED ")) {
            started.add(line.substring("STARTED ".length()).trim());
          } else if (line.startsWith("READY ")) {
            ready.countDown();
          }
        }
      } catch (IOException ignored) {
        // The child died; its output ends here.
      }
    }

    /**
     * The child's node id.
     *
     * @return the id it stores in {@code locked_by}
     */
    public String nodeId() {
      return nodeId;
    }

    /**
     * The child process.
     *
     * @return the process
     */
    public Process process() {
      return process;
    }

    /**
     * Waits until the child printed {@code READY}.
     *
     * @param timeout how long to wait
     * @throws InterruptedException if interrupted
     * @throws IllegalStateException if it did not get ready in time
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
      if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "child "
                + nodeId
                + " not ready after "
                + timeout
                + " (alive: "
                + process.isAlive()
                + "); output:\n"
                + output.stream().collect(Collectors.joining("\n")));
      }
    }

    /**
     * The ids of the jobs the child printed {@code STARTED} for.
     *
     * @return a snapshot
     */
    public Set<String> startedJobs() {
      return Set.copyOf(started);
    }

    /**
     * Everything the child printed so far.
     *
     * @return a snapshot
     */
    public List<String> output() {
      return List.copyOf(output);
    }

    /** Kills the child if it still runs. */
    @Override
    public void close() {
      if (process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
