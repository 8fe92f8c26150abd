package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Failed attempts: retry delays per strategy, exhaustion, non-retryable failures and results. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetryIT {

  record Work(String name) {}

  record Counter(int count) {}

  /** The payload class an older version of the "counter" handler declared. */
  record OldCounter(String count) {}

  record Summary(String name, int size) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();

  private JobQueueManager worker(JobQueueConfig.Builder config, JobHandler<?>... handlers) {
    return jobqueue.start("worker", config.pollInterval(Duration.ofMillis(50)).build(), handlers);
  }

  private static JobQueueConfig.Builder config(String schema) {
    return EngineTestSupport.fastConfig(schema).maxWorkers(2);
  }

  private static void awaitStatus(JobQueueManager manager, String id, JobStatus status) {
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> manager.getJob(id).orElseThrow().status() == status);
  }

  @Test
  void exhaustedRetriesEndFailedAfterEachStrategysDelays() {
    // One manager per strategy (the strategy is a node setting), each with a job type of its own,
    // all running at once so that the class stays fast.
    Duration base = Duration.ofMillis(200);
    Duration max = Duration.ofSeconds(1);
    Map<RetryStrategy, String> ids = new EnumMap<>(RetryStrategy.class);
    Map<RetryStrategy, AtomicInteger> calls = new EnumMap<>(RetryStrategy.class);
    for (RetryStrategy strategy : RetryStrategy.values()) {
      String type = "always-fails-" + strategy.wireName();
      AtomicInteger count = new AtomicInteger();
      calls.put(strategy, count);
      JobQueueManager worker =
          jobqueue.start(
              strategy.wireName(),
              config(schema)
                  .pollInterval(Duration.ofMillis(50))
                  .retryStrategy(strategy)
                  .retryBaseDelay(base)
                  .retryMaxDelay(max)
                  .retryJitter(0)
                  .build(),
              JobHandler.of(
                  type,
                  Work.class,
                  (payload, ctx) -> {
                    count.incrementAndGet();
                    throw new IllegalStateException("boom on attempt " + ctx.attempt());
                  }));
      ids.put(
          strategy,
          worker.createJob(CreateJobOptions.builder(type, new Work("w")).maxRetries(4).build()));
    }
    JobQueueManager reader = jobqueue.start("reader", config(schema).runWorkers(false).build());
    for (String id : ids.values()) {
      awaitStatus(reader, id, JobStatus.FAILED);
    }

    for (RetryStrategy strategy : RetryStrategy.values()) {
      Job job = reader.getJob(ids.get(strategy)).orElseThrow();
      assertThat(calls.get(strategy)).as("%s attempts", strategy).hasValue(5);
      assertThat(job.retryCount()).isEqualTo(4);
      assertThat(job.attempt()).isEqualTo(5);
      assertThat(job.errorMessage()).hasValue("IllegalStateException: boom on attempt 5");
      assertThat(job.completedAt()).isPresent();
      List<JobError> errors = job.errors();
      assertThat(errors).hasSize(5);
      for (int i = 0; i < 5; i++) {
        assertThat(errors.get(i).attempt()).isEqualTo(i + 1);
        assertThat(errors.get(i).message())
            .isEqualTo("IllegalStateException: boom on attempt " + (i + 1));
      }

      // Each error's "at" is the database's now() when that attempt's failure was written, and
      // the next attempt can only be claimed once now() >= run_at = (that now()) + delay. So the
      // gap between consecutive error timestamps is the delay plus pickup and run time, all on
      // the database clock. Tolerance: at least the delay minus 20 ms (it cannot be less; the
      // 20 ms only absorbs timestamp rounding), at most the delay plus 1000 ms (pickup here takes
      // ~50-100 ms; the margin is for a loaded CI machine).
      List<Long> expected = new ArrayList<>();
      List<Long> measured = new ArrayList<>();
      for (int retry = 1; retry <= 4; retry++) {
        long delay = strategy.delay(retry, base, max).toMillis();
        long gap =
            Duration.between(errors.get(retry - 1).occurredAt(), errors.get(retry).occurredAt())
                .toMillis();
        expected.add(delay);
        measured.add(gap);
        assertThat(gap)
            .as("%s delay before retry %d (expected %d ms)", strategy, retry, delay)
            .isBetween(delay - 20, delay + 1_000);
      }
      System.out.printf(
          "%s retry delays: expected %s ms, measured on the database clock %s ms%n",
          strategy, expected, measured);
    }
  }

  @Test
  void jobThatFailsTwiceThenSucceedsCompletesWithItsFailuresKept() {
    List<Integer> attempts = Collections.synchronizedList(new ArrayList<>());
    JobQueueManager worker =
        worker(
            config(schema),
            JobHandler.of(
                "flaky",
                Work.class,
                (payload, ctx) -> {
                  attempts.add(ctx.attempt());
                  if (ctx.attempt() <= 2) {
                    throw new IllegalStateException("not yet " + ctx.attempt());
                  }
                  return Map.of("succeededOn", ctx.attempt());
                }));

    String id =
        worker.createJob(CreateJobOptions.builder("flaky", new Work("w")).maxRetries(5).build());

    awaitStatus(worker, id, JobStatus.COMPLETED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(attempts).containsExactly(1, 2, 3);
    assertThat(job.retryCount()).isEqualTo(2);
    assertThat(job.errors())
        .extracting(JobError::attempt, JobError::message)
        .containsExactly(
            tuple(1, "IllegalStateException: not yet 1"),
            tuple(2, "IllegalStateException: not yet 2"));
    assertThat(job.resultAs(Map.class)).hasValue(Map.of("succeededOn", 3));
    assertThat(job.completedAt()).isPresent();
  }

  @Test
  void nonRetryableExceptionFailsAtOnceDespiteRetriesLeft() {
    AtomicInteger calls = new AtomicInteger();
    JobQueueManager worker =
        worker(
            config(schema),
            JobHandler.of(
                "client-error",
                Work.class,
                (payload, ctx) -> {
                  calls.incrementAndGet();
                  throw new NonRetryableJobException("invalid address " + payload.name());
                }));

    String id =
        worker.createJob(
            CreateJobOptions.builder("client-error", new Work("nobody@")).maxRetries(5).build());

    awaitStatus(worker, id, JobStatus.FAILED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(calls).hasValue(1);
    assertThat(job.retryCount()).isZero();
    assertThat(job.errors()).hasSize(1);
    assertThat(job.errors().get(0).attempt()).isEqualTo(1);
    assertThat(job.errorMessage()).hasValueSatisfying(m -> assertThat(m).contains("nobody@"));
    assertThat(job.errors().get(0).message()).isEqualTo(job.errorMessage().orElseThrow());
  }

  @Test
  void failureResultFailsAtOnceWithItsMessageStored() {
    AtomicInteger calls = new AtomicInteger();
    JobQueueManager worker =
        worker(
            config(schema),
            JobHandler.of(
                "http-404",
                Work.class,
                (payload, ctx) -> {
                  calls.incrementAndGet();
                  return JobResult.failure("client error 404, not retrying");
                }));

    String id =
        worker.createJob(CreateJobOptions.builder("http-404", new Work("w")).maxRetries(5).build());

    awaitStatus(worker, id, JobStatus.FAILED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(calls).hasValue(1);
    assertThat(job.retryCount()).isZero();
    assertThat(job.errorMessage()).hasValue("client error 404, not retrying");
    assertThat(job.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.attempt()).isEqualTo(1);
              assertThat(e.message()).isEqualTo("client error 404, not retrying");
            });
    assertThat(job.resultJson()).isEmpty();
  }

  @Test
  void storedPayloadThatNoLongerConvertsFailsAtOnceNamingThePayloadClass() {
    // An older deployment declared {"count": "<text>"} and enqueued with it; the running handler
    // now declares an int.
    JobQueueManager oldVersion =
        jobqueue.start(
            "old-version",
            config(schema).runWorkers(false).build(),
            JobHandler.of("counter", OldCounter.class, (payload, ctx) -> null));
    String id =
        oldVersion.createJob(
            CreateJobOptions.builder("counter", new OldCounter("twelve")).maxRetries(5).build());
    AtomicInteger calls = new AtomicInteger();
    JobQueueManager worker =
        worker(
            config(schema),
            JobHandler.of(
                "counter",
                Counter.class,
                (payload, ctx) -> {
                  calls.incrementAndGet();
                  return null;
                }));

    awaitStatus(worker, id, JobStatus.FAILED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(calls).hasValue(0);
    assertThat(job.retryCount()).isZero();
    assertThat(job.errors()).hasSize(1);
    assertThat(job.errorMessage())
        .hasValueSatisfying(
            m -> assertThat(m).contains(Counter.class.getName()).containsIgnoringCase("count"));
  }

  @Test
  void resultThatCannotBeStoredFailsTheJobAtOnce() {
    AtomicInteger calls = new AtomicInteger();
    JobQueueManager worker =
        worker(
            config(schema).maxPayloadBytes(1_000),
            JobHandler.of(
                "too-big",
                Work.class,
                (payload, ctx) -> {
                  calls.incrementAndGet();
                  return Map.of("blob", "x".repeat(5_000));
                }));

    String id =
        worker.createJob(CreateJobOptions.builder("too-big", new Work("w")).maxRetries(3).build());

    awaitStatus(worker, id, JobStatus.FAILED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(calls).hasValue(1);
    assertThat(job.retryCount()).isZero();
    assertThat(job.resultJson()).isEmpty();
    assertThat(job.errorMessage())
        .hasValueSatisfying(m -> assertThat(m).contains("result cannot be stored"));
  }

  @Test
  void successResultAndPlainReturnValueAreStoredAsJson() {
    JobQueueManager worker =
        worker(
            config(schema),
            JobHandler.of(
                "explicit",
                Work.class,
                (payload, ctx) -> JobResult.success(new Summary(payload.name(), 3))),
            JobHandler.of("plain", Work.class, (payload, ctx) -> new Summary(payload.name(), 7)),
            JobHandler.of("nothing", Work.class, (payload, ctx) -> null));

    String explicit = worker.createJob(CreateJobOptions.of("explicit", new Work("a")));
    String plain = worker.createJob(CreateJobOptions.of("plain", new Work("b")));
    String nothing = worker.createJob(CreateJobOptions.of("nothing", new Work("c")));

    for (String id : List.of(explicit, plain, nothing)) {
      awaitStatus(worker, id, JobStatus.COMPLETED);
    }
    assertThat(worker.getJob(explicit).orElseThrow().resultAs(Summary.class))
        .hasValue(new Summary("a", 3));
    assertThat(worker.getJob(plain).orElseThrow().resultAs(Summary.class))
        .hasValue(new Summary("b", 7));
    assertThat(worker.getJob(plain).orElseThrow().resultJson())
        .hasValueSatisfying(json -> assertThat(json).contains("\"size\"").contains("7"));
    assertThat(worker.getJob(nothing).orElseThrow().resultJson()).isEmpty();
    for (String id : List.of(explicit, plain, nothing)) {
      Job job = worker.getJob(id).orElseThrow();
      assertThat(job.completedAt()).isPresent();
      assertThat(job.errors()).isEmpty();
      assertThat(job.retryCount()).isZero();
    }
  }
}
