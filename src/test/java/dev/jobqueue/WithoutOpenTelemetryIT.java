package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WithoutOptionalDependency;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The library runs without OpenTelemetry on the class path: a child JVM whose class path is the
 * test class path minus every OpenTelemetry jar loads and links every library class outside {@code
 * dev.jobqueue.opentelemetry}, resolves the default tracing to none, then enqueues and runs a job
 * end to end (claimed on insert, and claimed by the producer) against the test database, and finds
 * no trace context stored. A core class that referenced an OpenTelemetry type in a signature, a
 * field or on the paths a job takes would fail with {@code NoClassDefFoundError}. {@code
 * ArchitectureTest} checks the same statically, down to every bytecode reference.
 */
class WithoutOpenTelemetryIT {

  /** Path fragment of the jars left out of the child's class path. */
  private static final List<String> EXCLUDED = List.of("/io/opentelemetry/");

  private static final String REQUIRED_JAR = "opentelemetry-api";

  private static final String TYPE = "no-opentelemetry";

  /** The child JVM runs in this schema; the extension drops it after the test. */
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();

  @Test
  void runsJobsEndToEndWithoutOpenTelemetryOnTheClassPath() throws Exception {
    String log =
        WithoutOptionalDependency.runChild(Child.class, EXCLUDED, REQUIRED_JAR, db, schema);
    assertThat(log)
        .contains("OPENTELEMETRY ABSENT")
        .contains("TRACING UNLOADABLE")
        .containsPattern("LINKED \\d+ CLASSES")
        .contains("DEFAULT TRACING JobTracing.disabled()")
        .contains("CLAIMED ON INSERT COMPLETED")
        .contains("CLAIMED COMPLETED")
        .contains("NO TRACE CONTEXT")
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
        Class.forName("io.opentelemetry.api.OpenTelemetry");
        out.println("FAIL: OpenTelemetry is on the child's class path");
        System.exit(10);
      } catch (ClassNotFoundException expected) {
        out.println("OPENTELEMETRY ABSENT");
      }

      // The canary: the implementation needs OpenTelemetry, so it must not initialize. This is
      // what any core class that used OpenTelemetry would do too.
      try {
        Class.forName("dev.jobqueue.opentelemetry.OpenTelemetryTracing");
        out.println("FAIL: the OpenTelemetry tracing initialized without OpenTelemetry");
        System.exit(11);
      } catch (NoClassDefFoundError expected) {
        out.println("TRACING UNLOADABLE: " + expected);
      }

      int linked =
          WithoutOptionalDependency.linkEveryOtherClass(
              Path.of(args[4]), "dev/jobqueue/opentelemetry/", "OpenTelemetry", out);
      out.println("LINKED " + linked + " CLASSES");
      out.println("DEFAULT TRACING " + dev.jobqueue.internal.Tracing.resolve(null));

      runJobs(args[0], args[1], args[2], args[3], out);
      out.println("DONE");
      out.flush();
      System.exit(0);
    }

    private static void runJobs(
        String jdbcUrl, String user, String password, String schema, PrintStream out)
        throws Exception {
      try (HikariDataSource pool =
          WithoutOptionalDependency.pool("without-opentelemetry", jdbcUrl, user, password)) {
        JobQueueManager jobs =
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .pollInterval(Duration.ofMillis(100))
                        .build())
                .dataSource(pool)
                .handler(
                    JobHandler.of(
                        TYPE,
                        Map.class,
                        (payload, ctx) -> Map.of("echo", String.valueOf(payload.get("n")))))
                .build();
        jobs.initialize();
        try {
          // Due now with idle workers: claimed in the insert. Scheduled: claimed by the producer.
          String now = jobs.createJob(CreateJobOptions.of(TYPE, Map.of("n", 1)));
          awaitCompleted(jobs, now, out);
          out.println("CLAIMED ON INSERT COMPLETED");
          String later =
              jobs.createJob(
                  CreateJobOptions.builder(TYPE, Map.of("n", 2))
                      .scheduledAt(java.time.Instant.now().plusMillis(200))
                      .build());
          List<String> batch =
              jobs.createJobs(
                  List.of(
                      CreateJobOptions.of(TYPE, Map.of("n", 3)),
                      CreateJobOptions.of(TYPE, Map.of("n", 4))));
          awaitCompleted(jobs, later, out);
          for (String id : batch) {
            awaitCompleted(jobs, id, out);
          }
          out.println("CLAIMED COMPLETED");
          try (Connection c = pool.getConnection();
              PreparedStatement s =
                  c.prepareStatement(
                      "select count(*) from " + schema + ".jobs where trace_context is not null");
              ResultSet rs = s.executeQuery()) {
            rs.next();
            if (rs.getLong(1) != 0) {
              out.println("FAIL: " + rs.getLong(1) + " jobs store a trace context");
              System.exit(15);
            }
          }
          out.println("NO TRACE CONTEXT");
        } finally {
          jobs.shutdown();
        }
      }
    }

    private static void awaitCompleted(JobQueueManager jobs, String id, PrintStream out)
        throws InterruptedException {
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
    }
  }
}
