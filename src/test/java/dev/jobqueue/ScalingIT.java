package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

/** The pool's size, the handler's context, and the ways to write and run handlers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScalingIT {

  record Work(int n) {}

  record Text(String value) {}

  /** What a handler saw while it ran. */
  record Seen(
      String mdcJobId,
      String mdcJobType,
      String mdcWorkerId,
      String jobId,
      String jobType,
      String workerId,
      int attempt,
      int maxRetries,
      Instant scheduledAt,
      String threadName) {}

  /** A handler written as a class. */
  static final class UpperCaseHandler implements JobHandler<Text> {
    @Override
    public String type() {
      return "upper";
    }

    @Override
    public Class<Text> payloadType() {
      return Text.class;
    }

    @Override
    public Object execute(Text payload, JobContext context) {
      return new Text(payload.value().toUpperCase(Locale.ROOT));
    }
  }

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  private static JobHandler<Work> sleeping(String type, long millis, AtomicInteger done) {
    return JobHandler.of(
        type,
        Work.class,
        (payload, ctx) -> {
          Thread.sleep(millis);
          done.incrementAndGet();
          return null;
        });
  }

  /**
   * One snapshot of the pool's workers. Idle plus active would read the workers twice, and a worker
   * that takes a job between the two reads would be counted in both.
   */
  private static int liveWorkers(WorkerPool pool) {
    return pool.getWorkers().size();
  }

  @Test
  void growsToMaxWorkersUnderBacklogAndShrinksToMinWorkersWhenIdle() {
    AtomicInteger done = new AtomicInteger();
    JobQueueManager manager =
        jobqueue.start(
            "scaling",
            EngineTestSupport.fastConfig(schema)
                .minWorkers(1)
                .maxWorkers(6)
                .maxJobsPerWorker(2)
                .workerIdleTimeout(Duration.ofMillis(300))
                .build(),
            sleeping("work", 100, done));
    WorkerPool pool = manager.workerPool();
    assertThat(liveWorkers(pool)).isEqualTo(1);
    assertThat(pool.getActiveWorkerCount()).isZero();

    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      jobs.add(CreateJobOptions.of("work", new Work(i)));
    }
    manager.createJobs(jobs);

    AtomicInteger mostWorkers = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              mostWorkers.accumulateAndGet(liveWorkers(pool), Math::max);
              return pool.getActiveWorkerCount() == 6;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              mostWorkers.accumulateAndGet(liveWorkers(pool), Math::max);
              return rows.count("status = 'completed'") == 60;
            });
    assertThat(done).hasValue(60);
    assertThat(mostWorkers.get()).isEqualTo(6);

    await().atMost(Duration.ofSeconds(5)).until(() -> liveWorkers(pool) == 1);
    assertThat(pool.getActiveWorkerCount()).isZero();
    assertThat(pool.getWorkers()).hasSize(1);
  }

  @Test
  void growsBeyondOneWorkerWhenEachWorkerHoldsOneJob() {
    // maxJobsPerWorker 1: "claim only what idle workers can start". The pool must still grow
    // toward maxWorkers while the backlog exceeds what it runs.
    AtomicInteger done = new AtomicInteger();
    JobQueueManager manager =
        jobqueue.start(
            "one-per-worker",
            EngineTestSupport.fastConfig(schema)
                .minWorkers(1)
                .maxWorkers(4)
                .maxJobsPerWorker(1)
                .build(),
            sleeping("work", 100, done));
    WorkerPool pool = manager.workerPool();
    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      jobs.add(CreateJobOptions.of("work", new Work(i)));
    }
    manager.createJobs(jobs);

    AtomicInteger mostActive = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              mostActive.accumulateAndGet(pool.getActiveWorkerCount(), Math::max);
              return done.get() == 20;
            });
    assertThat(mostActive.get()).as("most workers busy at once").isEqualTo(4);
  }

  @Test
  void handlerSeesItsJobInTheContextAndInTheMdc() {
    AtomicReference<Seen> seen = new AtomicReference<>();
    JobQueueManager manager =
        jobqueue.start(
            "context",
            EngineTestSupport.fastConfig(schema).build(),
            JobHandler.of(
                "observed",
                Work.class,
                (payload, ctx) -> {
                  seen.set(
                      new Seen(
                          MDC.get("jobId"),
                          MDC.get("jobType"),
                          MDC.get("workerId"),
                          ctx.jobId(),
                          ctx.jobType(),
                          ctx.workerId(),
                          ctx.attempt(),
                          ctx.maxRetries(),
                          ctx.scheduledAt(),
                          Thread.currentThread().getName()));
                  return null;
                }));
    Instant scheduled = rows.dbNow().minusSeconds(30);

    String id =
        manager.createJob(
            CreateJobOptions.builder("observed", new Work(1))
                .maxRetries(7)
                .scheduledAt(scheduled)
                .build());

    await().atMost(Duration.ofSeconds(5)).until(() -> seen.get() != null);
    Seen s = seen.get();
    assertThat(s.jobId()).isEqualTo(id);
    assertThat(s.mdcJobId()).isEqualTo(id);
    assertThat(s.jobType()).isEqualTo("observed");
    assertThat(s.mdcJobType()).isEqualTo("observed");
    assertThat(s.mdcWorkerId()).isEqualTo(s.workerId());
    assertThat(s.workerId()).startsWith(manager.workerPool().getNodeId() + "/worker-");
    assertThat(s.attempt()).isEqualTo(1);
    assertThat(s.maxRetries()).isEqualTo(7);
    assertThat(s.scheduledAt()).isEqualTo(scheduled);
    assertThat(s.threadName()).startsWith("jobqueue-worker-");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> manager.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(manager.getJob(id).orElseThrow().scheduledAt()).isEqualTo(s.scheduledAt());
  }

  @Test
  void handlersWrittenAsLambdasAndAsClassesBothRun() {
    JobQueueManager manager =
        jobqueue.start(
            "styles",
            EngineTestSupport.fastConfig(schema).build(),
            new UpperCaseHandler(),
            JobHandler.of("length", Text.class, (payload, ctx) -> Map.of("length", 5)));

    String upper = manager.createJob(CreateJobOptions.of("upper", new Text("hello")));
    String length = manager.createJob(CreateJobOptions.of("length", new Text("hello")));

    for (String id : List.of(upper, length)) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> manager.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    }
    assertThat(manager.getJob(upper).orElseThrow().resultAs(Text.class))
        .hasValue(new Text("HELLO"));
    assertThat(manager.getJob(length).orElseThrow().resultAs(Map.class))
        .hasValue(Map.of("length", 5));
  }

  @Test
  void virtualThreadsRunJobsOnJava21OrRefuseClearlyBefore() throws Exception {
    Set<Boolean> virtual = ConcurrentHashMap.newKeySet();
    AtomicInteger runs = new AtomicInteger();
    JobHandler<Work> probe =
        JobHandler.of(
            "probe",
            Work.class,
            (payload, ctx) -> {
              Method isVirtual = Thread.class.getMethod("isVirtual");
              virtual.add((Boolean) isVirtual.invoke(Thread.currentThread()));
              runs.incrementAndGet();
              return null;
            });
    JobQueueConfig config = EngineTestSupport.fastConfig(schema).useVirtualThreads(true).build();

    if (Runtime.version().feature() >= 21) {
      JobQueueManager manager = jobqueue.start("virtual", config, probe);
      List<String> ids =
          manager.createJobs(
              List.of(
                  CreateJobOptions.of("probe", new Work(1)),
                  CreateJobOptions.of("probe", new Work(2)),
                  CreateJobOptions.of("probe", new Work(3))));
      await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 3);
      assertThat(virtual).containsExactly(true);
      for (String id : ids) {
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> manager.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
      }
    } else {
      Set<Thread> before = jobqueueThreads();
      JobQueueManager manager = jobqueue.build(config, jobqueue.newPool("virtual", 4), probe);

      assertThatThrownBy(manager::initialize)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Java 21");

      Set<Thread> started = jobqueueThreads();
      started.removeAll(before);
      assertThat(started).as("threads left running by the failed initialize()").isEmpty();
      assertThatThrownBy(() -> manager.createJob(CreateJobOptions.of("probe", new Work(1))))
          .isInstanceOf(IllegalStateException.class);
      assertThat(runs).hasValue(0);
    }
  }

  private static Set<Thread> jobqueueThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("jobqueue-"))
        .collect(Collectors.toSet());
  }
}
