package dev.jobqueue;

import static dev.jobqueue.testing.Handlers.withPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-handler policies: a handler's {@link JobPolicy} beats the configuration, a {@code createJob}
 * option beats the policy, and the policy is read once, at registration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandlerPolicyIT {

  record Work(String name) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final JobRows rows = jobqueue.rows();

  /** The configuration every node here starts from: slow exponential retries, odd defaults. */
  private static JobQueueConfig.Builder config() {
    return jobqueue
        .fastConfig()
        .maxWorkers(2)
        .pollInterval(Duration.ofMillis(50))
        .retryStrategy(RetryStrategy.EXPONENTIAL)
        .retryBaseDelay(Duration.ofSeconds(3))
        .retryMaxDelay(Duration.ofSeconds(30))
        .retryJitter(0)
        .defaultMaxRetries(4)
        .defaultTimeoutSeconds(77);
  }

  private static void awaitStatus(JobQueueManager manager, String id, JobStatus status) {
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> manager.getJob(id).orElseThrow().status() == status);
  }

  @Test
  void aHandlersRetryStrategyAndDelaysReplaceTheConfiguredOnes() {
    AtomicInteger calls = new AtomicInteger();
    JobHandler<Work> linear =
        withPolicy(
            JobHandler.of(
                "linear-retries",
                Work.class,
                (payload, ctx) -> {
                  calls.incrementAndGet();
                  throw new IllegalStateException("boom " + ctx.attempt());
                }),
            JobPolicy.builder()
                .retryStrategy(RetryStrategy.LINEAR, Duration.ofMillis(200), Duration.ofMillis(300))
                .maxRetries(3)
                .build());
    JobHandler<Work> configured =
        JobHandler.of(
            "configured-retries",
            Work.class,
            (payload, ctx) -> {
              throw new IllegalStateException("boom");
            });
    JobQueueManager worker = jobqueue.start("worker", config().build(), linear, configured);

    String withPolicy = worker.createJob(CreateJobOptions.of("linear-retries", new Work("a")));
    String without = worker.createJob(CreateJobOptions.of("configured-retries", new Work("b")));

    awaitStatus(worker, withPolicy, JobStatus.FAILED);
    Job job = worker.getJob(withPolicy).orElseThrow();
    assertThat(calls).hasValue(4);
    assertThat(job.retryCount()).isEqualTo(3);
    List<JobError> errors = job.errors();
    assertThat(errors).hasSize(4);
    // Linear from 200 ms, capped at 300 ms: 200, 300, 300. Each gap is the delay plus the pickup,
    // on the database clock; the configured strategy would have waited 3 s, 6 s and 12 s.
    long[] delays = {200, 300, 300};
    for (int retry = 1; retry <= 3; retry++) {
      long gap =
          Duration.between(errors.get(retry - 1).occurredAt(), errors.get(retry).occurredAt())
              .toMillis();
      assertThat(gap)
          .as("delay before retry %d (the policy's %d ms)", retry, delays[retry - 1])
          .isBetween(delays[retry - 1] - 20, delays[retry - 1] + 1_000);
    }

    // The handler without a policy keeps the configuration's: 3 s before its first retry.
    // run_at and updated_at come from one statement's now(), so their gap is the delay exactly.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> rows.holds(without, "status = 'pending' and retry_count = 1"));
    assertThat(rows.millisBetween(without, "updated_at", "run_at")).isEqualTo(3_000);
    assertThat(worker.getJob(without).orElseThrow().maxRetries()).isEqualTo(4);
  }

  @Test
  void thePolicysRetryBudgetAndTimeoutAreStoredAndApplyWhenTheJobRuns() {
    AtomicInteger calls = new AtomicInteger();
    JobHandler<Work> slow =
        withPolicy(
            JobHandler.of(
                "slow",
                Work.class,
                (payload, ctx) -> {
                  calls.incrementAndGet();
                  Thread.sleep(10_000);
                  return null;
                }),
            JobPolicy.builder().maxRetries(0).timeout(Duration.ofSeconds(1)).build());
    JobQueueManager worker = jobqueue.start("worker", config().build(), slow);

    String id = worker.createJob(CreateJobOptions.of("slow", new Work("s")));
    Job created = worker.getJob(id).orElseThrow();
    assertThat(created.maxRetries()).isZero();
    assertThat(created.timeoutSeconds()).isEqualTo(1);

    awaitStatus(worker, id, JobStatus.FAILED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(calls).hasValue(1);
    assertThat(job.errorMessage()).hasValue("timed out after 1 s");
    assertThat(job.retryCount()).isZero();
  }

  @Test
  void aCreateJobOptionBeatsThePolicyWhichBeatsTheConfiguration() {
    JobHandler<Work> withPolicy =
        withPolicy(
            JobHandler.of("with-policy", Work.class, (payload, ctx) -> null),
            JobPolicy.builder()
                .queue("payments")
                .maxRetries(7)
                .timeout(Duration.ofSeconds(42))
                .build());
    JobHandler<Work> without = JobHandler.of("without-policy", Work.class, (payload, ctx) -> null);
    // No workers: jobs of queues other than the default one are not run by this engine yet.
    JobQueueManager jobs =
        jobqueue.start("enqueuer", config().runWorkers(false).build(), withPolicy, without);

    String fromPolicy = jobs.createJob(CreateJobOptions.of("with-policy", new Work("p")));
    String fromOptions =
        jobs.createJob(
            CreateJobOptions.builder("with-policy", new Work("o"))
                .queue("urgent")
                .maxRetries(2)
                .timeoutSeconds(5)
                .concurrencyKey("tenant-1")
                .build());
    String fromConfig = jobs.createJob(CreateJobOptions.of("without-policy", new Work("c")));

    assertThat(rows.holds(fromPolicy, "queue = 'payments'")).isTrue();
    assertThat(rows.holds(fromOptions, "queue = 'urgent'")).isTrue();
    assertThat(rows.holds(fromConfig, "queue = 'default'")).isTrue();

    Job policy = jobs.getJob(fromPolicy).orElseThrow();
    assertThat(policy.queue()).isEqualTo("payments");
    assertThat(policy.maxRetries()).isEqualTo(7);
    assertThat(policy.timeoutSeconds()).isEqualTo(42);
    assertThat(policy.concurrencyKey()).isEmpty();
    assertThat(policy.snoozeCount()).isZero();

    Job options = jobs.getJob(fromOptions).orElseThrow();
    assertThat(options.queue()).isEqualTo("urgent");
    assertThat(options.maxRetries()).isEqualTo(2);
    assertThat(options.timeoutSeconds()).isEqualTo(5);
    assertThat(options.concurrencyKey()).hasValue("tenant-1");

    Job config = jobs.getJob(fromConfig).orElseThrow();
    assertThat(config.queue()).isEqualTo(JobQueueConfig.DEFAULT_QUEUE);
    assertThat(config.maxRetries()).isEqualTo(4);
    assertThat(config.timeoutSeconds()).isEqualTo(77);
  }

  @Test
  void thePolicyIsReadOnceWhenTheHandlerIsRegistered() {
    AtomicInteger reads = new AtomicInteger();
    JobHandler<Work> counted =
        new JobHandler<>() {
          @Override
          public String type() {
            return "counted";
          }

          @Override
          public Class<Work> payloadType() {
            return Work.class;
          }

          @Override
          public Object execute(Work payload, JobContext context) {
            if (context.attempt() == 1) {
              throw new IllegalStateException("first attempt fails");
            }
            return null;
          }

          @Override
          public JobPolicy policy() {
            reads.incrementAndGet();
            return JobPolicy.builder()
                .maxRetries(1)
                .retryStrategy(RetryStrategy.FIXED, Duration.ofMillis(50), Duration.ofMillis(50))
                .build();
          }
        };
    JobQueueManager worker = jobqueue.start("worker", config().build(), counted);
    assertThat(reads).hasValue(1);

    List<String> ids =
        worker.createJobs(
            List.of(
                CreateJobOptions.of("counted", new Work("1")),
                CreateJobOptions.of("counted", new Work("2"))));
    String third = worker.createJob(CreateJobOptions.of("counted", new Work("3")));
    for (String id : List.of(ids.get(0), ids.get(1), third)) {
      awaitStatus(worker, id, JobStatus.COMPLETED);
      assertThat(worker.getJob(id).orElseThrow().retryCount()).isEqualTo(1);
    }
    assertThat(reads).as("policy() calls after three jobs created, failed and retried").hasValue(1);
  }

  @Test
  void aPolicyThatThrowsOrIsNullIsRefusedAtRegistration() {
    JobHandler<Work> throwing =
        withPolicy(
            JobHandler.of("throwing-policy", Work.class, (payload, ctx) -> null),
            () -> {
              throw new IllegalStateException("no policy today");
            });
    assertThatThrownBy(() -> JobQueueManager.builder().handler(throwing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the policy() of handler throwing-policy threw java.lang.IllegalStateException:"
                + " no policy today")
        .hasCauseInstanceOf(IllegalStateException.class);

    JobHandlerRegistry registry = new JobHandlerRegistry();
    assertThatThrownBy(
            () ->
                registry.register(
                    withPolicy(
                        JobHandler.of("null-policy", Work.class, (payload, ctx) -> null),
                        () -> null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the policy() of handler null-policy is null");
    assertThat(registry.getRegisteredTypes()).isEmpty();
    assertThat(registry.policy("null-policy")).isEmpty();
  }
}
