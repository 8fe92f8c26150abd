package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link JobQueueManager#shutdown()}: running jobs get the graceful timeout to finish; whatever is
 * still running after it is interrupted and given back to pending, and so are claimed jobs that
 * never started. Nothing is left {@code running}, and the interrupted attempt does not count.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GracefulShutdownIT {

  /**
   * A job's behaviour.
   *
   * @param millis how long it runs
   * @param stubborn whether it ignores interruption
   */
  record Task(long millis, boolean stubborn) {}

  private static final String[] TYPES = {"short", "blocking", "queued", "cooperative", "lifecycle"};

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .withManager(
              Arrays.stream(TYPES)
                  .map(type -> JobHandler.of(type, Task.class, (p, ctx) -> null))
                  .toArray(JobHandler<?>[]::new));

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  @Test
  void runningJobsFinishWithinTheGracefulTimeout() throws Exception {
    CountDownLatch started = new CountDownLatch(3);
    AtomicBoolean interrupted = new AtomicBoolean();
    JobQueueManager manager =
        start(
            "graceful-within",
            config(Duration.ofSeconds(5)).minWorkers(3).maxWorkers(3).maxJobsPerWorker(1),
            JobHandler.of(
                "short",
                Task.class,
                (task, ctx) -> {
                  started.countDown();
                  try {
                    Thread.sleep(task.millis());
                  } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                  }
                  return Map.of("slept", task.millis());
                }));
    List<String> ids = enqueue("short", 3, new Task(500, false));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    long t0 = System.nanoTime();
    manager.shutdown();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf(
        "GracefulShutdownIT: shutdown with 3 running 500 ms jobs (graceful timeout 5 s) took %d"
            + " ms%n",
        millis);

    assertThat(millis).isLessThan(5_000 + 2_000);
    assertThat(interrupted).isFalse();
    for (String id : ids) {
      Job job = jobqueue.manager().getJob(id).orElseThrow();
      assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(job.resultJson()).hasValueSatisfying(r -> assertThat(r).contains("500"));
    }
    assertThat(rows.count("status = 'running'")).isZero();
  }

  @Test
  void jobsStillRunningAfterTheGracefulTimeoutAreInterruptedAndReleased() throws Exception {
    CountDownLatch started = new CountDownLatch(3);
    AtomicInteger interrupted = new AtomicInteger();
    CountDownLatch releaseStubborn = new CountDownLatch(1);
    CountDownLatch stubbornReturned = new CountDownLatch(1);
    JobQueueManager manager =
        start(
            "graceful-past",
            config(Duration.ofSeconds(1)).minWorkers(3).maxWorkers(3).maxJobsPerWorker(1),
            JobHandler.of(
                "blocking",
                Task.class,
                (task, ctx) -> {
                  started.countDown();
                  if (!task.stubborn()) {
                    try {
                      Thread.sleep(task.millis());
                    } catch (InterruptedException e) {
                      interrupted.incrementAndGet();
                      throw e;
                    }
                    return Map.of("finished", true);
                  }
                  // Ignores interruption: runs until the test lets it go.
                  try {
                    long deadline =
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(task.millis());
                    while (System.nanoTime() < deadline) {
                      try {
                        if (releaseStubborn.await(20, TimeUnit.MILLISECONDS)) {
                          break;
                        }
                      } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                      }
                    }
                    return Map.of("finished", "late");
                  } finally {
                    stubbornReturned.countDown();
                  }
                }));
    List<String> ids = new ArrayList<>(enqueue("blocking", 2, new Task(30_000, false)));
    ids.addAll(enqueue("blocking", 1, new Task(20_000, true)));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    long t0 = System.nanoTime();
    manager.shutdown();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf(
        "GracefulShutdownIT: shutdown with 3 jobs blocking 30 s, one ignoring interruption"
            + " (graceful timeout 1 s) took %d ms%n",
        millis);

    assertThat(millis).isLessThanOrEqualTo(1_000 + 3_000);
    await().atMost(Duration.ofSeconds(2)).until(() -> interrupted.get() == 3);
    assertReleased(ids);
    assertThat(rows.count("status = 'running'")).isZero();

    // The stubborn handler returns after all: what it returns is not written.
    releaseStubborn.countDown();
    assertThat(stubbornReturned.await(10, TimeUnit.SECONDS)).isTrue();
    assertReleased(ids);

    assertAnotherManagerCompletes("blocking", ids);
  }

  @Test
  void claimedJobsThatNeverStartedAreReleasedAtOnce() throws Exception {
    AtomicInteger started = new AtomicInteger();
    JobQueueManager manager =
        start(
            "graceful-queued",
            config(Duration.ofSeconds(1)).minWorkers(1).maxWorkers(1).maxJobsPerWorker(10),
            JobHandler.of(
                "queued",
                Task.class,
                (task, ctx) -> {
                  started.incrementAndGet();
                  Thread.sleep(task.millis());
                  return null;
                }));
    String node = manager.workerPool().getNodeId();
    List<String> ids = enqueue("queued", 6, new Task(30_000, false));
    // One worker runs one job; the other five wait in its local queue, claimed and leased.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                started.get() == 1
                    && rows.count("status = 'running' and locked_by = '" + node + "'") == 6);

    long t0 = System.nanoTime();
    manager.shutdown();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf(
        "GracefulShutdownIT: shutdown with 1 running and 5 queued jobs (graceful timeout 1 s)"
            + " took %d ms%n",
        millis);

    assertThat(millis).isLessThanOrEqualTo(1_000 + 3_000);
    assertThat(started).hasValue(1);
    assertReleased(ids);
    assertThat(rows.count("status = 'running'")).isZero();

    assertAnotherManagerCompletes("queued", ids);
  }

  /**
   * A handler that honours {@link JobContext#isCancellationRequested()} during shutdown, by
   * stopping and throwing, must be given back like an interrupted one: its attempt does not count.
   */
  @Test
  void aHandlerThatStopsOnTheShutdownSignalIsReleasedWithoutCountingTheAttempt() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean sawSignal = new AtomicBoolean();
    JobQueueManager manager =
        start(
            "graceful-cooperative",
            config(Duration.ofSeconds(5)).maxWorkers(1),
            JobHandler.of(
                "cooperative",
                Task.class,
                (task, ctx) -> {
                  started.countDown();
                  long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(task.millis());
                  while (!ctx.isCancellationRequested() && System.nanoTime() < deadline) {
                    try {
                      Thread.sleep(10);
                    } catch (InterruptedException e) {
                      break;
                    }
                  }
                  sawSignal.set(ctx.isCancellationRequested());
                  throw new IllegalStateException("stopped early: cancellation was requested");
                }));
    String id = enqueue("cooperative", 1, new Task(20_000, false)).get(0);
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    long t0 = System.nanoTime();
    manager.shutdown();
    System.out.printf(
        "GracefulShutdownIT: shutdown with a cooperative handler took %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

    assertThat(sawSignal).isTrue();
    assertReleased(List.of(id));
    assertThat(rows.count("status = 'running'")).isZero();
  }

  @Test
  void shutdownIsIdempotentAndHarmlessBeforeInitialize() throws Exception {
    HikariDataSource pool = jobqueue.newPool("graceful-lifecycle", 8);
    JobQueueManager manager =
        jobqueue.build(
            config(Duration.ofSeconds(1)).build(),
            pool,
            JobHandler.of("lifecycle", Task.class, (task, ctx) -> Map.of("ok", true)));

    assertThatCode(manager::shutdown).doesNotThrowAnyException();
    assertThatCode(manager::close).doesNotThrowAnyException();
    WorkerPool standalone =
        new WorkerPool(config(Duration.ofSeconds(1)).build(), pool, new JobHandlerRegistry());
    assertThatCode(standalone::stop).doesNotThrowAnyException();
    assertThatCode(standalone::stop).doesNotThrowAnyException();

    // A premature shutdown changed nothing: the manager still starts and runs jobs.
    manager.initialize();
    String id = jobqueue.manager().createJob(CreateJobOptions.of("lifecycle", new Task(0, false)));
    await().atMost(Duration.ofSeconds(10)).until(() -> status(id) == JobStatus.COMPLETED);

    long t0 = System.nanoTime();
    manager.shutdown();
    long first = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    t0 = System.nanoTime();
    assertThatCode(manager::shutdown).doesNotThrowAnyException();
    assertThatCode(manager::close).doesNotThrowAnyException();
    long again = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf(
        "GracefulShutdownIT: idle shutdown took %d ms, shutting down again %d ms%n", first, again);
    assertThat(again).isLessThan(1_000);
    assertThat(pool.isClosed()).as("a caller's DataSource is left open").isFalse();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private JobQueueConfig.Builder config(Duration graceful) {
    return JobQueueConfig.builder()
        .schema(schema)
        .gracefulShutdownTimeout(graceful)
        .pollInterval(Duration.ofMillis(200));
  }

  private JobQueueManager start(String name, JobQueueConfig.Builder config, JobHandler<?> handler) {
    return jobqueue.start(config.build(), jobqueue.newPool(name, 10), handler);
  }

  private List<String> enqueue(String type, int n, Task task) {
    List<CreateJobOptions> options = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      options.add(CreateJobOptions.builder(type, task).maxRetries(3).build());
    }
    return jobqueue.manager().createJobs(options);
  }

  /** Back to pending, unlocked, and the interrupted attempt not counted against the budget. */
  private void assertReleased(List<String> ids) {
    for (String id : ids) {
      Job job = jobqueue.manager().getJob(id).orElseThrow();
      assertThat(job.status()).as("status of %s", id).isEqualTo(JobStatus.PENDING);
      assertThat(job.retryCount()).as("retryCount of %s", id).isZero();
      assertThat(job.errors()).isEmpty();
      assertThat(job.completedAt()).isEmpty();
    }
    assertThat(rows.count("locked_by is not null and id in (" + String.join(",", ids) + ")"))
        .isZero();
  }

  /** A fresh node runs the released jobs, each as its first attempt. */
  private void assertAnotherManagerCompletes(String type, List<String> ids) {
    Map<String, Integer> attempts = new ConcurrentHashMap<>();
    start(
        "graceful-successor",
        config(Duration.ofSeconds(5)).maxWorkers(4),
        JobHandler.of(
            type,
            Task.class,
            (task, ctx) -> {
              attempts.put(ctx.jobId(), ctx.attempt());
              return Map.of("by", "successor");
            }));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids.stream().allMatch(id -> status(id) == JobStatus.COMPLETED));
    assertThat(attempts).containsOnlyKeys(ids);
    assertThat(attempts.values()).containsOnly(1);
    for (String id : ids) {
      assertThat(jobqueue.manager().getJob(id).orElseThrow().retryCount()).isZero();
    }
  }

  private JobStatus status(String id) {
    return jobqueue.manager().getJob(id).orElseThrow().status();
  }
}
