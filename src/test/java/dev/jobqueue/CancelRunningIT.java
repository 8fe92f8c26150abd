package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** cancelJob on a job that a node runs, or has claimed and not started yet. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CancelRunningIT {

  record Task(String name) {}

  /**
   * A handler that blocks (interruptibly) until interrupted; once interrupted it swallows the
   * interruption and returns a result, as a careless handler would, so the test can check that the
   * result is not written over the cancellation.
   */
  static final class Blocker implements JobHandler<Task> {
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch interrupted = new CountDownLatch(1);
    final CountDownLatch returned = new CountDownLatch(1);
    final AtomicBoolean cancellationSeen = new AtomicBoolean();
    final AtomicLong interruptedAtNanos = new AtomicLong();

    @Override
    public String type() {
      return "block";
    }

    @Override
    public Class<Task> payloadType() {
      return Task.class;
    }

    @Override
    public Object execute(Task payload, JobContext ctx) {
      started.countDown();
      try {
        Thread.sleep(30_000);
        return Map.of("finished", "normally");
      } catch (InterruptedException e) {
        interruptedAtNanos.set(System.nanoTime());
        cancellationSeen.set(ctx.isCancellationRequested());
        interrupted.countDown();
        return Map.of("finished", "after interruption");
      } finally {
        returned.countDown();
      }
    }
  }

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final List<String> quickRuns = Collections.synchronizedList(new ArrayList<>());

  private JobHandler<Task> quick() {
    return JobHandler.of(
        "quick",
        Task.class,
        (payload, ctx) -> {
          quickRuns.add(payload.name());
          return null;
        });
  }

  /** One worker, so that "the worker is free again" means the next job runs at all. */
  private JobQueueManager singleWorker(JobHandler<?>... handlers) {
    return jobqueue.start(
        "worker",
        EngineTestSupport.fastConfig(schema).maxWorkers(1).minWorkers(1).build(),
        handlers);
  }

  private JobQueueManager admin(JobHandler<?>... handlers) {
    return jobqueue.start(
        "admin", EngineTestSupport.fastConfig(schema).runWorkers(false).build(), handlers);
  }

  @BeforeEach
  void clear() {
    quickRuns.clear();
  }

  @Test
  void cancelFromAnotherManagerInterruptsTheRunningJobAndFreesTheWorker() throws Exception {
    Blocker blocker = new Blocker();
    JobQueueManager worker = singleWorker(blocker, quick());
    JobQueueManager admin = admin(new Blocker(), quick());
    await().atMost(Duration.ofSeconds(5)).until(() -> worker.workerPool().isListening());
    String id = admin.createJob(CreateJobOptions.of("block", new Task("long")));
    assertThat(blocker.started.await(5, TimeUnit.SECONDS)).as("blocking job started").isTrue();
    assertThat(admin.getJob(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

    long cancelled = System.nanoTime();
    assertThat(admin.cancelJob(id)).isTrue();

    Job afterCancel = admin.getJob(id).orElseThrow();
    assertThat(afterCancel.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(blocker.interrupted.await(5, TimeUnit.SECONDS)).as("handler interrupted").isTrue();
    System.out.printf(
        "Cancelled from another manager: handler interrupted after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(blocker.interruptedAtNanos.get() - cancelled));
    assertThat(blocker.cancellationSeen).as("ctx.isCancellationRequested()").isTrue();
    assertThat(blocker.returned.await(5, TimeUnit.SECONDS)).isTrue();
    assertWorkerFreeAndRowStillCancelled(admin, id, afterCancel.completedAt().orElseThrow());
  }

  @Test
  void cancelFromTheManagerRunningTheJobInterruptsIt() throws Exception {
    Blocker blocker = new Blocker();
    JobQueueManager worker = singleWorker(blocker, quick());
    String id = worker.createJob(CreateJobOptions.of("block", new Task("long")));
    assertThat(blocker.started.await(5, TimeUnit.SECONDS)).as("blocking job started").isTrue();

    assertThat(worker.cancelJob(id)).isTrue();

    Job afterCancel = worker.getJob(id).orElseThrow();
    assertThat(afterCancel.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(blocker.interrupted.await(5, TimeUnit.SECONDS)).as("handler interrupted").isTrue();
    assertThat(blocker.cancellationSeen).as("ctx.isCancellationRequested()").isTrue();
    assertThat(blocker.returned.await(5, TimeUnit.SECONDS)).isTrue();
    assertWorkerFreeAndRowStillCancelled(worker, id, afterCancel.completedAt().orElseThrow());
  }

  @Test
  void cancelReachesANodeThatIsNotListeningThroughItsLeaseRenewal() throws Exception {
    // LISTEN fails on the worker's connections, so the "cancel:<id>" notification never reaches
    // it; its next lease renewal (every leaseDuration / 3) finds the job no longer held.
    Blocker blocker = new Blocker();
    JobQueueManager worker =
        jobqueue.start(
            EngineTestSupport.fastConfig(schema).maxWorkers(1).minWorkers(1).build(),
            EngineTestSupport.refusingListen(jobqueue.newPool("no-listen", 10)),
            blocker,
            quick());
    JobQueueManager admin = admin(new Blocker(), quick());
    String id = admin.createJob(CreateJobOptions.of("block", new Task("long")));
    assertThat(blocker.started.await(5, TimeUnit.SECONDS)).as("blocking job started").isTrue();
    assertThat(worker.workerPool().isListening()).isFalse();

    long cancelled = System.nanoTime();
    assertThat(admin.cancelJob(id)).isTrue();

    Job afterCancel = admin.getJob(id).orElseThrow();
    assertThat(blocker.interrupted.await(5, TimeUnit.SECONDS)).as("handler interrupted").isTrue();
    System.out.printf(
        "Cancelled on a node that does not listen: handler interrupted after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(blocker.interruptedAtNanos.get() - cancelled));
    assertThat(blocker.cancellationSeen).isTrue();
    assertThat(blocker.returned.await(5, TimeUnit.SECONDS)).isTrue();
    assertWorkerFreeAndRowStillCancelled(admin, id, afterCancel.completedAt().orElseThrow());
  }

  private void assertWorkerFreeAndRowStillCancelled(
      JobQueueManager manager, String id, Instant cancelledAt) {
    // The only worker runs the next job. Outcomes are written in order, so once this one is
    // completed any write the cancelled attempt might have queued has happened too.
    String next = manager.createJob(CreateJobOptions.of("quick", new Task("next")));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> manager.getJob(next).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(quickRuns).containsExactly("next");

    Job job = manager.getJob(id).orElseThrow();
    assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(job.resultJson()).isEmpty();
    assertThat(job.errors()).isEmpty();
    assertThat(job.retryCount()).isZero();
    assertThat(job.completedAt()).hasValue(cancelledAt);
    assertThat(rows.holds(id, "locked_by is null and lease_expires_at is null")).isTrue();
    assertThat(manager.cancelJob(id)).as("second cancel").isFalse();
  }

  @Test
  void cancelledJobThatWasClaimedButNotStartedNeverRuns() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    JobHandler<Task> gated =
        JobHandler.of(
            "block",
            Task.class,
            (payload, ctx) -> {
              started.countDown();
              gate.await();
              return null;
            });
    JobQueueManager worker =
        jobqueue.start(
            "worker",
            EngineTestSupport.fastConfig(schema)
                .maxWorkers(1)
                .minWorkers(1)
                .maxJobsPerWorker(5)
                .build(),
            gated,
            quick());
    String blocking =
        worker.createJob(
            CreateJobOptions.builder("block", new Task("b")).priority(JobPriority.HIGH).build());
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    List<String> queued =
        worker.createJobs(
            List.of(
                CreateJobOptions.of("quick", new Task("q0")),
                CreateJobOptions.of("quick", new Task("q1")),
                CreateJobOptions.of("quick", new Task("q2")),
                CreateJobOptions.of("quick", new Task("q3"))));
    // With one busy worker and room for 5 jobs per worker, the node claims all four into its
    // local queue: running in the database, not started by any handler.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> rows.count("type = 'quick' and status = 'running'") == 4);
    assertThat(quickRuns).isEmpty();

    assertThat(worker.cancelJob(queued.get(1))).isTrue();
    gate.countDown();

    for (String id : List.of(blocking, queued.get(0), queued.get(2), queued.get(3))) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    }
    // The local queue runs in claim order, so q1 would have run before q2.
    assertThat(quickRuns).containsExactly("q0", "q2", "q3");
    Job cancelled = worker.getJob(queued.get(1)).orElseThrow();
    assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(cancelled.resultJson()).isEmpty();
  }
}
