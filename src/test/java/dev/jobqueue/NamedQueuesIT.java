package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.Handlers;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Named queues on one node: which queues it serves, with whose workers, added and removed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamedQueuesIT {

  record Work(int n) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final JobRows rows = jobqueue.rows();

  /** Which worker ran each job. */
  private final Map<String, String> ranBy = new ConcurrentHashMap<>();

  private final JobHandler<Work> work =
      JobHandler.of(
          "work",
          Work.class,
          (payload, ctx) -> {
            ranBy.put(ctx.jobId(), ctx.workerId());
            return null;
          });

  private JobQueueManager node(QueueOptions... queues) {
    return jobqueue.start("node", jobqueue.fastConfig().queues(queues).build(), work);
  }

  @Test
  void aNodeRunsOnlyTheQueuesItServesEachWithItsOwnWorkers() {
    JobQueueManager node =
        node(QueueOptions.of("default"), QueueOptions.builder("emails").maxWorkers(2).build());
    String inDefault = node.createJob(CreateJobOptions.of("work", new Work(1)));
    String inEmails =
        node.createJob(CreateJobOptions.builder("work", new Work(2)).queue("emails").build());
    String inReports =
        node.createJob(CreateJobOptions.builder("work", new Work(3)).queue("reports").build());

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ranBy.containsKey(inDefault) && ranBy.containsKey(inEmails));
    assertThat(ranBy.get(inDefault)).matches(".*/worker-\\d+");
    assertThat(ranBy.get(inEmails)).matches(".*/emails-worker-\\d+");
    assertThat(rows.get(inReports).status()).isEqualTo("pending");
    assertThat(node.workerPool().getQueues()).containsExactly("default", "emails");
    assertThat(node.getJob(inEmails).orElseThrow().status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void queuesAreAddedAndRemovedWhileTheNodeRuns() throws Exception {
    JobQueueManager node = node(QueueOptions.of("default"));
    String reports =
        node.createJob(CreateJobOptions.builder("work", new Work(1)).queue("reports").build());
    Thread.sleep(300);
    assertThat(rows.get(reports).status()).isEqualTo("pending");

    assertThat(node.workerPool().addQueue(QueueOptions.builder("reports").maxWorkers(1).build()))
        .isTrue();
    assertThat(node.workerPool().addQueue(QueueOptions.of("reports"))).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> ranBy.containsKey(reports));
    assertThat(ranBy.get(reports)).matches(".*/reports-worker-\\d+");

    assertThat(node.workerPool().removeQueue("reports")).isTrue();
    assertThat(node.workerPool().removeQueue("reports")).isFalse();
    assertThat(node.workerPool().getQueues()).containsExactly("default");
    String later =
        node.createJob(CreateJobOptions.builder("work", new Work(2)).queue("reports").build());
    Thread.sleep(300);
    assertThat(rows.get(later).status()).isEqualTo("pending");
  }

  @Test
  void removingAQueueGivesItsWaitingJobsBackAndLetsItsRunningOnesFinish() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    JobHandler<Work> slow =
        JobHandler.of(
            "slow",
            Work.class,
            (payload, ctx) -> {
              started.countDown();
              release.await(10, TimeUnit.SECONDS);
              return null;
            });
    JobQueueManager node =
        jobqueue.start(
            "node",
            jobqueue
                .fastConfig()
                .maxJobsPerWorker(5)
                .queues(QueueOptions.of("default"), QueueOptions.builder("q").maxWorkers(1).build())
                .build(),
            slow);
    String running =
        node.createJob(CreateJobOptions.builder("slow", new Work(1)).queue("q").build());
    String waiting =
        node.createJob(CreateJobOptions.builder("slow", new Work(2)).queue("q").build());
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    // The first job may start before the second is claimed (it was claimed on insert): wait until
    // the second waits here, claimed, for the one worker.
    await().atMost(Duration.ofSeconds(5)).until(() -> rows.get(waiting).status().equals("running"));

    Thread remover = new Thread(() -> node.workerPool().removeQueue("q"));
    remover.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> rows.get(waiting).status().equals("pending"));
    assertThat(rows.get(running).status()).isEqualTo("running");
    release.countDown();
    remover.join(10_000);
    assertThat(remover.isAlive()).isFalse();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> rows.get(running).status().equals("completed"));
    assertThat(rows.get(waiting).status()).isEqualTo("pending");
    assertThat(rows.get(waiting).attempt()).as("the given-back job's attempt").isEqualTo(1);
  }

  @Test
  void aHandlersPolicyNamesItsDefaultQueueAndAnOptionOverridesIt() {
    JobHandler<Work> mailer =
        Handlers.withPolicy(
            JobHandler.of(
                "mailer",
                Work.class,
                (payload, context) -> {
                  ranBy.put(context.jobId(), context.workerId());
                  return null;
                }),
            JobPolicy.builder().queue("mail").build());
    JobQueueManager node =
        jobqueue.start(
            "node",
            jobqueue
                .fastConfig()
                .queues(QueueOptions.of("default"), QueueOptions.of("mail"))
                .build(),
            mailer);
    String byPolicy = node.createJob(CreateJobOptions.of("mailer", new Work(1)));
    String byOption =
        node.createJob(CreateJobOptions.builder("mailer", new Work(2)).queue("default").build());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ranBy.containsKey(byPolicy) && ranBy.containsKey(byOption));
    assertThat(node.getJob(byPolicy).orElseThrow().queue()).isEqualTo("mail");
    assertThat(ranBy.get(byPolicy)).matches(".*/mail-worker-\\d+");
    assertThat(ranBy.get(byOption)).matches(".*/worker-\\d+");
  }

  @Test
  void badQueueNamesAndKeysAreRefusedByNameAndNothingIsStored() {
    JobQueueManager node = node(QueueOptions.of("default"));
    long before = rows.count();
    for (String bad : new String[] {"", "Upper", "9lives", "has space", "x".repeat(64), "a;drop"}) {
      assertThatThrownBy(
              () ->
                  node.createJob(CreateJobOptions.builder("work", new Work(1)).queue(bad).build()))
          .isInstanceOf(JobValidationException.class)
          .hasMessageContaining("queue: must match")
          .hasMessageContaining("(was " + bad + ")");
      assertThatThrownBy(() -> node.pauseQueue(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
      assertThatThrownBy(() -> QueueOptions.of(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
    for (String bad : new String[] {"", "k".repeat(256), "tab\there"}) {
      assertThatThrownBy(
              () ->
                  node.createJob(
                      CreateJobOptions.builder("work", new Work(1)).concurrencyKey(bad).build()))
          .isInstanceOf(JobValidationException.class)
          .hasMessageContaining("concurrencyKey");
    }
    assertThatThrownBy(() -> QueueLimits.builder().maxRunning(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRunning")
        .hasMessageContaining("(was 0)");
    assertThatThrownBy(() -> QueueLimits.builder().rate(5, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rateWindow")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> QueueLimits.builder().maxRunningPerKey(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(was -2)");
    assertThatThrownBy(
            () -> JobQueueConfig.builder().queues(QueueOptions.of("a"), QueueOptions.of("a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' twice");
    assertThatThrownBy(() -> JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_QUEUES", "ok,Bad:3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JOB_QUEUE_QUEUES")
        .hasMessageContaining("Bad");
    assertThat(rows.count()).isEqualTo(before);
  }

  @Test
  void theEnvironmentNamesQueuesWithTheirWorkers() {
    JobQueueConfig config =
        JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_QUEUES", "default, emails:4 ,reports"));
    assertThat(config.queues())
        .containsExactly(
            QueueOptions.of("default"),
            QueueOptions.builder("emails").maxWorkers(4).build(),
            QueueOptions.of("reports"));
    assertThat(config.toString()).contains("queues=default,emails:4,reports");
  }
}
