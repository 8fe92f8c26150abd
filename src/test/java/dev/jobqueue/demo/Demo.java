package dev.jobqueue.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.HealthStatus;
import dev.jobqueue.Job;
import dev.jobqueue.JobPriority;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.ProcessingStats;
import dev.jobqueue.TypeStats;
import dev.jobqueue.examples.DataOperation;
import dev.jobqueue.examples.DataProcessingHandler;
import dev.jobqueue.examples.DataProcessingPayload;
import dev.jobqueue.examples.EmailNotificationHandler;
import dev.jobqueue.examples.EmailNotificationPayload;
import dev.jobqueue.examples.EmailTemplate;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The README's first command: starts PostgreSQL (embedded, or {@code JOB_QUEUE_DATABASE_URL}), runs
 * a mixed workload of both example job types through a worker pool with a live progress display,
 * then prints the final health check and a processing-stats table. It exits 0 only when the final
 * health check is healthy and every job reached the state the workload expects of it (completed,
 * except one that times out and fails, and one cancelled); otherwise it says why and exits 1.
 *
 * <p>Run it with {@code ./mvnw -q -Pdemo test-compile exec:java}.
 */
public final class Demo {
  private static final PrintStream out = System.out;
  private static final boolean TERMINAL = System.console() != null;
  private static final Duration UNHEALTHY_LIMIT = Duration.ofSeconds(10);

  private Demo() {}

  /**
   * Runs the demo.
   *
   * @param args ignored
   * @throws Exception if the demo cannot run
   */
  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    String url = System.getenv("JOB_QUEUE_DATABASE_URL");
    EmbeddedPostgres embedded = null;
    JobQueueConfig.Builder config;
    if (url == null || url.isBlank()) {
      out.println("Starting an embedded PostgreSQL ...");
      embedded = EmbeddedPostgres.builder().start();
      try (Connection connection = embedded.getPostgresDatabase().getConnection();
          Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("select version()")) {
        rs.next();
        out.println("Started " + rs.getString(1));
      }
      config =
          JobQueueConfig.fromEnvironment().toBuilder()
              .databaseUrl(embedded.getJdbcUrl("postgres", "postgres"))
              .databaseUser("postgres")
              .databasePassword("postgres");
    } else {
      out.println("Using JOB_QUEUE_DATABASE_URL");
      config = JobQueueConfig.fromEnvironment().toBuilder();
    }
    int exit = 1;
    try {
      exit = run(config);
    } catch (RuntimeException e) {
      out.println("DEMO FAILED: " + e.getMessage());
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
    out.printf(
        Locale.ROOT, "Demo finished in %.1f s%n", (System.nanoTime() - started) / 1_000_000_000.0);
    System.exit(exit);
  }

