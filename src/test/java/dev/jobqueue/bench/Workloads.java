package dev.jobqueue.bench;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.QueueLimits;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.bench.Results.Unit;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmark workloads (docs/benchmarks.md). Each measurement runs in a fresh schema that is
 * dropped afterwards; clocks are {@code System.nanoTime()}.
 */
final class Workloads {

  static final String TYPE = "bench-noop";

  /** The library's claim size per worker; the pool claims up to workers × this at once. */
  static final int MAX_JOBS_PER_WORKER = 50;

  /** Payload JSON of the plain-JDBC ceiling rows: what the library stores for a Tick. */
  private static final String CEILING_PAYLOAD = "{\"i\": 0, \"t\": 0}";

  /** Workload sizes: the documented ones, or smaller ones for a smoke run. */
  record Sizes(
      int w1Jobs,
      int w2Jobs,
      int w2BigJobs,
      int w3Jobs,
      int w4Jobs,
      int w5Seconds,
      int ceilingJobs,
      int memoryJobs) {
    static Sizes full() {
      return new Sizes(20_000, 20_000, 200_000, 200, 20_000, 60, 20_000, 200_000);
    }

    static Sizes quick() {
      return new Sizes(2_000, 2_000, 20_000, 100, 5_000, 10, 2_000, 20_000);
    }
  }

  @FunctionalInterface
  interface Body {
    void run(Tick tick) throws Exception;
  }

  @FunctionalInterface
  interface Measurement {
    /** Returns the figure's value, or null when the run did not produce one. */
    Double run() throws Exception;
  }

  private final BenchDatabase db;
  private final Sizes sizes;
  private final Results results;
  private final PrintStream out;
  private final AtomicInteger schemas = new AtomicInteger();

  Workloads(BenchDatabase db, Sizes sizes, Results results, PrintStream out) {
    this.db = db;
    this.sizes = sizes;
    this.results = results;
    this.out = out;
  }

  void run(String workload, int run) {
    switch (workload) {
      case "W1" -> w1(run);
      case "W2" -> w2(run);
      case "W2Q" -> w2q(run);
      case "W3" -> w3(run);
      case "W4" -> w4(run);
      case "W5" -> w5(run);
      case "ceiling" -> ceiling(run);
      case "anatomy" -> anatomy(run);
      case "memory" -> memory(run);
      case "backlog" -> new BacklogWorkload(this, db, sizes, results, out).run(run);
      case "scaling" -> new ScalingWorkload(this, db, sizes.w2BigJobs(), results, out).run(run);
      case "admin" -> new AdminWorkload(this, db, sizes, results, out).run(run);
      default -> throw new IllegalArgumentException("unknown workload " + workload);
    }
  }

  /** The configuration every worker pool of the suite uses, printed at the start. */
  static String poolConfigDescription() {
    return "minWorkers = maxWorkers = the workload's worker count, maxJobsPerWorker = "
        + MAX_JOBS_PER_WORKER
        + ", pollInterval 1 s (W3: 60 s), leaseDuration 30 s, other settings at their defaults;"
        + " each manager owns its HikariCP pool (maxWorkers + "
        + dev.jobqueue.internal.store.Database.CONNECTIONS_BEYOND_WORKERS
        + " connections)";
  }

  // ---- warm-up --------------------------------------------------------------------------------

  /** One small enqueue-and-drain pass, discarded, so that run 1 does not pay for class loading. */
  void warmUp() throws Exception {
    String schema = newSchema("warmup");
    try (JobQueueManager enqueuer = enqueueManager(schema)) {
      enqueuer.initialize();
      for (int i = 0; i < 500; i++) {
        enqueuer.createJob(CreateJobOptions.of(TYPE, new Tick(i, 0)));
      }
      enqueue(enqueuer, 4_500, 100);
      CountDownLatch done = new CountDownLatch(5_500);
      try (JobQueueManager workers = workerManager(schema, 8, t -> done.countDown(), c -> {})) {
        workers.initialize();
        // And 500 created by the worker node itself, one at a time: the path of a job claimed in
        // its own insert (W3's local variant) gets warm too.
        for (int i = 0; i < 500; i++) {
          workers.createJob(CreateJobOptions.of(TYPE, new Tick(i, 0)));
          Thread.sleep(1);
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
          out.println("  warm-up: the 5,500 jobs did not drain within 60 s");
        }
      }
    } finally {
      dropSchema(schema);
    }
  }

  // ---- W1 enqueue -----------------------------------------------------------------------------

  private void w1(int run) {
    int n = sizes.w1Jobs();
    String single = "createJob, 1 per call, " + thousands(n) + " calls";
    String batch100 = "createJobs, 100 per call";
    String batch1000 = "createJobs, 1,000 per call";
    results.define("W1", single, Unit.JOBS_PER_S, "≥ 3,000", v -> v >= 3_000);
    results.define("W1", batch100, Unit.JOBS_PER_S);
    results.define("W1", batch1000, Unit.JOBS_PER_S, "≥ 150,000", v -> v >= 150_000);
    measure("W1", single, run, () -> enqueueRate(n, 1));
    measure("W1", batch100, run, () -> enqueueRate(n, 100));
    measure("W1", batch1000, run, () -> enqueueRate(n, 1_000));
  }

