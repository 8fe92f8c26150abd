package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.StuckHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-job timeouts: the attempt is interrupted, and a handler that ignores it is replaced. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimeoutIT {

  record Work(int n) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  private final StuckHandlers stuck = new StuckHandlers();

  @AfterEach
  void stopManagers() throws InterruptedException {
    stuck.release();
    jobqueue.support().close();
    // A stuck handler's thread ends once released: an abandoned worker exits after its handler
    // returns, and one that was not abandoned yet exits with the stopped pool.
    List<Thread> threads = stuck.releaseAndAwait();
    for (Thread thread : threads) {
      assertThat(thread.isAlive()).as("stuck handler thread %s ended", thread).isFalse();
    }
  }

  private JobQueueManager worker(JobQueueConfig.Builder config, JobHandler<?>... handlers) {
    return jobqueue.start(
        "worker",
        config.pollInterval(Duration.ofMillis(50)).retryBaseDelay(Duration.ofMillis(50)).build(),
        handlers);
  }

  /** Sleeps 30 s, interruptibly; counts its runs and the interruptions it saw. */
  private static JobHandler<Work> sleeper(AtomicInteger runs, CountDownLatch interrupted) {
    return JobHandler.of(
        "sleeper",
        Work.class,
        (payload, ctx) -> {
          runs.incrementAndGet();
          try {
            Thread.sleep(30_000);
          } catch (InterruptedException e) {
            interrupted.countDown();
            throw e;
          }
          return null;
        });
  }

  @Test
  void timeoutInterruptsTheAttemptAndCountsItAsFailed() throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch interrupted = new CountDownLatch(1);
    JobQueueManager worker =
        worker(EngineTestSupport.fastConfig(schema), sleeper(runs, interrupted));

    String id =
        worker.createJob(
            CreateJobOptions.builder("sleeper", new Work(1))
                .timeoutSeconds(1)
                .maxRetries(0)
                .build());

    assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("handler interrupted").isTrue();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.FAILED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(runs).hasValue(1);
    assertThat(job.retryCount()).isZero();
    assertThat(job.errorMessage()).hasValueSatisfying(m -> assertThat(m).contains("timed out"));
    assertThat(job.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("timed out"));
    // Interrupted at its timeout, by the database clock: not before 1 s, and well before 30 s.
    assertThat(rows.millisBetween(id, "started_at", "completed_at")).isBetween(950L, 4_000L);
  }

  @Test
  void timedOutAttemptIsRetriedWhileRetriesRemain() {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch interrupted = new CountDownLatch(2);
    JobQueueManager worker =
        worker(EngineTestSupport.fastConfig(schema), sleeper(runs, interrupted));

    String id =
        worker.createJob(
            CreateJobOptions.builder("sleeper", new Work(1))
                .timeoutSeconds(1)
                .maxRetries(1)
                .build());

    await()
        .atMost(Duration.ofSeconds(8))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.FAILED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(runs).hasValue(2);
    assertThat(interrupted.getCount()).isZero();
    assertThat(job.retryCount()).isEqualTo(1);
    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.errors())
        .hasSize(2)
        .allSatisfy(e -> assertThat(e.message()).contains("timed out"));
  }

  @Test
  void jobRunningLongerThanItsLeaseIsNotInterruptedWhileItsLeaseIsRenewed() {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch interrupted = new CountDownLatch(1);
    JobQueueManager worker =
        worker(
            EngineTestSupport.fastConfig(schema).leaseDuration(Duration.ofSeconds(1)),
            JobHandler.of(
                "long",
                Work.class,
                (payload, ctx) -> {
                  runs.incrementAndGet();
                  try {
                    Thread.sleep(2_200); // over two leases long, well within its timeout
                  } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                  }
                  return null;
                }));

    String id =
        worker.createJob(
            CreateJobOptions.builder("long", new Work(1)).timeoutSeconds(30).maxRetries(0).build());

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> worker.getJob(id).orElseThrow().status().isTerminal());
    Job job = worker.getJob(id).orElseThrow();
    assertThat(job.errors()).isEmpty();
    assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(interrupted.getCount()).as("never interrupted").isEqualTo(1);
    assertThat(runs).hasValue(1);
  }

  @Test
  void workerBusyLongerThanWorkerTimeoutIsReportedStuckButNotInterrupted() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    JobQueueManager worker =
        worker(
            EngineTestSupport.fastConfig(schema).workerTimeout(Duration.ofMillis(300)),
            JobHandler.of(
                "slow",
                Work.class,
                (payload, ctx) -> {
                  started.countDown();
                  try {
                    release.await(10, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                  }
                  return null;
                }));
    String id =
        worker.createJob(CreateJobOptions.builder("slow", new Work(1)).timeoutSeconds(60).build());
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    try {
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> worker.workerPool().getStuckWorkerCount() >= 1);
    } finally {
      release.countDown();
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(interrupted.getCount()).as("a reporting threshold only").isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(3))
        .until(() -> worker.workerPool().getStuckWorkerCount() == 0);
  }

  @Test
  void handlerThatIgnoresInterruptionDoesNotStarveThePool() {
    int maxWorkers = 2;
    AtomicInteger quickRuns = new AtomicInteger();
    AtomicInteger stuckRuns = new AtomicInteger();
    JobHandler<Work> stubborn =
        JobHandler.of(
            "stuck",
            Work.class,
            (payload, ctx) -> {
              stuckRuns.incrementAndGet();
              stuck.hold(Duration.ofSeconds(10)); // swallows every interruption
              return null;
            });
    JobHandler<Work> quick =
        JobHandler.of(
            "quick",
            Work.class,
            (payload, ctx) -> {
              quickRuns.incrementAndGet();
              return null;
            });
    JobQueueManager worker =
        worker(
            EngineTestSupport.fastConfig(schema)
                .maxWorkers(maxWorkers)
                .minWorkers(1)
                // Long enough that no claimed job outlives its first lease here: this test is
                // about timeouts, not about lease renewal (see the test above).
                .leaseDuration(Duration.ofSeconds(5)),
            stubborn,
            quick);
    WorkerPool pool = worker.workerPool();

    // The stuck jobs are HIGH, so they are claimed first and take every worker.
    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      jobs.add(
          CreateJobOptions.builder("stuck", new Work(i))
              .priority(JobPriority.HIGH)
              .timeoutSeconds(1)
              .maxRetries(0)
              .build());
    }
    for (int i = 0; i < 20; i++) {
      jobs.add(CreateJobOptions.of("quick", new Work(i)));
    }
    List<String> ids = worker.createJobs(jobs);
    List<String> stuckIds = ids.subList(0, 3);

    AtomicInteger mostLiveWorkers = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(9))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              mostLiveWorkers.accumulateAndGet(pool.getWorkers().size(), Math::max);
              return quickRuns.get() == 20
                  && rows.count("type = 'quick' and status = 'completed'") == 20;
            });

    assertThat(stuck.anyAlive()).as("quick jobs finished while stuck handlers still ran").isTrue();
    assertThat(pool.getStuckWorkerCount()).isGreaterThanOrEqualTo(1);
    assertThat(mostLiveWorkers.get()).isLessThanOrEqualTo(maxWorkers);
    assertThat(pool.getWorkers().size()).isLessThanOrEqualTo(maxWorkers);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> rows.count("type = 'stuck' and status = 'failed'") == 3);
    for (String id : stuckIds) {
      Job job = worker.getJob(id).orElseThrow();
      assertThat(job.status()).isEqualTo(JobStatus.FAILED);
      assertThat(job.errorMessage()).hasValueSatisfying(m -> assertThat(m).contains("timed out"));
    }
    assertThat(stuckRuns).hasValue(3);
    assertThat(rows.count("status = 'running'")).isZero();
  }
}
