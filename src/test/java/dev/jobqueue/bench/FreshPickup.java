package dev.jobqueue.bench;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of W3's fresh-process variant: a process started for the measurement, with no
 * warm-up, runs W3's local variant (its own manager creates the jobs, 20 ms apart, into an idle
 * pool of 8 workers that polls once a minute), then prints one line
 *
 * <pre>RESULT p50=1.23 p99=4.56 max=7.89 first=12.3</pre>
 *
 * <p>in milliseconds ({@code first} is the first job's pickup). Arguments: schema, number of jobs.
 * The database comes from {@code BENCH_DB_URL}, {@code BENCH_DB_USER} and {@code
 * BENCH_DB_PASSWORD}.
 */
public final class FreshPickup {

  private FreshPickup() {}

  /**
   * Measures and reports.
   *
   * @param args schema, jobs
   * @throws Exception if the measurement cannot run
   */
  public static void main(String[] args) throws Exception {
    String schema = args[0];
    int n = Integer.parseInt(args[1]);
    JobQueueConfig.Builder config =
        JobQueueConfig.builder()
            .databaseUrl(System.getenv("BENCH_DB_URL"))
            .schema(schema)
            .maxWorkers(8)
            .minWorkers(8)
            .maxJobsPerWorker(Workloads.MAX_JOBS_PER_WORKER)
            .pollInterval(Duration.ofSeconds(60));
    String user = System.getenv("BENCH_DB_USER");
    String password = System.getenv("BENCH_DB_PASSWORD");
    if (user != null && !user.isEmpty()) {
      config.databaseUser(user);
    }
    if (password != null && !password.isEmpty()) {
      config.databasePassword(password);
    }
    long[] enqueued = new long[n];
    long[] started = new long[n];
    CountDownLatch done = new CountDownLatch(n);
    try (JobQueueManager manager =
        JobQueueManager.builder()
            .config(config.build())
            .handler(
                Workloads.handler(
                    t -> {
                      started[(int) t.i()] = System.nanoTime();
                      done.countDown();
                    }))
            .build()) {
      manager.initialize();
      Workloads.awaitListening(manager);
      Thread.sleep(1_000);
      Workloads.createPaced(manager, enqueued, 0, n);
      if (!done.await(30, TimeUnit.SECONDS)) {
        System.out.println("RESULT failed: " + done.getCount() + " jobs never started");
        System.exit(3);
      }
    }
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      ms[i] = (started[i] - enqueued[i]) / 1_000_000.0;
    }
    double first = ms[0];
    StringBuilder slowest = new StringBuilder();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(ms[b], ms[a]));
    for (int k = 0; k < Math.min(5, n); k++) {
      slowest
          .append(k == 0 ? "" : ",")
          .append(String.format(Locale.ROOT, "#%d:%.1f", order[k], ms[order[k]]));
    }
    System.out.println("SLOWEST " + slowest);
    Arrays.sort(ms);
    System.out.printf(
        Locale.ROOT,
        "RESULT p50=%.3f p99=%.3f max=%.3f first=%.3f%n",
        Workloads.percentile(ms, 0.50),
        Workloads.percentile(ms, 0.99),
        ms[n - 1],
        first);
    System.out.flush();
    System.exit(0);
  }
}
