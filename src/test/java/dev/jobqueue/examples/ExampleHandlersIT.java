package dev.jobqueue.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.FieldError;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.JobValidationException;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The example job types through the real engine: validation at createJob, and results. */
class ExampleHandlersIT {
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perClass();

  private static final JobRows rows = jobqueue.rows();
  private static final List<EmailMessage> outbox = new CopyOnWriteArrayList<>();
  private static JobQueueManager jobs;

  /** One worker node for the class, on a pool of its own; the extension stops both afterwards. */
  @BeforeAll
  static void start() {
    jobs =
        jobqueue.start(
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(jobqueue.schema())
                        .pollInterval(Duration.ofMillis(100))
                        .build())
                .dataSource(jobqueue.newPool("examples", 10))
                .handler(
                    new EmailNotificationHandler(
                        message -> {
                          outbox.add(message);
                          return "m" + outbox.size();
                        }))
                .handler(new DataProcessingHandler()));
  }

  @Test
  void emailJobRunsAndStoresItsSummary() {
    String id =
        jobs.createJob(
            CreateJobOptions.of(
                "email-notification",
                Map.of(
                    "userId", "user123", "template", "welcome", "data", Map.of("name", "John"))));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> jobs.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(jobs.getJob(id).orElseThrow().resultAs(Map.class).orElseThrow())
        .containsEntry("template", "welcome")
        .containsEntry("userId", "user123");
    assertThat(outbox).anySatisfy(m -> assertThat(m.subject()).isEqualTo("Welcome, John!"));
  }

  @Test
  void unknownTemplateOrMissingFieldFailsAtCreateJob() {
    long before = rows.count();

    assertThatThrownBy(
            () ->
                jobs.createJob(
                    CreateJobOptions.of(
                        "email-notification",
                        Map.of("userId", "u", "template", "birthday", "data", Map.of()))))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("payload.template")
        .hasMessageContaining("birthday");
    assertThatThrownBy(
            () ->
                jobs.createJob(
                    CreateJobOptions.of(
                        "email-notification", Map.of("template", "password-reset"))))
        .isInstanceOfSatisfying(
            JobValidationException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::field)
                    .containsExactly("payload.userId", "payload.data.resetLink"));
    assertThat(rows.count()).isEqualTo(before);
  }

  @Test
  void dataProcessingJobReturnsItsSummary() {
    String id =
        jobs.createJob(
            CreateJobOptions.of(
                "data-processing",
                Map.of(
                    "batchId",
                    "batch456",
                    "operation",
                    "import",
                    "data",
                    List.of(Map.of("id", "a"), Map.of("id", "a"), Map.of("x", 1)))));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> jobs.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(jobs.getJob(id).orElseThrow().resultAs(Map.class).orElseThrow())
        .containsEntry("imported", 1)
        .containsEntry("duplicates", 1)
        .containsEntry("rejected", 1);
  }

  @Test
  void unknownOperationFailsAtCreateJob() {
    assertThatThrownBy(
            () ->
                jobs.createJob(
                    CreateJobOptions.of(
                        "data-processing",
                        Map.of("batchId", "b", "operation", "delete", "data", List.of()))))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("payload.operation")
        .hasMessageContaining("delete");
  }
}
