package dev.jobqueue.spring.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Spring Boot application without a web server stays alive after {@code main} returns and runs
 * jobs, until it is told to stop (SIGTERM), and then shuts the job queue down gracefully.
 */
class WorkerOnlyApplicationIT {

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  @Test
  void aWorkerOnlyApplicationKeepsRunningJobsAfterMainReturns() throws Exception {
    TestDatabase db = TestDatabase.get();
    Path log = Files.createTempFile("worker-only", ".log");
    Process child =
        new ProcessBuilder(
                List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx256m",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    WorkerOnlyApplication.class.getName(),
                    "--spring.datasource.url=" + db.jdbcUrl(),
                    "--spring.datasource.username=" + db.user(),
                    "--spring.datasource.password=" + db.password(),
                    "--jobqueue.schema=" + jobqueue.schema(),
                    "--jobqueue.poll-interval=200ms",
                    "--jobqueue.graceful-shutdown-timeout=2s",
                    "--logging.level.dev.jobqueue.JobQueueManager=INFO"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> read(log).contains("MAIN RETURNED") || !child.isAlive());
      assertThat(child.isAlive())
          .as("alive once main returned; its output:%n%s", read(log))
          .isTrue();
      Thread.sleep(2_000);
      assertThat(child.isAlive()).as("alive 2 s later; its output:%n%s", read(log)).isTrue();

      JobQueueManager producer =
          jobqueue.start(
              JobQueueManager.builder()
                  .config(jobqueue.fastConfig().runWorkers(false).allowUnknownTypes(true).build())
                  .dataSource(jobqueue.newPool("worker-only-producer", 4)));
      String id =
          producer.createJob(CreateJobOptions.of(WorkerOnlyApplication.TYPE, Map.of("n", 1)));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> producer.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);

      child.destroy(); // SIGTERM: Spring Boot's shutdown hook closes the context.
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(read(log)).contains("Job queue shut down");
    } finally {
      child.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }

  private static String read(Path log) throws java.io.IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
