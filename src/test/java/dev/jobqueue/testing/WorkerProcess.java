package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobPolicy;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.QueueOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A job-queue node in a JVM of its own, for tests that kill a node.
 *
 * <p>{@link #main(String[])} runs in the child JVM, in one of two modes:
 *
 * <ul>
 *   <li>{@code hold} (arguments {@code jdbcUrl user password schema hold nodeId leaseMillis workers
 *       maxJobsPerWorker}): the node runs jobs of type {@value #HOLD_TYPE}, prints {@code STARTED
 *       <jobId>} when one starts and then holds it (sleeps) until the process dies. It never
 *       rescues.
 *   <li>{@code ledger} (arguments {@code jdbcUrl user password schema ledger key=value...}, see
 *       {@link Node}): the node runs jobs of type {@value #LEDGER_TYPE}, whose {@link Task} payload
 *       says what the handler does, and records every execution in the {@link Ledger} (the same
 *       recording as a node in the test JVM, {@code Ledger.recordExecution}). It calls {@code
 *       shutdown()} on SIGTERM (a shutdown hook) or when it reads {@code SHUTDOWN} on its standard
 *       input, then prints {@code SHUTDOWN-DONE}. A clock skew is applied with the system property
 *       {@code jobqueue.internal.clockSkewMillis} (see {@code WallClock}).
 * </ul>
 *
 * <p>After it started its workers the child prints {@code READY <nodeId>}. It exits on its own when
 * its standard input closes (the parent test JVM died) or after its lifetime, so a crashed test
 * never leaves it behind.
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
    if (args.length >= 5 && LEDGER_MODE.equals(args[4])) {
      runLedgerNode(args);
      return;
    }
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
    watchParent(null);

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

  /**
   * Exits when standard input closes: the parent that holds its other end is gone. A line {@code
   * SHUTDOWN} runs {@code onShutdown} (if not null) and exits with 0.
   */
  private static void watchParent(Runnable onShutdown) {
    watchParentLines(
        line -> {
          if (onShutdown != null && "SHUTDOWN".equals(line)) {
            onShutdown.run();
            System.exit(0);
          }
        });
  }

  /**
   * In a child JVM: hands each line the parent writes to {@code onLine} (trimmed), on a daemon
   * thread, and halts the JVM with status 4 when standard input closes (the parent is gone).
   *
   * @param onLine what to do with a line
   */
  static void watchParentLines(Consumer<String> onLine) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                BufferedReader in =
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                  onLine.accept(line.trim());
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

  // ---- ledger mode (child side) -----------------------------------------------------------------

  /** The job type of ledger mode. */
  public static final String LEDGER_TYPE = "ledger";

  private static final String LEDGER_MODE = "ledger";

  /**
   * The payload of a {@value #LEDGER_TYPE} job: what its handler does.
   *
   * @param n any number, to tell jobs apart
   * @param mode {@code sleep} (sleep {@code millis}, 0 for none; interruption ends it), {@code
   *     hold} (work in 50 ms steps for {@code millis}, recording progress in the ledger after each
   *     step while {@code isCancellationRequested()} is false, and stop as soon as it is true),
   *     {@code stubborn} (ignore interruption and cancellation for {@code millis}, then try to
   *     complete anyway) or {@code halt} ({@code Runtime.halt(1)} right after the ledger row)
   * @param millis how long
   */
  public record Task(int n, String mode, long millis) {
    /**
     * A job that completes at once.
     *
     * @param n its number
     * @return the payload
     */
    public static Task noop(int n) {
      return new Task(n, "sleep", 0);
    }

    /**
     * A job that sleeps.
     *
     * @param n its number
     * @param millis how long
     * @return the payload
     */
    public static Task sleep(int n, long millis) {
      return new Task(n, "sleep", millis);
    }

    /**
     * A long job that checks for cancellation and records its progress.
     *
     * @param n its number
     * @param millis how long
     * @return the payload
     */
    public static Task hold(int n, long millis) {
      return new Task(n, "hold", millis);
    }

    /**
     * A long job that ignores interruption and cancellation, then tries to complete.
     *
     * @param n its number
     * @param millis how long
     * @return the payload
     */
    public static Task stubborn(int n, long millis) {
      return new Task(n, "stubborn", millis);
    }

    /**
     * A job that kills its JVM.
     *
     * @param n its number
     * @return the payload
     */
    public static Task halt(int n) {
      return new Task(n, "halt", 0);
    }
  }

  private static void runLedgerNode(String[] args) throws Exception {
    java.util.Map<String, String> o = new java.util.HashMap<>();
    for (int i = 5; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      o.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    String schema = args[3];
    String nodeId = o.get("node");
    int workers = Integer.parseInt(o.get("workers"));
    PrintStream out = System.out;

    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("child-" + nodeId);
    hikari.setJdbcUrl(args[0]);
    hikari.setUsername(args[1]);
    hikari.setPassword(args[2]);
    hikari.setMaximumPoolSize(workers + 6);
    hikari.setMinimumIdle(0);
    HikariDataSource pool = new HikariDataSource(hikari);
    HikariConfig ledgerConfig = new HikariConfig();
    hikari.copyStateTo(ledgerConfig);
    ledgerConfig.setPoolName("ledger-" + nodeId);
    ledgerConfig.setMaximumPoolSize(workers + 1);
    // Opened at start: the ledger's own connections must not make a fresh node's first jobs look
    // slow to start.
    ledgerConfig.setMinimumIdle(workers + 1);
    HikariDataSource ledgerPool = new HikariDataSource(ledgerConfig);

    JobQueueManager manager =
        JobQueueManager.builder()
            .config(
                JobQueueConfig.builder()
                    .schema(schema)
                    .nodeId(nodeId)
                    .minWorkers(workers)
                    .maxWorkers(workers)
                    .maxJobsPerWorker(Integer.parseInt(o.get("maxJobsPerWorker")))
                    .leaseDuration(Duration.ofMillis(Long.parseLong(o.get("leaseMillis"))))
                    .rescueInterval(Duration.ofMillis(Long.parseLong(o.get("rescueMillis"))))
                    .pollInterval(Duration.ofMillis(Long.parseLong(o.get("pollMillis"))))
                    .gracefulShutdownTimeout(
                        Duration.ofMillis(Long.parseLong(o.get("graceMillis"))))
                    .retryBaseDelay(Duration.ofMillis(50))
                    .retryMaxDelay(Duration.ofMillis(200))
                    .retryJitter(0)
                    .queues(queues(System.getenv(QUEUES_VARIABLE)))
                    .build())
            .dataSource(pool)
            .handler(
                withKeyLimit(
                    JobHandler.of(
                        LEDGER_TYPE,
                        Task.class,
                        (task, ctx) ->
                            Ledger.recordExecution(
                                task, ctx, ledgerPool, schema, nodeId, line -> print(out, line))),
                    System.getenv(KEY_LIMIT_VARIABLE)))
            .build();
    Runnable shutdown =
        () -> {
          long t0 = System.nanoTime();
          manager.shutdown();
          print(
              out,
              "SHUTDOWN-DONE "
                  + nodeId
                  + " "
                  + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
                  + " ms");
        };
    watchParent(shutdown);
    Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "sigterm-shutdown"));
    manager.initialize();
    print(out, "CLOCK " + dev.jobqueue.internal.WallClock.currentTimeMillis());
    print(out, "READY " + manager.workerPool().getNodeId());
    selfEnqueue(manager, System.getenv(SELF_ENQUEUE_VARIABLE), out);
    new CountDownLatch(1).await(Long.parseLong(o.get("lifetimeMillis")), TimeUnit.MILLISECONDS);
    Runtime.getRuntime().halt(3);
  }

  /**
   * Makes a ledger node create ledger jobs itself, one at a time with {@code createJob}, so that
   * jobs are claimed in their own insert while the node has idle workers: {@code
   * first,count,everyMillis,sleepMillis} (task numbers {@code first} on, each task sleeping {@code
   * sleepMillis}); none if unset. The node prints {@code ENQUEUED n} once every job is created.
   */
  public static final String SELF_ENQUEUE_VARIABLE = "LEDGER_SELF_ENQUEUE";

  private static void selfEnqueue(JobQueueManager manager, String plan, PrintStream out) {
    if (plan == null || plan.isBlank()) {
      return;
    }
    String[] p = plan.split(",");
    int first = Integer.parseInt(p[0]);
    int count = Integer.parseInt(p[1]);
    long every = Long.parseLong(p[2]);
    long sleep = Long.parseLong(p[3]);
    Thread enqueuer =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < count; i++) {
                  manager.createJob(
                      CreateJobOptions.builder(LEDGER_TYPE, Task.sleep(first + i, sleep))
                          .maxRetries(3)
                          .build());
                  Thread.sleep(every);
                }
                print(out, "ENQUEUED " + count);
              } catch (Exception e) {
                print(out, "ENQUEUE-FAILED " + e);
              }
            },
            "self-enqueue");
    enqueuer.setDaemon(true);
    enqueuer.start();
  }

  /** The queues a ledger node serves, as {@code JOB_QUEUE_QUEUES} writes them; default if unset. */
  public static final String QUEUES_VARIABLE = "LEDGER_QUEUES";

  /** A per-key limit for the ledger handler's policy ({@code maxRunningPerKey}); none if unset. */
  public static final String KEY_LIMIT_VARIABLE = "LEDGER_MAX_RUNNING_PER_KEY";

  private static List<QueueOptions> queues(String text) {
    if (text == null || text.isBlank()) {
      return List.of(QueueOptions.of(JobQueueConfig.DEFAULT_QUEUE));
    }
    List<QueueOptions> queues = new ArrayList<>();
    for (String entry : text.split(",")) {
      queues.add(QueueOptions.parse(entry));
    }
    return queues;
  }

  private static <P> JobHandler<P> withKeyLimit(JobHandler<P> handler, String keyLimit) {
    if (keyLimit == null || keyLimit.isBlank()) {
      return handler;
    }
    return Handlers.withPolicy(
        handler, JobPolicy.builder().maxRunningPerKey(Integer.parseInt(keyLimit)).build());
  }

  private static void print(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
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
    System.out.printf(
        "WorkerProcess: launching node %s with -cp %s%n",
        nodeId, abbreviate(System.getProperty("java.class.path")));
    return launchJvm(
        nodeId,
        WorkerProcess.class,
        List.of("-Xmx256m"),
        List.of(
            db.jdbcUrl(),
            db.user(),
            db.password(),
            schema,
            "hold",
            nodeId,
            Long.toString(lease.toMillis()),
            Integer.toString(workers),
            Integer.toString(maxJobsPerWorker)));
  }

  /**
   * Settings of a {@code ledger} mode child node.
   *
   * @param nodeId its node id, unique for every start
   * @param lease its lease duration
   * @param rescueInterval its rescue interval
   * @param workers its worker count (min and max)
   * @param maxJobsPerWorker its claim bound per worker
   * @param pollInterval its poll interval
   * @param gracefulShutdownTimeout its graceful shutdown timeout
   * @param lifetime after this long it exits on its own
   * @param clockSkewMillis how far its wall clock is ahead (negative: behind)
   */
  public record Node(
      String nodeId,
      Duration lease,
      Duration rescueInterval,
      int workers,
      int maxJobsPerWorker,
      Duration pollInterval,
      Duration gracefulShutdownTimeout,
      Duration lifetime,
      long clockSkewMillis) {

    /**
     * Defaults: lease 3 s, rescue every 1 s, 8 workers claiming up to 2 jobs each, polls every 200
     * ms, graceful shutdown 5 s, lifetime 10 min, no skew.
     *
     * @param nodeId the node id
     * @return the settings
     */
    public static Node of(String nodeId) {
      return new Node(
          nodeId,
          Duration.ofSeconds(3),
          Duration.ofSeconds(1),
          8,
          2,
          Duration.ofMillis(200),
          Duration.ofSeconds(5),
          Duration.ofMinutes(10),
          0);
    }

    /**
     * With another node id.
     *
     * @param id the node id
     * @return a copy
     */
    public Node withNodeId(String id) {
      return new Node(
          id,
          lease,
          rescueInterval,
          workers,
          maxJobsPerWorker,
          pollInterval,
          gracefulShutdownTimeout,
          lifetime,
          clockSkewMillis);
    }

    /**
     * With another lease and rescue interval.
     *
     * @param newLease the lease
     * @param newRescueInterval the rescue interval
     * @return a copy
     */
    public Node withLease(Duration newLease, Duration newRescueInterval) {
      return new Node(
          nodeId,
          newLease,
          newRescueInterval,
          workers,
          maxJobsPerWorker,
          pollInterval,
          gracefulShutdownTimeout,
          lifetime,
          clockSkewMillis);
    }

    /**
     * With other worker counts.
     *
     * @param newWorkers the workers
     * @param newMaxJobsPerWorker the claim bound per worker
     * @return a copy
     */
    public Node withWorkers(int newWorkers, int newMaxJobsPerWorker) {
      return new Node(
          nodeId,
          lease,
          rescueInterval,
          newWorkers,
          newMaxJobsPerWorker,
          pollInterval,
          gracefulShutdownTimeout,
          lifetime,
          clockSkewMillis);
    }

    /**
     * With another graceful shutdown timeout.
     *
     * @param timeout the timeout
     * @return a copy
     */
    public Node withGracefulShutdownTimeout(Duration timeout) {
      return new Node(
          nodeId,
          lease,
          rescueInterval,
          workers,
          maxJobsPerWorker,
          pollInterval,
          timeout,
          lifetime,
          clockSkewMillis);
    }

    /**
     * With a wall clock skewed by {@code millis}.
     *
     * @param millis ahead if positive, behind if negative
     * @return a copy
     */
    public Node withClockSkewMillis(long millis) {
      return new Node(
          nodeId,
          lease,
          rescueInterval,
          workers,
          maxJobsPerWorker,
          pollInterval,
          gracefulShutdownTimeout,
          lifetime,
          millis);
    }
  }

  /**
   * Starts a child node in {@code ledger} mode. The schema must be migrated and hold the {@link
   * Ledger}'s tables.
   *
   * @param db the test database
   * @param schema the schema
   * @param node the node's settings
   * @return a handle; close it to kill the child
   * @throws IOException if the JVM cannot be started
   */
  public static Child launch(TestDatabase db, String schema, Node node) throws IOException {
    return launch(db, schema, node, Map.of());
  }

  /**
   * Starts a child node in {@code ledger} mode with extra environment variables, such as {@link
   * #QUEUES_VARIABLE} and {@link #KEY_LIMIT_VARIABLE}.
   *
   * @param db the test database
   * @param schema the schema
   * @param node the node's settings
   * @param environment variables added to the child's environment
   * @return a handle; close it to kill the child
   * @throws IOException if the JVM cannot be started
   */
  public static Child launch(
      TestDatabase db, String schema, Node node, Map<String, String> environment)
      throws IOException {
    List<String> options = new ArrayList<>(List.of("-Xmx192m", "-XX:+UseSerialGC"));
    if (node.clockSkewMillis() != 0) {
      options.add("-Djobqueue.internal.clockSkewMillis=" + node.clockSkewMillis());
    }
    return launchJvm(
        node.nodeId(),
        WorkerProcess.class,
        options,
        List.of(
            db.jdbcUrl(),
            db.user(),
            db.password(),
            schema,
            LEDGER_MODE,
            "node=" + node.nodeId(),
            "leaseMillis=" + node.lease().toMillis(),
            "rescueMillis=" + node.rescueInterval().toMillis(),
            "workers=" + node.workers(),
            "maxJobsPerWorker=" + node.maxJobsPerWorker(),
            "pollMillis=" + node.pollInterval().toMillis(),
            "graceMillis=" + node.gracefulShutdownTimeout().toMillis(),
            "lifetimeMillis=" + node.lifetime().toMillis()),
        environment);
  }

  /**
   * Starts {@code mainClass} in a child JVM, with this JVM's {@code java} binary and class path,
   * and collects the child's output on a thread: the one launcher of the tests' child processes.
   *
   * @param nodeId the child's name, in its output and its {@link Child#nodeId()}
   * @param mainClass the class whose {@code main} the child runs
   * @param jvmOptions options of the child JVM, for example {@code -Xmx192m}
   * @param args the arguments of {@code main}
   * @return a handle; close it to kill the child
   * @throws IOException if the JVM cannot be started
   */
  public static Child launchJvm(
      String nodeId, Class<?> mainClass, List<String> jvmOptions, List<String> args)
      throws IOException {
    return launchJvm(nodeId, mainClass, jvmOptions, args, Map.of());
  }

  /**
   * {@link #launchJvm(String, Class, List, List)} with variables added to the child's environment.
   *
   * @param nodeId the child's name, in its output and its {@link Child#nodeId()}
   * @param mainClass the class whose {@code main} the child runs
   * @param jvmOptions options of the child JVM, for example {@code -Xmx192m}
   * @param args the arguments of {@code main}
   * @param environment added to the child's environment
   * @return a handle; close it to kill the child
   * @throws IOException if the JVM cannot be started
   */
  public static Child launchJvm(
      String nodeId,
      Class<?> mainClass,
      List<String> jvmOptions,
      List<String> args,
      Map<String, String> environment)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    // Under Surefire 3 on Java 9+ java.class.path is the whole test class path (passed to the fork
    // in an argument file); were it a manifest-only booter jar, -cp would still load the jars its
    // manifest names.
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
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

    /**
     * Whether the child printed {@code READY}.
     *
     * @return true once it is ready
     */
    public boolean isReady() {
      return ready.getCount() == 0;
    }

    /**
     * The child's process id.
     *
     * @return the pid
     */
    public long pid() {
      return process.pid();
    }

    /**
     * The lines the child printed that start with {@code prefix}.
     *
     * @param prefix for example {@code "FENCED "}
     * @return a snapshot
     */
    public List<String> lines(String prefix) {
      return output.stream().filter(line -> line.startsWith(prefix)).toList();
    }

    /**
     * Kills the child with SIGKILL and waits for it to die.
     *
     * @return its exit code: 137 for SIGKILL
     * @throws InterruptedException if interrupted
     */
    public int kill9() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, nothing released
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("child " + nodeId + " survived SIGKILL for 30 s");
      }
      return process.exitValue();
    }

    /**
     * Sends a signal with {@code kill}, for example {@code STOP} or {@code CONT}.
     *
     * @param signal the signal's name without {@code SIG}
     * @throws IOException if {@code kill} cannot run
     * @throws InterruptedException if interrupted
     */
    public void signal(String signal) throws IOException, InterruptedException {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      String message = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " failed: " + message);
      }
    }

    /**
     * Sends SIGTERM with {@code kill -TERM}: the child shuts down gracefully. Not {@link
     * Process#destroy()}: besides SIGTERM it closes the child's standard input, which the child
     * takes for its parent's death and halts.
     *
     * @throws IOException if {@code kill} cannot run
     * @throws InterruptedException if interrupted
     */
    public void terminate() throws IOException, InterruptedException {
      signal("TERM");
    }

    /**
     * Writes a line to the child's standard input, for example {@code SHUTDOWN}.
     *
     * @param line the line
     * @throws IOException if the child's input is closed
     */
    public void send(String line) throws IOException {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /**
     * Waits for the child to exit.
     *
     * @param timeout how long to wait
     * @return its exit code
     * @throws InterruptedException if interrupted
     * @throws IllegalStateException if it still runs after {@code timeout}
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("child " + nodeId + " still runs after " + timeout);
      }
      reader.join(5_000);
      return process.exitValue();
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