  private static int run(JobQueueConfig.Builder config) throws Exception {
    DemoEmailSender mail = new DemoEmailSender();
    try (JobQueueManager jobs =
        JobQueueManager.builder()
            .config(
                config
                    .schema("jobqueue_demo")
                    .maxWorkers(8)
                    .minWorkers(2)
                    .maxJobsPerWorker(20)
                    .pollInterval(Duration.ofMillis(500))
                    .retryBaseDelay(Duration.ofMillis(500))
                    .retryMaxDelay(Duration.ofSeconds(4))
                    .gracefulShutdownTimeout(Duration.ofSeconds(5))
                    .build())
            .handler(new EmailNotificationHandler(mail))
            .handler(new DataProcessingHandler())
            .build()) {
      jobs.initialize(); // Its log line names the server's version.
      out.println("Worker pool started on node " + jobs.workerPool().getNodeId());
      Workload workload = enqueue(jobs);
      out.printf(
          Locale.ROOT,
          "Enqueued %d jobs: both types, all priorities, %d scheduled ahead, %d flaky,"
              + " 1 that times out, 1 cancelled (job %s)%n",
          workload.total,
          workload.scheduled,
          workload.flaky,
          workload.cancelledId);
      watch(jobs, workload.total, Duration.ofSeconds(50));
      HealthCheckResult health = jobs.healthCheck();
      out.println();
      out.println("Final health check:");
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(health));
      out.println();
      List<String> problems = new ArrayList<>();
      if (health.status() != HealthStatus.HEALTHY) {
        problems.add(
            "the final health check is " + health.status().wireName() + ": " + health.reasons());
      }
      problems.addAll(unexpectedStates(jobs, workload));
      if (problems.isEmpty()) {
        printStats(jobs.getProcessingStats());
      }
      out.printf("Emails sent: %d%n", mail.sent());
      if (!problems.isEmpty()) {
        out.println("DEMO FAILED:");
        problems.forEach(problem -> out.println("  - " + problem));
        return 1;
      }
      out.println(
          "Every job reached its expected state: "
              + (workload.total - 2)
              + " completed, 1 failed (timed out), 1 cancelled");
      return 0;
    }
  }

  /** What differs from the workload's expectations, read from the database. */
  private static List<String> unexpectedStates(JobQueueManager jobs, Workload workload) {
    List<String> problems = new ArrayList<>();
    Map<String, Long> counts;
    try {
      counts = jobs.getJobMetrics().byStatus();
    } catch (RuntimeException e) {
      return List.of("the job counts cannot be read: " + e.getMessage());
    }
    Map<String, Long> expected =
        Map.of(
            "pending", 0L,
            "running", 0L,
            "completed", (long) workload.total - 2,
            "failed", 1L,
            "cancelled", 1L);
    expected.forEach(
        (status, count) -> {
          long actual = counts.getOrDefault(status, 0L);
          if (actual != count) {
            problems.add(status + " jobs: " + actual + ", expected " + count);
          }
        });
    expectState(jobs, workload.timeoutId, JobStatus.FAILED, problems);
    expectState(jobs, workload.cancelledId, JobStatus.CANCELLED, problems);
    return problems;
  }

  private static void expectState(
      JobQueueManager jobs, String id, JobStatus expected, List<String> problems) {
    JobStatus actual = jobs.getJob(id).map(Job::status).orElse(null);
    if (actual != expected) {
      problems.add("job " + id + " is " + actual + ", expected " + expected);
    }
  }

  private record Workload(
      int total, int scheduled, int flaky, String timeoutId, String cancelledId) {}

  private static Workload enqueue(JobQueueManager jobs) {
    Random random = new Random(42);
    JobPriority[] priorities = JobPriority.values();
    List<CreateJobOptions> batch = new ArrayList<>();
    int scheduled = 0;
    int flaky = 0;
    for (int i = 0; i < 2_000; i++) {
      EmailTemplate template = EmailTemplate.values()[i % 3];
      String user = (i % 500 == 7) ? "flaky-" + i : "user-" + i;
      flaky += user.startsWith("flaky-") ? 1 : 0;
      CreateJobOptions.Builder options =
          CreateJobOptions.builder(
                  EmailNotificationHandler.TYPE,
                  new EmailNotificationPayload(user, template, templateData(template, i)))
              .priority(priorities[random.nextInt(3)]);
      if (i % 10 == 3) {
        options.scheduledAt(Instant.now().plusSeconds(3 + random.nextInt(6)));
        scheduled++;
      }
      batch.add(options.build());
    }
    for (int i = 0; i < 1_000; i++) {
      List<Map<String, Object>> records = new ArrayList<>();
      for (int r = 0; r < 20; r++) {
        records.add(
            Map.of("id", "r" + (r % 18), "Full Name", " Person " + r + " ", "amount", "" + r * 3));
      }
      DataOperation operation = DataOperation.values()[i % 3];
      batch.add(
          CreateJobOptions.builder(
                  DataProcessingHandler.TYPE,
                  new DataProcessingPayload("batch-" + i, operation, records))
              .priority(priorities[random.nextInt(3)])
              .build());
    }
    jobs.createJobs(batch);
    String timeout =
        jobs.createJob(
            CreateJobOptions.builder(
                    EmailNotificationHandler.TYPE,
                    new EmailNotificationPayload(
                        "slow-smtp", EmailTemplate.WELCOME, Map.of("name", "Slow")))
                .timeoutSeconds(2)
                .maxRetries(0)
                .build());
    String cancelled =
        jobs.createJob(
            CreateJobOptions.builder(
                    EmailNotificationHandler.TYPE,
                    new EmailNotificationPayload(
                        "cancelled-user",
                        EmailTemplate.NEWSLETTER,
                        Map.of("edition", "42", "headline", "Never sent")))
                .scheduledAt(Instant.now().plusSeconds(30))
                .build());
    jobs.cancelJob(cancelled);
    return new Workload(batch.size() + 2, scheduled, flaky, timeout, cancelled);
  }

  private static Map<String, Object> templateData(EmailTemplate template, int i) {
    return switch (template) {
      case WELCOME -> Map.of("name", "User " + i);
      case PASSWORD_RESET -> Map.of("resetLink", "https://example.com/reset/" + i);
      case NEWSLETTER -> Map.of("edition", "" + (i % 12 + 1), "headline", "News " + i);
    };
  }

  /**
   * Shows progress until every job is finished, the deadline passes, or the health check has been
   * unhealthy for {@link #UNHEALTHY_LIMIT} (the jobs cannot run); the caller then checks why.
   */
  private static void watch(JobQueueManager jobs, int total, Duration deadline)
      throws InterruptedException {
    long start = System.nanoTime();
    long lastPrint = 0;
    long lastFinished = 0;
    long lastNanos = start;
    long unhealthySince = 0;
    while (true) {
      HealthCheckResult health = jobs.healthCheck();
      HealthCheckResult.Jobs counts = health.jobs();
      long finished = counts.completed() + counts.failed() + counts.cancelled();
      long now = System.nanoTime();
      double rate = (finished - lastFinished) / Math.max(0.001, (now - lastNanos) / 1e9);
      // A failed check reads every count as 0: "nothing pending" means done only when the check
      // worked and every job is accounted for.
      boolean done =
          health.status() != HealthStatus.UNHEALTHY
              && counts.pending() == 0
              && counts.running() == 0
              && finished >= total;
      if (health.status() != HealthStatus.UNHEALTHY) {
        unhealthySince = 0;
      } else if (unhealthySince == 0) {
        unhealthySince = now;
      }
      if (TERMINAL || done || now - lastPrint > 2_000_000_000L) {
        String line =
            String.format(
                Locale.ROOT,
                "%5.1fs  pending %5d  running %3d  completed %5d  failed %3d  cancelled %2d"
                    + "  %6.0f jobs/s  workers %d active / %d idle",
                (now - start) / 1e9,
                counts.pending(),
                counts.running(),
                counts.completed(),
                counts.failed(),
                counts.cancelled(),
                rate,
                jobs.workerPool().getActiveWorkerCount(),
                jobs.workerPool().getIdleWorkerCount());
        if (TERMINAL) {
          out.print("\r\033[2K" + line);
          out.flush();
        } else {
          out.println(line);
        }
        lastPrint = now;
        lastFinished = finished;
        lastNanos = now;
      }
      if (done) {
        if (TERMINAL) {
          out.println();
        }
        return;
      }
      if (unhealthySince != 0 && now - unhealthySince > UNHEALTHY_LIMIT.toNanos()) {
        out.println();
        out.println(
            "The job queue has been unhealthy for "
                + UNHEALTHY_LIMIT.toSeconds()
                + " s: "
                + health.reasons());
        return;
      }
      if (now - start > deadline.toNanos()) {
        out.println();
        out.println("Deadline passed with jobs still pending or running.");
        return;
      }
      Thread.sleep(TERMINAL ? 200 : 250);
    }
  }

  private static void printStats(ProcessingStats stats) {
    // This node ran every job. The cluster scope (from job_stats) lags by up to one 5 s
    // heartbeat, so the node scope is the complete one here.
    out.println("Processing stats (this node, last 15 minutes):");
    out.printf(
        "%-20s %9s %9s %7s %7s %8s %7s %7s %7s%n",
        "type",
        "processed",
        "succeeded",
        "failed",
        "retried",
        "avg ms",
        "p50 ms",
        "p95 ms",
        "max ms");
    stats.node().byType().forEach((type, s) -> printRow(type, s));
    printRow("(all)", stats.node().overall());
  }

  private static void printRow(String name, TypeStats s) {
    out.printf(
        "%-20s %9d %9d %7d %7d %8d %7d %7d %7d%n",
        name,
        s.processed(),
        s.succeeded(),
        s.failed(),
        s.retried(),
        s.averageMillis(),
        s.p50Millis(),
        s.p95Millis(),
        s.maxMillis());
  }
}
