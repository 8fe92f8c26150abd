package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.JobQueueExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Limits changed while a node runs: a queue that becomes limited is claimed under its limits from
 * then on, and one whose limits are removed goes back to the one-statement claim. Limits declared
 * by a node's configuration are stored when it starts serving the queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueLimitsIT {

  record Work(int n) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach("queues");

  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger most = new AtomicInteger();
  private final AtomicInteger done = new AtomicInteger();

  private final JobHandler<Work> work =
      JobHandler.of(
          "work",
          Work.class,
          (payload, ctx) -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
              Thread.sleep(100);
            } finally {
              running.decrementAndGet();
              done.incrementAndGet();
            }
            return null;
          });

  private List<CreateJobOptions> jobs(int n) {
    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      jobs.add(CreateJobOptions.of("work", new Work(i)));
    }
    return jobs;
  }

  @Test
  void limitsSetAndRemovedWhileTheNodeRunsApplyFromTheNextClaim() {
    JobQueueManager node =
        jobqueue.start("node", jobqueue.fastConfig().maxWorkers(4).minWorkers(4).build(), work);
    node.createJobs(jobs(12));
    await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 12);
    assertThat(most.get()).as("unlimited: side by side").isGreaterThan(1);

    node.setQueueLimits("default", QueueLimits.builder().maxRunning(1).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> running.get() == 0);
    most.set(0);
    node.createJobs(jobs(8));
    await().atMost(Duration.ofSeconds(20)).until(() -> done.get() == 20);
    assertThat(most.get()).as("limited to 1").isEqualTo(1);
    assertThat(node.getQueues())
        .filteredOn(q -> q.name().equals("default"))
        .singleElement()
        .satisfies(q -> assertThat(q.limits().maxRunning()).hasValue(1));

    node.setQueueLimits("default", QueueLimits.none());
    most.set(0);
    node.createJobs(jobs(12));
    await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 32);
    assertThat(most.get()).as("limits removed").isGreaterThan(1);
  }

  @Test
  void aNodeWritesTheLimitsItsConfigurationDeclares() {
    JobQueueManager node =
        jobqueue.start(
            "node",
            jobqueue
                .fastConfig()
                .queues(
                    QueueOptions.builder("default")
                        .limits(QueueLimits.builder().rate(50, Duration.ofSeconds(2)).build())
                        .build(),
                    QueueOptions.of("plain"))
                .build(),
            work);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> node.getQueues().stream().anyMatch(q -> q.name().equals("plain")));
    assertThat(node.getQueues())
        .filteredOn(q -> q.name().equals("default"))
        .singleElement()
        .satisfies(
            q -> {
              assertThat(q.limits().rate()).hasValue(50);
              assertThat(q.limits().rateWindow()).hasValue(Duration.ofSeconds(2));
            });
    assertThat(node.getQueues())
        .filteredOn(q -> q.name().equals("plain"))
        .singleElement()
        .satisfies(q -> assertThat(q.limits().isLimited()).isFalse());
  }
}
