package dev.jobqueue.bench;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child JVM of the scaling workload, started by {@link ScalingWorkload}: one worker node of K on
 * one schema. It builds a worker manager with a fixed pool, registers the suite's no-op handler,
 * calls {@code initialize()}, waits until its pool listens and a leader is elected, and prints
 *
 * <pre>READY node=NODE_ID</pre>
 *
 * <p>Then it reads its standard input: {@code GO} (the parent started the clock; the handler counts
 * every job it runs, from the start), and {@code STOP} or the end of input (the parent is done, or
 * gone). It then shuts the manager down and prints one line
 *
 * <pre>RESULT ran=12345 node=NODE_ID goToStopMillis=6789 cpuMs=4321 jitMs=1234 gcMs=56</pre>
 *
 * <p>where the last three are what this JVM spent from {@code GO} to {@code STOP} (before its
 * shutdown): CPU time (all threads, from {@code /proc/self/stat}), JIT compilation time and
 * collection time (from the management beans; -1 when unknown).
 *
 * <p>Arguments: schema, workers, maxJobsPerWorker, the child's name. The database comes from {@code
 * BENCH_DB_URL} (the parent puts the child's name in it as {@code ApplicationName}), {@code
 * BENCH_DB_USER} and {@code BENCH_DB_PASSWORD}. The prune interval is the library's minimum, 1 s,
 * so that the leader's pruning passes show within a drain of a few seconds.
 */
public final class ScalingDrain {

  private ScalingDrain() {}

  /**
   * Runs the node until told to stop.
   *
   * @param args schema, workers, maxJobsPerWorker, name
   * @throws Exception if the node cannot run
   */
  public static void main(String[] args) throws Exception {
    String schema = args[0];
    int workers = Integer.parseInt(args[1]);
    int perWorker = Integer.parseInt(args[2]);
    String name = args[3];
    String user = System.getenv("BENCH_DB_USER");
    String password = System.getenv("BENCH_DB_PASSWORD");
    JobQueueConfig.Builder config =
        JobQueueConfig.builder()
            .databaseUrl(System.getenv("BENCH_DB_URL"))
            .schema(schema)
            .maxWorkers(workers)
            .minWorkers(workers)
            .maxJobsPerWorker(perWorker)
            .pollInterval(Duration.ofSeconds(1))
            .pruneInterval(Duration.ofSeconds(1))
            .gracefulShutdownTimeout(Duration.ofSeconds(10));
    if (user != null && !user.isEmpty()) {
      config.databaseUser(user);
    }
    if (password != null && !password.isEmpty()) {
      config.databasePassword(password);
    }
    warmUp(config, schema + "_warm_" + name.replaceAll("[^a-z0-9_]", "_"), user, password);
    config.schema(schema);
    AtomicLong ran = new AtomicLong();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String node;
    long go = 0;
    long[] atGo = null;
    long[] atStop;
    long stop;
    try (JobQueueManager manager =
        JobQueueManager.builder()
            .config(config.build())
            .handler(Workloads.handler(t -> ran.incrementAndGet()))
            .build()) {
      manager.initialize();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!manager.workerPool().isListening() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      // Ready means settled: some node (this one or another) holds the leader lease.
      while (manager.healthCheck().cluster().leader().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      node = manager.workerPool().getNodeId();
      System.out.println("READY node=" + node);
      System.out.flush();
      String line;
      while ((line = in.readLine()) != null) {
        line = line.trim();
        if (line.equals("GO")) {
          go = System.nanoTime();
          atGo = costs();
        } else if (line.equals("STOP")) {
          break;
        }
      }
      stop = System.nanoTime();
      atStop = costs();
    }
    long[] spent = new long[3];
    for (int i = 0; i < spent.length; i++) {
      spent[i] = atGo == null || atGo[i] < 0 || atStop[i] < 0 ? -1 : atStop[i] - atGo[i];
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT ran=%d node=%s goToStopMillis=%d cpuMs=%d jitMs=%d gcMs=%d%n",
        ran.get(),
        node,
        go == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(stop - go),
        spent[0],
        spent[1],
        spent[2]);
    System.out.flush();
    System.exit(0);
  }

  /** CPU ms so far of this JVM, of its JIT compiler threads and of its GC threads (-1: unknown). */
  private static long[] costs() {
    String[] self = ProcSampler.stat(ProcessHandle.current().pid());
    if (self == null) {
      return new long[] {-1, -1, -1};
    }
    long total = Long.parseLong(self[11]) + Long.parseLong(self[12]);
    long jit = 0;
    long gc = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        String text;
        try {
          text = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue; // The thread ended.
        }
        String comm = text.substring(text.indexOf('(') + 1, text.lastIndexOf(')'));
        String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
          jit += ticks;
        } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
          gc += ticks;
        }
      }
    } catch (IOException | RuntimeException e) {
      jit = -1;
      gc = -1;
    }
    long tck = ProcSampler.CLK_TCK;
    return new long[] {
      total * 1000 / tck, jit < 0 ? -1 : jit * 1000 / tck, gc < 0 ? -1 : gc * 1000 / tck
    };
  }

  /**
   * As the suite's own warm-up: 5,000 jobs enqueued and drained in a schema of this child's own,
   * then dropped, so that the measured drain does not pay for class loading and the first JIT
   * compilations.
   */
  private static void warmUp(
      JobQueueConfig.Builder config, String warm, String user, String password) throws Exception {
    int n = 5_000;
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(n);
    try (JobQueueManager manager =
        JobQueueManager.builder()
            .config(config.schema(warm).build())
            .handler(Workloads.handler(t -> done.countDown()))
            .build()) {
      manager.initialize();
      java.util.List<dev.jobqueue.CreateJobOptions> batch = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        batch.add(dev.jobqueue.CreateJobOptions.of(Workloads.TYPE, new Tick(i, 0)));
        if (batch.size() == 100) {
          manager.createJobs(batch);
          batch.clear();
        }
      }
      done.await(60, TimeUnit.SECONDS);
    }
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(
                System.getenv("BENCH_DB_URL"),
                user == null || user.isEmpty() ? null : user,
                password == null || password.isEmpty() ? null : password);
        java.sql.Statement st = c.createStatement()) {
      st.execute("drop schema if exists " + warm + " cascade");
    }
  }
}