  /** Jobs/s of {@code n} jobs enqueued from one thread, {@code perCall} per call (1: createJob). */
  private Double enqueueRate(int n, int perCall) throws Exception {
    String schema = newSchema("w1");
    try (JobQueueManager manager = enqueueManager(schema);
        Connection admin = db.connect()) {
      manager.initialize();
      List<CreateJobOptions> all = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        all.add(CreateJobOptions.of(TYPE, new Tick(i, 0)));
      }
      List<List<CreateJobOptions>> batches = new ArrayList<>();
      for (int i = 0; i < n; i += perCall) {
        batches.add(all.subList(i, Math.min(n, i + perCall)));
      }
      checkpoint(admin);
      long t0 = System.nanoTime();
      if (perCall == 1) {
        for (CreateJobOptions options : all) {
          manager.createJob(options);
        }
      } else {
        for (List<CreateJobOptions> batch : batches) {
          manager.createJobs(batch);
        }
      }
      long t1 = System.nanoTime();
      long stored = count(admin, "select count(*) from " + schema + ".jobs");
      if (stored != n) {
        throw new IllegalStateException("stored " + stored + " jobs, expected " + n);
      }
      return perSecond(n, t1 - t0);
    } finally {
      dropSchema(schema);
    }
  }

  // ---- W2 drain -------------------------------------------------------------------------------

  private void w2(int run) {
    int n = sizes.w2Jobs();
    int big = sizes.w2BigJobs();
    String eight = "drain " + thousands(n) + " no-op, 8 workers";
    String sixteen = "drain " + thousands(n) + " no-op, 16 workers";
    String large = "drain " + thousands(big) + " no-op, 8 workers";
    results.define("W2", eight, Unit.JOBS_PER_S, "≥ 30,000", v -> v >= 30_000);
    results.define("W2", sixteen, Unit.JOBS_PER_S);
    results.define("W2", large, Unit.JOBS_PER_S);
    measure("W2", eight, run, () -> drain("W2", eight, run, n, 8, 0, false));
    measure("W2", sixteen, run, () -> drain("W2", sixteen, run, n, 16, 0, false));
    measure("W2", large, run, () -> drain("W2", large, run, big, 8, 0, false));
  }

  // ---- W2Q drain through named queues and limits ---------------------------------------------

  /**
   * W2's 8-worker drain four ways in one run: the default queue; one named queue; one queue whose
   * jobs carry 1,000 concurrency keys with a per-key limit of 2 (every claim takes the locked,
   * limited path); and one queue while another, paused queue holds as many jobs.
   */
  private void w2q(int run) {
    int n = sizes.w2Jobs();
    String base = "drain " + thousands(n) + " no-op, 8 workers, ";
    String[] figures = {
      base + "default queue",
      base + "named queue",
      base + "1,000 keys at limit 2",
      base + "next to a paused queue"
    };
    for (String figure : figures) {
      results.define("W2Q", figure, Unit.JOBS_PER_S);
    }
    measure("W2Q", figures[0], run, () -> drainQueue("W2Q", run, n, "default", 0, false));
    measure("W2Q", figures[1], run, () -> drainQueue("W2Q", run, n, "work", 0, false));
    measure("W2Q", figures[2], run, () -> drainQueue("W2Q", run, n, "work", 1_000, false));
    measure("W2Q", figures[3], run, () -> drainQueue("W2Q", run, n, "work", 0, true));
  }

  /**
   * Like {@link #drain} with 8 workers, for jobs in {@code queue}: with {@code keys > 0} the jobs
   * cycle through that many concurrency keys and the queue allows 2 running per key; with {@code
   * pausedNeighbour} a paused queue, also served by the pool, holds another {@code n} jobs.
   */
  private Double drainQueue(
      String workload, int run, int n, String queue, int keys, boolean pausedNeighbour)
      throws Exception {
    String schema = newSchema(workload.toLowerCase(Locale.ROOT));
    try (Connection admin = db.connect()) {
      try (JobQueueManager manager = enqueueManager(schema)) {
        manager.initialize();
        if (keys > 0) {
          manager.setQueueLimits(queue, QueueLimits.builder().maxRunningPerKey(2).build());
        }
        enqueue(manager, n, 1_000, i -> options(i, queue, keys == 0 ? null : "key-" + i % keys));
        if (pausedNeighbour) {
          manager.pauseQueue("held");
          enqueue(manager, n, 1_000, i -> options(i, "held", null));
        }
      }
      analyzeAndCheckpoint(admin, schema);
      CountDownLatch done = new CountDownLatch(n);
      List<QueueOptions> served = new ArrayList<>();
      served.add(QueueOptions.of(queue));
      if (pausedNeighbour) {
        served.add(QueueOptions.of("held"));
      }
      long t0;
      long t1;
      try (JobQueueManager manager =
          workerManager(schema, 8, t -> done.countDown(), c -> c.queues(served))) {
        long deadline = TimeUnit.SECONDS.toNanos(60) + TimeUnit.MILLISECONDS.toNanos(n);
        t0 = System.nanoTime();
        manager.initialize();
        if (!done.await(deadline, TimeUnit.NANOSECONDS)) {
          throw new TimeoutException(
              "handlers saw " + (n - done.getCount()) + " of " + n + " jobs before the deadline");
        }
        while (count(
                admin,
                "select count(*) from "
                    + schema
                    + ".jobs where status in ('pending', 'running') and queue = '"
                    + queue
                    + "'")
            > 0) {
          if (System.nanoTime() > t0 + deadline) {
            throw new TimeoutException("jobs still pending or running in the database");
          }
          Thread.sleep(2);
        }
        t1 = System.nanoTime();
      }
      long completed =
          count(admin, "select count(*) from " + schema + ".jobs where status = 'completed'");
      if (completed != n) {
        throw new IllegalStateException(completed + " of " + n + " jobs are completed");
      }
      return perSecond(n, t1 - t0);
    } finally {
      dropSchema(schema);
    }
  }

  private static CreateJobOptions options(int i, String queue, String key) {
    CreateJobOptions.Builder options = CreateJobOptions.builder(TYPE, new Tick(i, 0)).queue(queue);
    if (key != null) {
      options.concurrencyKey(key);
    }
    return options.build();
  }

  /**
   * Enqueues {@code n} jobs (clock stopped), then times a fresh pool of {@code workers} from just
   * before {@code initialize()} until the handlers have seen every job and the database shows none
   * pending or running.
   */
  private Double drain(
      String workload,
      String figure,
      int run,
      int n,
      int workers,
      long sleepMillis,
      boolean virtualThreads)
      throws Exception {
    String schema = newSchema(workload.toLowerCase(Locale.ROOT));
    try (Connection admin = db.connect()) {
      prefill(schema, n);
      analyzeAndCheckpoint(admin, schema);
      CountDownLatch done = new CountDownLatch(n);
      Body body =
          sleepMillis > 0
              ? t -> {
                Thread.sleep(sleepMillis);
                done.countDown();
              }
              : t -> done.countDown();
      long t0;
      long initialized;
      long t1;
      try (JobQueueManager manager =
          workerManager(schema, workers, body, c -> c.useVirtualThreads(virtualThreads))) {
        long deadline = TimeUnit.SECONDS.toNanos(60) + TimeUnit.MILLISECONDS.toNanos(n);
        t0 = System.nanoTime();
        manager.initialize();
        initialized = System.nanoTime();
        if (!done.await(deadline, TimeUnit.NANOSECONDS)) {
          throw new TimeoutException(
              "handlers saw " + (n - done.getCount()) + " of " + n + " jobs before the deadline");
        }
        awaitNoneUnfinished(admin, schema, t0 + deadline);
        t1 = System.nanoTime();
      }
      verifyCompleted(admin, schema, n);
      results.note(workload, run, figure + ": initialize() ms", (initialized - t0) / 1_000_000.0);
      return perSecond(n, t1 - t0);
    } finally {
      dropSchema(schema);
    }
  }

  // ---- W3 pickup latency ----------------------------------------------------------------------

  private void w3(int run) {
    int n = sizes.w3Jobs();
    String[] variants = {"same manager", "separate enqueue-only manager"};
    // The targets: p50 ≤ 1.5 ms and p99 ≤ 4 ms with a local wake-up, p50 ≤ 3 ms across processes.
    results.define("W3", variants[0] + ", p50", Unit.MS, "≤ 1.5", x -> x <= 1.5);
    results.define("W3", variants[0] + ", p99", Unit.MS, "≤ 4", x -> x <= 4.0);
    results.define("W3", variants[0] + ", max", Unit.MS);
    results.define("W3", variants[1] + ", p50", Unit.MS, "≤ 3", x -> x <= 3.0);
    results.define("W3", variants[1] + ", p99", Unit.MS);
    results.define("W3", variants[1] + ", max", Unit.MS);
    String schema = newSchema("w3");
    long[] enqueued = new long[2 * n];
    long[] started = new long[2 * n];
    CountDownLatch same = new CountDownLatch(n);
    CountDownLatch separate = new CountDownLatch(n);
    Body body =
        t -> {
          long now = System.nanoTime();
          int i = (int) t.i();
          started[i] = now;
          (i < n ? same : separate).countDown();
        };
    try (JobQueueManager workers =
        workerManager(schema, 8, body, c -> c.pollInterval(Duration.ofSeconds(60)))) {
      workers.initialize();
      awaitListening(workers);
      Thread.sleep(1_000);
      // Variant 1: the worker pool's own manager creates the jobs (local wake-up).
      createPaced(workers, enqueued, 0, n);
      if (!same.await(30, TimeUnit.SECONDS)) {
        throw new TimeoutException("W3: " + same.getCount() + " jobs never started");
      }
      // Variant 2: another manager (enqueue only) creates them: only NOTIFY wakes the pool.
      try (JobQueueManager enqueuer = enqueueManager(schema)) {
        enqueuer.initialize();
        Thread.sleep(500);
        createPaced(enqueuer, enqueued, n, n);
        if (!separate.await(30, TimeUnit.SECONDS)) {
          throw new TimeoutException("W3: " + separate.getCount() + " jobs never started");
        }
      }
      for (int v = 0; v < 2; v++) {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
          ms[i] = (started[v * n + i] - enqueued[v * n + i]) / 1_000_000.0;
        }
        Arrays.sort(ms);
        record("W3", variants[v] + ", p50", run, percentile(ms, 0.50));
        record("W3", variants[v] + ", p99", run, percentile(ms, 0.99));
        record("W3", variants[v] + ", max", run, ms[n - 1]);
      }
    } catch (Exception e) {
      failed("W3", run, e);
    } finally {
      dropSchema(schema);
    }
    w3Fresh(run, n);
  }

  /**
   * W3's local variant in a process started for it, with no warm-up: what the first minutes of a
   * freshly deployed node see (class loading, JIT, connections that have not prepared a statement
   * yet).
   */
  private void w3Fresh(int run, int n) {
    String variant = "fresh process, same manager";
    results.define("W3", variant + ", p50", Unit.MS);
    results.define("W3", variant + ", p99", Unit.MS);
    results.define("W3", variant + ", max", Unit.MS);
    String schema = newSchema("w3f");
    try {
      try (JobQueueManager migrate = enqueueManager(schema)) {
        migrate.initialize(); // The migrations are not what the child measures.
      }
      ChildJvm child =
          ChildJvm.start(
              "fresh",
              List.of(),
              FreshPickup.class,
              List.of(schema, Integer.toString(n)),
              db.jdbcUrl,
              db.user,
              db.password);
      String line;
      try {
        if (child.awaitExit(120_000) == null) {
          throw new TimeoutException("the fresh-process child did not finish in 120 s");
        }
        line = child.lastLine("RESULT p50=");
        String slowest = child.lastLine("SLOWEST");
        if (slowest != null) {
          results.note("W3", run, "fresh process, slowest jobs (#index:ms)", slowest);
        }
      } finally {
        child.destroy();
      }
      if (line == null) {
        throw new IllegalStateException("the fresh-process child reported no result");
      }
      Map<String, Double> values = new HashMap<>();
      for (String pair : line.substring("RESULT ".length()).split(" ")) {
        String[] kv = pair.split("=");
        values.put(kv[0], Double.parseDouble(kv[1]));
      }
      record("W3", variant + ", p50", run, values.get("p50"));
      record("W3", variant + ", p99", run, values.get("p99"));
      record("W3", variant + ", max", run, values.get("max"));
      results.note("W3", run, "fresh process, first job's pickup (ms)", values.get("first"));
    } catch (Exception e) {
      failed("W3", run, e);
    } finally {
      dropSchema(schema);
    }
  }

  /** Creates {@code n} jobs one at a time, 20 ms apart, noting the time just before each call. */
  static void createPaced(JobQueueManager manager, long[] enqueued, int from, int n) {
    long base = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    for (int k = 0; k < n; k++) {
      parkUntil(base + k * TimeUnit.MILLISECONDS.toNanos(20));
      int i = from + k;
      CreateJobOptions options = CreateJobOptions.of(TYPE, new Tick(i, 0));
      enqueued[i] = System.nanoTime();
      manager.createJob(options);
    }
  }

  // ---- W4 I/O-bound ---------------------------------------------------------------------------

  private void w4(int run) {
    int n = sizes.w4Jobs();
    String platform = "sleep 5 ms, 64 workers, " + thousands(n) + " jobs, platform threads";
    String virtual = "sleep 5 ms, 64 workers, " + thousands(n) + " jobs, virtual threads";
    results.define("W4", platform, Unit.JOBS_PER_S);
    Results.Figure v = results.define("W4", virtual, Unit.JOBS_PER_S);
    measure("W4", platform, run, () -> drain("W4", platform, run, n, 64, 5, false));
    if (Runtime.version().feature() >= 21) {
      measure("W4", virtual, run, () -> drain("W4", virtual, run, n, 64, 5, true));
    } else {
      v.note = "n/a (Java " + Runtime.version().feature() + ")";
    }
  }

  // ---- W5 steady state ------------------------------------------------------------------------

  private void w5(int run) {
    int seconds = sizes.w5Seconds();
    int rate = 10_000;
    int threads = 2;
    long tickMillis = 10;
    int perBatch = (int) (rate * tickMillis / 1000 / threads);
    String completed = "completed/s over " + seconds + " s at 10,000/s offered";
    String enqueuedRate = "enqueued/s achieved";
    String lagP50 = "pickup lag p50";
    String lagP99 = "pickup lag p99";
    String lagMax = "pickup lag max";
    String backlog = "backlog at window end (pending + running)";
    String dead = "dead tuples at end";
    String live = "live tuples at end";
    String table = "jobs table size at end";
    String indexes = "jobs index size at end";
    results.define("W5", completed, Unit.JOBS_PER_S, "holds 10,000 (≥ 9,900)", v -> v >= 9_900);
    results.define("W5", enqueuedRate, Unit.JOBS_PER_S);
    results.define("W5", lagP50, Unit.MS);
    results.define("W5", lagP99, Unit.MS, "< 50", v -> v < 50);
    results.define("W5", lagMax, Unit.MS);
    results.define("W5", backlog, Unit.COUNT);
    results.define("W5", dead, Unit.COUNT);
    results.define("W5", live, Unit.COUNT);
    results.define("W5", table, Unit.MB);
    results.define("W5", indexes, Unit.MB);

    String schema = newSchema("w5");
    int capacity = rate * seconds * 2 + 10_000;
    long[] lags = new long[capacity];
    AtomicInteger lagCount = new AtomicInteger();
    AtomicLong handled = new AtomicLong();
    Body body =
        t -> {
          long lag = System.nanoTime() - t.t();
          int k = lagCount.getAndIncrement();
          if (k < capacity) {
            lags[k] = lag;
          }
          handled.incrementAndGet();
        };
    try (Connection admin = db.connect();
        JobQueueManager workers = workerManager(schema, 8, body, c -> {});
        JobQueueManager enqueuer = enqueueManager(schema)) {
      workers.initialize();
      enqueuer.initialize();
      awaitListening(workers);
      analyzeAndCheckpoint(admin, schema);
      Thread.sleep(500);
      AtomicLong enqueued = new AtomicLong();
      AtomicLong late = new AtomicLong();
      AtomicLong sequence = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      long window = TimeUnit.SECONDS.toNanos(seconds);
      long tick = TimeUnit.MILLISECONDS.toNanos(tickMillis);
      List<Thread> producers = new ArrayList<>();
      for (int p = 0; p < threads; p++) {
        long offset = p * tick / threads;
        Thread producer =
            new Thread(
                () -> {
                  try {
                    for (long k = 0; ; k++) {
                      long due = start + offset + k * tick;
                      if (due >= start + window) {
                        break;
                      }
                      parkUntil(due);
                      if (System.nanoTime() - due > tick) {
                        late.incrementAndGet();
                      }
                      long t = System.nanoTime();
                      List<CreateJobOptions> batch = new ArrayList<>(perBatch);
                      for (int j = 0; j < perBatch; j++) {
                        batch.add(
                            CreateJobOptions.of(TYPE, new Tick(sequence.getAndIncrement(), t)));
                      }
                      enqueuer.createJobs(batch);
                      enqueued.addAndGet(perBatch);
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                },
                "bench-w5-producer-" + p);
        producers.add(producer);
        producer.start();
      }
      for (Thread producer : producers) {
        producer.join();
      }
      long end = System.nanoTime();
      if (failure.get() != null) {
        throw new IllegalStateException("W5 producer failed: " + failure.get(), failure.get());
      }
      long countAt = System.nanoTime();
      long completedAtEnd =
          count(admin, "select count(*) from " + schema + ".jobs where status = 'completed'");
      long unfinishedAtEnd = unfinished(admin, schema);
      record("W5", completed, run, perSecond(completedAtEnd, countAt - start));
      record("W5", enqueuedRate, run, perSecond(enqueued.get(), end - start));
      record("W5", backlog, run, unfinishedAtEnd);
      results.note("W5", run, "producer batches that started > 10 ms late", late.get());
      results.note("W5", run, "jobs enqueued in the window", enqueued.get());
      // Let the backlog finish (every job enqueued in the window gets its lag), then read the
      // table's state. A pool that cannot keep up may not finish in time: the lag figures then
      // cover only the jobs that started, and understate the lag.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (handled.get() < enqueued.get() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      long drainedAt = System.nanoTime();
      while (unfinished(admin, schema) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      results.note(
          "W5",
          run,
          "seconds from window end until the backlog was handled",
          (drainedAt - end) / 1e9);
      if (handled.get() < enqueued.get()) {
        Results.Figure p99 = results.get("W5", lagP99);
        p99.note = "lower bound: backlog not drained in 300 s";
        results.note(
            "W5",
            run,
            "lag figures are lower bounds: jobs never started within 300 s after the window",
            enqueued.get() - handled.get());
      }
      int samples = Math.min(lagCount.get(), capacity);
      double[] ms = new double[samples];
      for (int i = 0; i < samples; i++) {
        ms[i] = lags[i] / 1_000_000.0;
      }
      Arrays.sort(ms);
      record("W5", lagP50, run, percentile(ms, 0.50));
      record("W5", lagP99, run, percentile(ms, 0.99));
      record("W5", lagMax, run, ms[samples - 1]);
      // Statistics reach pg_stat_user_tables within about a second.
      Thread.sleep(1_500);
      try (PreparedStatement s =
          admin.prepareStatement(
              "select n_dead_tup, n_live_tup, autovacuum_count,"
                  + " pg_table_size(relid), pg_indexes_size(relid)"
                  + " from pg_stat_user_tables where schemaname = ? and relname = 'jobs'")) {
        s.setString(1, schema);
        try (ResultSet r = s.executeQuery()) {
          r.next();
          record("W5", dead, run, r.getLong(1));
          record("W5", live, run, r.getLong(2));
          results.note("W5", run, "autovacuum runs on jobs during the run", r.getLong(3));
          record("W5", table, run, r.getLong(4) / 1_048_576.0);
          record("W5", indexes, run, r.getLong(5) / 1_048_576.0);
        }
      }
    } catch (Exception e) {
      failed("W5", run, e);
    } finally {
      dropSchema(schema);
    }
  }

  // ---- ceiling --------------------------------------------------------------------------------

  private void ceiling(int run) {
    int n = sizes.ceilingJobs();
    String drain = "plain JDBC claim 100 + complete 100 per tx, 2 connections";
    String single = "plain INSERT, 1 row/statement, 1 connection";
    String single2 = "plain INSERT, 1 row/statement, 2 connections";
    String multi100 = "plain INSERT, 100 rows/statement, 1 connection";
    String multi1000 = "plain INSERT, 1,000 rows/statement, 1 connection";
    results.define("ceiling", drain, Unit.JOBS_PER_S);
    results.define("ceiling", single, Unit.JOBS_PER_S);
    results.define("ceiling", single2, Unit.JOBS_PER_S);
    results.define("ceiling", multi100, Unit.JOBS_PER_S);
    results.define("ceiling", multi1000, Unit.JOBS_PER_S);
    measure("ceiling", drain, run, () -> ceilingDrain(n, DrainShape.SHIPPED));
    measure("ceiling", single, run, () -> ceilingInsert(n, 1, 1));
    measure("ceiling", single2, run, () -> ceilingInsert(n, 1, 2));
    measure("ceiling", multi100, run, () -> ceilingInsert(n, 100, 1));
    measure("ceiling", multi1000, run, () -> ceilingInsert(n, 1_000, 1));
    // The shares of a single insert's cost: the notification the library sends with it (when no
    // other notification went out in the last 5 ms), and the indexes beyond the two every job
    // needs (the key and the claim index).
    String notify = "plain INSERT, 1 row/statement, 1 connection, with NOTIFY";
    String fewer = "plain INSERT, 1 row/statement, 1 connection, key and claim index only";
    results.define("ceiling", notify, Unit.JOBS_PER_S);
    results.define("ceiling", fewer, Unit.JOBS_PER_S);
    measure(
        "ceiling",
        notify,
        run,
        () ->
            ceilingInsert(
                n,
                1,
                1,
                " returning (select count(*) from pg_notify('bench_ceiling', 'x'))",
                List.of()));
    measure(
        "ceiling",
        fewer,
        run,
        () ->
            ceilingInsert(
                n,
                1,
                1,
                "",
                List.of(
                    "jobs_pending_created_idx",
                    "jobs_done_status_created_idx",
                    "jobs_done_type_created_idx",
                    "jobs_done_payload_idx",
                    "jobs_running_key_idx",
                    "jobs_unique_idx",
                    "jobs_occurrence_idx")));
    pickupFloor(run);
    notifyFloor(run);
  }

  /**
   * The floor under W3: the same pacing (200 jobs, 20 ms apart), but plain JDBC with no library and
   * no wake-up. One connection INSERTs a job (autocommit, so one durable commit), and right after,
   * a second connection runs the library's claim shape for it (a second durable commit). Every
   * durable queue pays both commits before a handler can start.
   */
  private void pickupFloor(int run) {
    int n = sizes.w3Jobs();
    String insertOnly = "pickup floor: plain INSERT commit, p50";
    String insertOnly99 = "pickup floor: plain INSERT commit, p99";
    String both = "pickup floor: INSERT commit + claim commit, p50";
    String both99 = "pickup floor: INSERT commit + claim commit, p99";
    results.define("ceiling", insertOnly, Unit.MS);
    results.define("ceiling", insertOnly99, Unit.MS);
    results.define("ceiling", both, Unit.MS);
    results.define("ceiling", both99, Unit.MS);
    String schema = newSchema("ceil_floor");
    createTable(schema);
    try (Connection producer = db.connect();
        Connection worker = db.connect();
        PreparedStatement insert = producer.prepareStatement(floorInsertSql(schema, ""));
        PreparedStatement claim = worker.prepareStatement(claimSql(schema))) {
      Array types = worker.createArrayOf("text", new String[] {TYPE});
      double[] inserted = new double[n];
      double[] claimed = new double[n];
      long base = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      for (int i = 0; i < n; i++) {
        parkUntil(base + i * TimeUnit.MILLISECONDS.toNanos(20));
        long t0 = System.nanoTime();
        insertFloorJob(insert);
        long t1 = System.nanoTime();
        claimFloorJob(claim, types);
        long t2 = System.nanoTime();
        inserted[i] = (t1 - t0) / 1_000_000.0;
        claimed[i] = (t2 - t0) / 1_000_000.0;
      }
      recordQuantiles("ceiling", run, inserted, insertOnly, insertOnly99);
      recordQuantiles("ceiling", run, claimed, both, both99);
    } catch (Exception e) {
      failed("ceiling / pickup floor", run, e);
    } finally {
      dropSchema(schema);
    }
  }

  /**
   * The floor under W3's NOTIFY variant: the INSERT with its notification commits, a listening
   * connection receives it, and a third connection claims the job and commits (see {@link
   * NotifyFloor}).
   */
  private void notifyFloor(int run) {
    int n = sizes.w3Jobs();
    String committed = "NOTIFY floor: INSERT + NOTIFY commit, p50";
    String delivered = "NOTIFY floor: notification at the listener, p50";
    String delivered99 = "NOTIFY floor: notification at the listener, p99";
    String claimed = "NOTIFY floor: + claim commit, p50";
    String claimed99 = "NOTIFY floor: + claim commit, p99";
    for (String figure : List.of(committed, delivered, delivered99, claimed, claimed99)) {
      results.define("ceiling", figure, Unit.MS);
    }
    String schema = newSchema("ceil_nfloor");
    createTable(schema);
    try (Connection producer = db.connect();
        Connection listener = db.connect();
        Connection worker = db.connect()) {
      NotifyFloor.Times times =
          NotifyFloor.measure(
              producer, listener, worker, schema, n, TimeUnit.MILLISECONDS.toNanos(20));
      recordQuantiles("ceiling", run, times.committed(), committed, null);
      recordQuantiles("ceiling", run, times.delivered(), delivered, delivered99);
      recordQuantiles("ceiling", run, times.claimed(), claimed, claimed99);
    } catch (Exception e) {
      failed("ceiling / NOTIFY floor", run, e);
    } finally {
      dropSchema(schema);
    }
  }

  /** Records the p50 of {@code ms}, and its p99 unless {@code p99} is null; sorts a copy. */
  private void recordQuantiles(String workload, int run, double[] ms, String p50, String p99) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    record(workload, p50, run, percentile(sorted, 0.50));
    if (p99 != null) {
      record(workload, p99, run, percentile(sorted, 0.99));
    }
  }

  // ---- anatomy: what the table's indexes cost -------------------------------------------------

  /**
   * How the ceiling's plain drain is shaped: indexes of the library's table to drop first, jobs
   * claimed per statement, whether each completion commits on its own, and the table's fillfactor.
   */
  record DrainShape(List<String> dropIndexes, int claim, boolean completeEach, int fillfactor) {
    static final DrainShape SHIPPED = new DrainShape(List.of(), 100, false, 85);

    static DrainShape without(List<String> dropIndexes) {
      return new DrainShape(dropIndexes, 100, false, 85);
    }
  }

  /**
   * The plain-SQL ceiling taken apart, on the library's own table. First the design choices the
   * engine relies on, each undone in turn: claiming many jobs per statement, completing them in one
   * statement, and the 85% fillfactor (the ceiling's multi-row VALUES insert is the undone {@code
   * unnest} insert). Then the secondary indexes, dropped one after another, under the library's
   * {@code unnest} insert and the plain drain: the difference is what each costs the hot path. None
   * of these is a library configuration.
   */
  private void anatomy(int run) {
    int n = sizes.ceilingJobs();
    Map<String, DrainShape> shapes = new java.util.LinkedHashMap<>();
    shapes.put("claim 1 + complete 1 per tx", new DrainShape(List.of(), 1, false, 85));
    shapes.put("claim 100, one tx per completion", new DrainShape(List.of(), 100, true, 85));
    shapes.put(
        "claim 100 + complete 100 per tx, fillfactor 100",
        new DrainShape(List.of(), 100, false, 100));
    for (Map.Entry<String, DrainShape> shape : shapes.entrySet()) {
      String drain = "plain drain, " + shape.getKey();
      results.define("anatomy", drain, Unit.JOBS_PER_S);
      measure("anatomy", drain, run, () -> ceilingDrain(n, shape.getValue()));
    }
    Map<String, List<String>> variants = new java.util.LinkedHashMap<>();
    variants.put("all indexes (as shipped)", List.of());
    variants.put("without the GIN payload index", List.of("jobs_done_payload_idx"));
    variants.put(
        "without GIN and the pending list",
        List.of("jobs_done_payload_idx", "jobs_pending_created_idx"));
    variants.put(
        "without GIN, the pending list and type",
        List.of("jobs_done_payload_idx", "jobs_pending_created_idx", "jobs_done_type_created_idx"));
    variants.put(
        "primary key, claim and running indexes only",
        List.of(
            "jobs_done_payload_idx",
            "jobs_pending_created_idx",
            "jobs_done_type_created_idx",
            "jobs_done_status_created_idx"));
    for (Map.Entry<String, List<String>> v : variants.entrySet()) {
      String insert = "plain unnest INSERT 1,000 rows/statement, " + v.getKey();
      String drain = "plain claim + complete drain, " + v.getKey();
      results.define("anatomy", insert, Unit.JOBS_PER_S);
      results.define("anatomy", drain, Unit.JOBS_PER_S);
      measure("anatomy", insert, run, () -> unnestInsert(n, 1_000, v.getValue()));
      measure("anatomy", drain, run, () -> ceilingDrain(n, DrainShape.without(v.getValue())));
    }
  }

  /**
   * The pickup floors' plain INSERT of one job, autocommitted.
   *
   * @param returning what the statement returns after the id, with its leading comma, or empty
   */
  static String floorInsertSql(String schema, String returning) {
    return "insert into "
        + schema
        + ".jobs (type, priority, payload, max_retries, timeout_seconds, scheduled_at, run_at)"
        + " values (?, 2, ?::jsonb, 3, 300, now(), now()) returning id"
        + returning;
  }

  /** Runs {@link #floorInsertSql} for one no-op job. */
  static void insertFloorJob(PreparedStatement insert) throws SQLException {
    insert.setString(1, TYPE);
    insert.setString(2, CEILING_PAYLOAD);
    try (ResultSet r = insert.executeQuery()) {
      r.next();
    }
  }

  /** Runs {@link #claimSql} for one job, autocommitted; fails unless it took exactly one. */
  static void claimFloorJob(PreparedStatement claim, Array types) throws SQLException {
    claim.setArray(1, types);
    claim.setInt(2, 1);
    claim.setString(3, "floor");
    claim.setLong(4, 30_000);
    int got = 0;
    try (ResultSet r = claim.executeQuery()) {
      while (r.next()) {
        got++;
      }
    }
    if (got != 1) {
      throw new IllegalStateException("the floor's claim took " + got + " jobs, expected 1");
    }
  }

  static String claimSql(String schema) {
    return "with c as materialized (select id from "
        + schema
        // One queue, as the library claims: the claim index leads with the queue.
        + ".jobs where queue = 'default' and status = 'pending' and run_at <= now()"
        + " and type = any(?::text[])"
        + " order by priority, run_at, id limit ? for update skip locked)"
        + " update "
        + schema
        + ".jobs j set status = 'running', attempt = j.attempt + 1, locked_by = ?,"
        + " lease_expires_at = now() + ?::bigint * interval '1 millisecond',"
        + " started_at = now(), updated_at = now()"
        + " from c where j.id = c.id"
        + " returning j.id, j.type, j.payload::text, j.attempt";
  }

  private static void dropIndexes(Connection admin, String schema, List<String> indexes)
      throws SQLException {
    try (Statement s = admin.createStatement()) {
      for (String index : indexes) {
        s.execute("drop index " + schema + "." + index);
      }
    }
  }

  /**
   * The library's claim statement shape, without the library: as shipped, claim 100, complete them,
   * commit; the anatomy varies the {@code shape}.
   */
  private Double ceilingDrain(int n, DrainShape shape) throws Exception {
    String schema = newSchema("ceil_drain");
    try (Connection admin = db.connect()) {
      createTable(schema); // first, so that the fillfactor applies to the preload
      try (Statement s = admin.createStatement()) {
        s.execute("alter table " + schema + ".jobs set (fillfactor = " + shape.fillfactor() + ")");
      }
      prefill(schema, n);
      dropIndexes(admin, schema, shape.dropIndexes());
      analyzeAndCheckpoint(admin, schema);
      String claim = claimSql(schema);
      String complete =
          "update "
              + schema
              + ".jobs set status = 'completed', completed_at = now(), updated_at = now(),"
              + " locked_by = null, lease_expires_at = null where id = any(?)";
      int threads = 2;
      CyclicBarrier ready = new CyclicBarrier(threads + 1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> loops = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String node = "ceiling-" + t;
        Thread loop =
            new Thread(
                () -> {
                  try (Connection c = db.connect()) {
                    c.setAutoCommit(false);
                    try (PreparedStatement claimStatement = c.prepareStatement(claim);
                        PreparedStatement completeStatement = c.prepareStatement(complete)) {
                      Array types = c.createArrayOf("text", new String[] {TYPE});
                      ready.await();
                      while (true) {
                        claimStatement.setArray(1, types);
                        claimStatement.setInt(2, shape.claim());
                        claimStatement.setString(3, node);
                        claimStatement.setLong(4, 30_000);
                        List<Long> ids = new ArrayList<>(100);
                        try (ResultSet r = claimStatement.executeQuery()) {
                          while (r.next()) {
                            ids.add(r.getLong(1));
                            r.getString(2);
                            r.getString(3);
                            r.getInt(4);
                          }
                        }
                        if (ids.isEmpty()) {
                          c.commit();
                          break;
                        }
                        if (shape.completeEach()) {
                          c.commit(); // the claim
                          for (Long id : ids) {
                            completeStatement.setArray(
                                1, c.createArrayOf("bigint", new Long[] {id}));
                            completeStatement.executeUpdate();
                            c.commit();
                          }
                          continue;
                        }
                        completeStatement.setArray(
                            1, c.createArrayOf("bigint", ids.toArray(new Long[0])));
                        completeStatement.executeUpdate();
                        c.commit();
                      }
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                },
                "bench-ceiling-" + t);
        loops.add(loop);
        loop.start();
      }
      ready.await(30, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      for (Thread loop : loops) {
        loop.join();
      }
      long t1 = System.nanoTime();
      if (failure.get() != null) {
        throw new IllegalStateException("ceiling drain failed: " + failure.get(), failure.get());
      }
      verifyCompleted(admin, schema, n);
      return perSecond(n, t1 - t0);
    } finally {
      dropSchema(schema);
    }
  }

  /**
   * The library's batch insert shape without the library: {@code unnest} of arrays, autocommit.
   * {@code dropIndexes} names indexes of the library's table to drop first (the anatomy).
   */
  private Double unnestInsert(int n, int rows, List<String> dropIndexes) throws Exception {
    String schema = newSchema("ceil_unnest");
    try (Connection admin = db.connect()) {
      createTable(schema);
      dropIndexes(admin, schema, dropIndexes);
      String insert =
          "insert into "
              + schema
              + ".jobs (type, priority, payload, max_retries, timeout_seconds, scheduled_at,"
              + " run_at) select u.type, u.priority, u.payload::jsonb, u.max_retries,"
              + " u.timeout_seconds, now(), now() from unnest(?::text[], ?::smallint[],"
              + " ?::text[], ?::integer[], ?::integer[]) with ordinality"
              + " as u(type, priority, payload, max_retries, timeout_seconds, ord)"
              + " order by u.ord returning id";
      String[] types = new String[rows];
      Short[] priorities = new Short[rows];
      String[] payloads = new String[rows];
      Integer[] retries = new Integer[rows];
      Integer[] timeouts = new Integer[rows];
      Arrays.fill(types, TYPE);
      Arrays.fill(priorities, (short) 2);
      Arrays.fill(payloads, CEILING_PAYLOAD);
      Arrays.fill(retries, 3);
      Arrays.fill(timeouts, 300);
      checkpoint(admin);
      try (Connection c = db.connect();
          PreparedStatement s = c.prepareStatement(insert)) {
        long t0 = System.nanoTime();
        for (int done = 0; done < n; done += rows) {
          s.setArray(1, c.createArrayOf("text", types));
          s.setArray(2, c.createArrayOf("int2", priorities));
          s.setArray(3, c.createArrayOf("text", payloads));
          s.setArray(4, c.createArrayOf("int4", retries));
          s.setArray(5, c.createArrayOf("int4", timeouts));
          try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
              r.getLong(1);
            }
          }
        }
        long t1 = System.nanoTime();
        long stored = count(admin, "select count(*) from " + schema + ".jobs");
        if (stored != n) {
          throw new IllegalStateException("stored " + stored + " rows, expected " + n);
        }
        return perSecond(stored, t1 - t0);
      }
    } finally {
      dropSchema(schema);
    }
  }

  /** Plain INSERTs into the library's own table: {@code rows} per statement, autocommit. */
  private Double ceilingInsert(int n, int rows, int threads) throws Exception {
    return ceilingInsert(n, rows, threads, "", List.of());
  }

  /**
   * Plain INSERTs of {@code rows} rows per statement on {@code threads} connections, with {@code
   * suffix} after the VALUES, into the library's table less the indexes {@code dropped}.
   */
  private Double ceilingInsert(int n, int rows, int threads, String suffix, List<String> dropped)
      throws Exception {
    String schema = newSchema("ceil_insert");
    try (Connection admin = db.connect()) {
      createTable(schema);
      try (Statement st = admin.createStatement()) {
        for (String index : dropped) {
          st.execute("drop index " + schema + "." + index);
        }
      }

      StringBuilder sql =
          new StringBuilder("insert into ")
              .append(schema)
              .append(
                  ".jobs (type, priority, payload, max_retries, timeout_seconds, scheduled_at,"
                      + " run_at) values ");
      for (int r = 0; r < rows; r++) {
        sql.append(r == 0 ? "" : ", ").append("(?, ?, ?::jsonb, ?, ?, now(), now())");
      }
      String insert = sql.append(suffix).toString();
      int perThread = n / threads;
      CyclicBarrier ready = new CyclicBarrier(threads + 1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> loops = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread loop =
            new Thread(
                () -> {
                  try (Connection c = db.connect();
                      PreparedStatement s = c.prepareStatement(insert)) {
                    ready.await();
                    for (int done = 0; done < perThread; done += rows) {
                      int p = 1;
                      for (int r = 0; r < rows; r++) {
                        s.setString(p++, TYPE);
                        s.setShort(p++, (short) 2);
                        s.setString(p++, CEILING_PAYLOAD);
                        s.setInt(p++, 3);
                        s.setInt(p++, 300);
                      }
                      s.execute();
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                },
                "bench-insert-" + t);
        loops.add(loop);
        loop.start();
      }
      checkpoint(admin);
      ready.await(30, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      for (Thread loop : loops) {
        loop.join();
      }
      long t1 = System.nanoTime();
      if (failure.get() != null) {
        throw new IllegalStateException("ceiling insert failed: " + failure.get(), failure.get());
      }
      long stored = count(admin, "select count(*) from " + schema + ".jobs");
      if (stored != (long) perThread * threads) {
        throw new IllegalStateException("stored " + stored + " rows, expected " + n);
      }
      return perSecond(stored, t1 - t0);
    } finally {
      dropSchema(schema);
    }
  }

  // ---- memory ---------------------------------------------------------------------------------

  private void memory(int run) {
    int n = sizes.memoryJobs();
    String rss = "peak RSS, -Xmx64m, drain " + thousands(n) + ", 8 workers";
    String completed = "64 MB heap run completed";
    String rate = "drain rate in the 64 MB child";
    results.define("memory", rss, Unit.MB);
    results.define("memory", completed, Unit.YES_NO, "completes", v -> v >= 0.5);
    results.define("memory", rate, Unit.JOBS_PER_S);
    String schema = newSchema("memory");
    ChildJvm child = null;
    try (Connection admin = db.connect()) {
      prefill(schema, n);
      analyzeAndCheckpoint(admin, schema);
      child =
          ChildJvm.start(
              "memory",
              List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"),
              MemoryDrain.class,
              List.of(schema, Integer.toString(n), "8", Integer.toString(MAX_JOBS_PER_WORKER)),
              db.jdbcUrl,
              db.user,
              db.password);
      long peakRss = 0;
      long peakHwm = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
      Path status = Path.of("/proc/" + child.pid() + "/status");
      while (child.isAlive() && System.nanoTime() < deadline) {
        long[] mem = readStatus(status);
        peakRss = Math.max(peakRss, mem[0]);
        peakHwm = Math.max(peakHwm, mem[1]);
        Thread.sleep(20);
      }
      Integer exitCode = child.awaitExit(5_000);
      if (exitCode == null) {
        throw new TimeoutException("the memory child did not finish within 15 minutes");
      }
      int exit = exitCode;
      String result = child.lastLine("RESULT ");
      boolean ok = exit == 0 && result != null && result.contains("completed=true");
      if (result != null) {
        long childHwm = field(result, "vmHWMkB");
        peakHwm = Math.max(peakHwm, childHwm);
        long millis = field(result, "millis");
        if (ok && millis > 0) {
          record("memory", rate, run, n * 1000.0 / millis);
        }
        results.note("memory", run, "child result line", result);
      }
      if (!ok) {
        out.println("  memory child exited " + exit + "; last output:");
        child.tail(20).forEach(l -> out.println("    " + l));
      }
      record("memory", rss, run, Math.max(peakRss, peakHwm) / 1024.0);
      record("memory", completed, run, ok ? 1 : 0);
      results.note("memory", run, "child exit code", exit);
    } catch (Exception e) {
      failed("memory", run, e);
    } finally {
      if (child != null) {
        child.destroy();
      }
      dropSchema(schema);
    }
  }

  /** VmRSS and VmHWM in kB from /proc/PID/status; zeros once the process is gone. */
  private static long[] readStatus(Path status) {
    long rss = 0;
    long hwm = 0;
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
        } else if (line.startsWith("VmHWM:")) {
          hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // The process exited between the check and the read.
    }
    return new long[] {rss, hwm};
  }

  private static long field(String line, String name) {
    for (String part : line.split(" ")) {
      if (part.startsWith(name + "=")) {
        try {
          return Long.parseLong(part.substring(name.length() + 1));
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  /**
   * The class path this JVM loaded the suite from. Under {@code exec:java} that is the plugin's
   * class loader, not {@code java.class.path} (which then names Maven's own launcher).
   */
  static String childClassPath() {
    List<String> entries = new ArrayList<>();
    for (ClassLoader loader = Workloads.class.getClassLoader();
        loader != null;
        loader = loader.getParent()) {
      if (loader instanceof URLClassLoader urls) {
        for (URL url : urls.getURLs()) {
          if ("file".equals(url.getProtocol())) {
            try {
              entries.add(new File(url.toURI()).getPath());
            } catch (URISyntaxException e) {
              entries.add(url.getPath());
            }
          }
        }
      }
    }
    return entries.isEmpty()
        ? System.getProperty("java.class.path")
        : String.join(File.pathSeparator, entries);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private void measure(String workload, String figure, int run, Measurement measurement) {
    try {
      Double value = measurement.run();
      if (value != null) {
        record(workload, figure, run, value);
      }
    } catch (Exception e) {
      failed(workload + " / " + figure, run, e);
    }
  }

  /** Records one run's value of a declared figure and prints the progress line. */
  void record(String workload, String figure, int run, double value) {
    results.record(workload, figure, run, value);
    Results.Figure f = results.get(workload, figure);
    out.printf(
        Locale.ROOT,
        "  run %d  %-8s %-62s %s %s%n",
        run,
        workload,
        figure,
        Results.format(f.unit, value),
        f.unit.label);
  }

  /** Prints and notes a measurement that failed. */
  void failed(String what, int run, Exception e) {
    out.println("  run " + run + "  " + what + " FAILED: " + e);
    results.note(what, run, "failure", e.toString());
  }

  String newSchema(String tag) {
    return "bench_" + tag + "_" + ProcessHandle.current().pid() + "_" + schemas.incrementAndGet();
  }

  void dropSchema(String schema) {
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("drop schema if exists " + schema + " cascade");
    } catch (SQLException e) {
      out.println("  could not drop schema " + schema + ": " + e.getMessage());
    }
  }

  private JobQueueConfig.Builder baseConfig(String schema) {
    JobQueueConfig.Builder config =
        JobQueueConfig.builder()
            .databaseUrl(db.jdbcUrl)
            .schema(schema)
            .gracefulShutdownTimeout(Duration.ofSeconds(10));
    if (db.user != null) {
      config.databaseUser(db.user);
    }
    if (db.password != null) {
      config.databasePassword(db.password);
    }
    return config;
  }

  /** A manager that only enqueues: no worker pool, but the handler type is registered. */
  JobQueueManager enqueueManager(String schema) {
    return BenchTracing.traced(JobQueueManager.builder())
        .config(baseConfig(schema).runWorkers(false).build())
        .handler(handler(t -> {}))
        .build();
  }

  /** A manager running a fixed pool of {@code workers}. */
  JobQueueManager workerManager(
      String schema,
      int workers,
      Body body,
      java.util.function.Consumer<JobQueueConfig.Builder> tweak) {
    JobQueueConfig.Builder config =
        baseConfig(schema)
            .maxWorkers(workers)
            .minWorkers(workers)
            .maxJobsPerWorker(MAX_JOBS_PER_WORKER)
            .pollInterval(Duration.ofSeconds(1));
    tweak.accept(config);
    return BenchTracing.traced(JobQueueManager.builder())
        .config(config.build())
        .handler(handler(body))
        .build();
  }

  static JobHandler<Tick> handler(Body body) {
    return JobHandler.of(
        TYPE,
        Tick.class,
        (tick, context) -> {
          body.run(tick);
          return null;
        });
  }

  /** Enqueues {@code n} jobs with the library, {@code perCall} per createJobs call. */
  private static void enqueue(JobQueueManager manager, int n, int perCall) {
    enqueue(manager, n, perCall, i -> CreateJobOptions.of(TYPE, new Tick(i, 0)));
  }

  /** Enqueues the jobs {@code job} makes of 0 to {@code n - 1}, {@code perCall} per call. */
  private static void enqueue(
      JobQueueManager manager,
      int n,
      int perCall,
      java.util.function.IntFunction<CreateJobOptions> job) {
    List<CreateJobOptions> batch = new ArrayList<>(perCall);
    for (int i = 0; i < n; i++) {
      batch.add(job.apply(i));
      if (batch.size() == perCall || i == n - 1) {
        manager.createJobs(batch);
        batch = new ArrayList<>(perCall);
      }
    }
  }

  /** Creates the schema, the jobs table and its indexes with the library's own migrations. */
  void createTable(String schema) {
    try (JobQueueManager manager = enqueueManager(schema)) {
      manager.initialize();
    }
  }

  /** Creates the schema with the library and enqueues {@code n} jobs, 1,000 per call. */
  void prefill(String schema, int n) {
    try (JobQueueManager manager = enqueueManager(schema)) {
      manager.initialize();
      enqueue(manager, n, 1_000);
    }
  }

  /** ANALYZE of the jobs table, then a CHECKPOINT: before every timed section. */
  void analyzeAndCheckpoint(Connection admin, String schema) throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute("analyze " + schema + ".jobs");
    }
    checkpoint(admin);
  }

  /** A CHECKPOINT, if the role may run one. */
  static void checkpoint(Connection admin) {
    try (Statement s = admin.createStatement()) {
      s.execute("checkpoint");
    } catch (SQLException e) {
      // Not allowed for every role on an external server; the run is just noisier then.
    }
  }

  static void awaitListening(JobQueueManager manager) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!manager.workerPool().isListening() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private static void awaitNoneUnfinished(Connection admin, String schema, long deadline)
      throws SQLException, InterruptedException, TimeoutException {
    while (unfinished(admin, schema) > 0) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("jobs still pending or running in the database");
      }
      Thread.sleep(2);
    }
  }

  /** Pending plus running jobs: both statuses have a partial index, so this stays cheap. */
  private static long unfinished(Connection admin, String schema) throws SQLException {
    return count(
        admin, "select count(*) from " + schema + ".jobs where status in ('pending', 'running')");
  }

  private static void verifyCompleted(Connection admin, String schema, long n) throws SQLException {
    long done = count(admin, "select count(*) from " + schema + ".jobs where status = 'completed'");
    if (done != n) {
      throw new IllegalStateException(done + " of " + n + " jobs are completed in the database");
    }
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static double perSecond(long n, long nanos) {
    return n / (nanos / 1e9);
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static void parkUntil(long deadline) {
    long wait;
    while ((wait = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
  }

  private static String thousands(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
