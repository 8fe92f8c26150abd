package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WithoutOptionalDependency;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The library runs without Micrometer on the class path: a child JVM whose class path is the test
 * class path minus every Micrometer jar (and the jars only Micrometer needs) loads and links every
 * library class outside {@code dev.jobqueue.micrometer}, then runs a job end to end against the
 * test database. A core class that referenced a Micrometer type in a signature, a field or on the
 * paths a job takes would fail with {@code NoClassDefFoundError}. {@code ArchitectureTest} checks
 * the same statically, down to every bytecode reference.
 */
class WithoutMicrometerIT {

  /** Path fragments of the jars left out of the child's class path. */
  private static final List<String> EXCLUDED =
      List.of("/io/micrometer/", "/org/hdrhistogram/", "/org/latencyutils/");

  private static final String REQUIRED_JAR = "micrometer-core";

  private static final String TYPE = "no-micrometer";

  /** The child JVM runs in this schema; the extension drops it after the test. */
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();

  @Test
  void runsAJobEndToEndWithoutMicrometerOnTheClassPath() throws Exception {
    String log =
        WithoutOptionalDependency.runChild(Child.class, EXCLUDED, REQUIRED_JAR, db, schema);
    assertThat(log)
        .contains("MICROMETER ABSENT")
        .contains("BINDER UNLOADABLE")
        .containsPattern("LINKED \\d+ CLASSES")
        .contains("JOB COMPLETED")
        .contains("DONE");
  }

  /**
   * The child JVM. Arguments: {@code jdbcUrl user password schema classesDirectory}. Prints one
   * line per check and exits 0 when all pass.
   */
  static final class Child {

    private Child() {}

    /**
     * Runs the checks.
     *
     * @param args {@code jdbcUrl user password schema classesDirectory}
     * @throws Exception if a check cannot run; the exit code is then non-zero
     */
    public static void main(String[] args) throws Exception {
      PrintStream out = System.out;
      try {
        Class.forName("io.micrometer.core.instrument.MeterRegistry");
        out.println("FAIL: Micrometer is on the child's class path");
        System.exit(10);
      } catch (ClassNotFoundException expected) {
        out.println("MICROMETER ABSENT");
      }

      // The canary: the binder needs Micrometer, so it must not load. This is what any core
      // class that used Micrometer would do too.
      try {
        Class.forName("dev.jobqueue.micrometer.JobQueueMetrics");
        out.println("FAIL: the Micrometer binder loaded without Micrometer");
        System.exit(11);
      } catch (NoClassDefFoundError expected) {
        out.println("BINDER UNLOADABLE: " + expected);
      }

      int linked =
          WithoutOptionalDependency.linkEveryOtherClass(
              Path.of(args[4]), "dev/jobqueue/micrometer/", "Micrometer", out);
      out.println("LINKED " + linked + " CLASSES");

      runOneJob(args[0], args[1], args[2], args[3], out);
      out.println("DONE");
      out.flush();
      System.exit(0);
    }

    private static void runOneJob(
        String jdbcUrl, String user, String password, String schema, PrintStream out)
        throws InterruptedException {
      try (HikariDataSource pool =
          WithoutOptionalDependency.pool("without-micrometer", jdbcUrl, user, password)) {
        JobQueueManager jobs =
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .pollInterval(Duration.ofMillis(100))
                        .enableMetrics(true)
                        .metricsInterval(Duration.ofSeconds(1))
                        .build())
                .dataSource(pool)
                .listener(new JobEventListener() {})
                .handler(
                    JobHandler.of(
                        TYPE,
                        Map.class,
                        (payload, ctx) -> Map.of("echo", String.valueOf(payload.get("n")))))
                .build();
        jobs.initialize();
        try {
          String id = jobs.createJob(CreateJobOptions.of(TYPE, Map.of("n", 42)));
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          JobStatus status = jobs.getJob(id).orElseThrow().status();
          while (status != JobStatus.COMPLETED && System.nanoTime() < deadline) {
            Thread.sleep(20); // a poll with a deadline; this JVM has no Awaitility on purpose
            status = jobs.getJob(id).orElseThrow().status();
          }
          if (status != JobStatus.COMPLETED) {
            out.println("FAIL: job " + id + " is " + status);
            System.exit(13);
          }
          out.println("JOB COMPLETED: " + jobs.getJob(id).orElseThrow().resultJson().orElse(null));
          HealthCheckResult health = jobs.healthCheck();
          out.println("HEALTH " + health.status() + " " + health.reasons());
          if (health.status() == HealthStatus.UNHEALTHY) {
            System.exit(14);
          }
          out.println("METRICS " + jobs.getJobMetrics().byStatus());
          out.println("STATS " + jobs.getProcessingStats().node().overall().processed());
        } finally {
          jobs.shutdown();
        }
      }
    }
  }
}
