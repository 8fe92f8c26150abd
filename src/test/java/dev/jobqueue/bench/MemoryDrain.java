package dev.jobqueue.bench;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of the memory workload, started by {@link Bench} with {@code -Xmx64m}: drains the
 * jobs already enqueued in a schema with a pool of workers, then prints one line
 *
 * <pre>RESULT completed=true millis=12345 heapPeakMB=41.2 vmHWMkB=234567</pre>
 *
 * <p>Arguments: schema, number of jobs, workers, maxJobsPerWorker. The database comes from {@code
 * BENCH_DB_URL}, {@code BENCH_DB_USER} and {@code BENCH_DB_PASSWORD}.
 */
public final class MemoryDrain {

  private MemoryDrain() {}

  /**
   * Drains the schema and reports.
   *
   * @param args schema, jobs, workers, maxJobsPerWorker
   * @throws Exception if the drain cannot run
   */
  public static void main(String[] args) throws Exception {
    String schema = args[0];
    int n = Integer.parseInt(args[1]);
    int workers = Integer.parseInt(args[2]);
    int perWorker = Integer.parseInt(args[3]);
    String url = System.getenv("BENCH_DB_URL");
    String user = System.getenv("BENCH_DB_USER");
    String password = System.getenv("BENCH_DB_PASSWORD");
    JobQueueConfig.Builder config =
        JobQueueConfig.builder()
            .databaseUrl(url)
            .schema(schema)
            .maxWorkers(workers)
            .minWorkers(workers)
            .maxJobsPerWorker(perWorker)
            .pollInterval(Duration.ofSeconds(1))
            .gracefulShutdownTimeout(Duration.ofSeconds(10));
    if (user != null && !user.isEmpty()) {
      config.databaseUser(user);
    }
    if (password != null && !password.isEmpty()) {
      config.databasePassword(password);
    }
    CountDownLatch done = new CountDownLatch(n);
    boolean completed = false;
    long millis = -1;
    try (JobQueueManager manager =
            JobQueueManager.builder()
                .config(config.build())
                .handler(Workloads.handler(t -> done.countDown()))
                .build();
        Connection admin =
            DriverManager.getConnection(
                url,
                user == null || user.isEmpty() ? null : user,
                password == null || password.isEmpty() ? null : password)) {
      long t0 = System.nanoTime();
      manager.initialize();
      if (done.await(10, TimeUnit.MINUTES)) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        String unfinished =
            "select count(*) from " + schema + ".jobs where status in ('pending', 'running')";
        while (Workloads.count(admin, unfinished) > 0 && System.nanoTime() < deadline) {
          Thread.sleep(2);
        }
        millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        completed =
            Workloads.count(
                    admin, "select count(*) from " + schema + ".jobs where status = 'completed'")
                == n;
      }
    }
    double heapPeak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        heapPeak += pool.getPeakUsage().getUsed();
      }
    }
    long hwm = -1;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT completed=%s millis=%d heapPeakMB=%.1f vmHWMkB=%d%n",
        completed,
        millis,
        heapPeak / 1_048_576.0,
        hwm);
    System.out.flush();
    System.exit(completed ? 0 : 3);
  }
}
