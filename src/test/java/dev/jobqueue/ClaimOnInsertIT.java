package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job created on a node with an idle worker for it is claimed by that node in the statement that
 * inserts it, and runs without a claim of its own. The rest keep to the claim: jobs created while
 * every worker is busy, jobs with a unique or a concurrency key, scheduled jobs, batches, and jobs
 * created inside the caller's transaction. Every job here polls once a minute, so a job that ran
 * within seconds was claimed on insert or woken.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClaimOnInsertIT {

  record Work(int n) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  private final CountDownLatch release = new CountDownLatch(1);

  private final JobHandler<Work> work =
      JobHandler.of(
          "work",
          Work.class,
          (payload, ctx) -> {
            if (payload.n() < 0) {
              release.await(30, TimeUnit.SECONDS);
            }
            return null;
          });

  private JobQueueManager node(int workers) {
    return jobqueue.start(
        "node",
        EngineTestSupport.fastConfig(schema)
            .pollInterval(Duration.ofSeconds(60))
            .minWorkers(workers)
            .maxWorkers(workers)
            .build(),
        work);
  }

  /** Claimed on insert: created, started and leased by the same statement, at one instant. */
  private boolean claimedOnInsert(String id) {
    return rows.holds(id, "started_at = created_at");
  }

  private void awaitCompleted(String id) {
    await().atMost(Duration.ofSeconds(10)).until(() -> rows.get(id).status().equals("completed"));
  }

  @Test
  void aJobCreatedWithAnIdleWorkerIsClaimedOnInsertAndRuns() {
    JobQueueManager node = node(2);

    String id = node.createJob(CreateJobOptions.of("work", new Work(1)));

    awaitCompleted(id);
    assertThat(claimedOnInsert(id)).isTrue();
    assertThat(rows.get(id).attempt()).isEqualTo(1);
  }

  @Test
  void withEveryWorkerBusyAJobIsLeftPendingAndClaimedWhenOneFrees() {
    JobQueueManager node = node(1);
    String busy = node.createJob(CreateJobOptions.of("work", new Work(-1)));
    await().atMost(Duration.ofSeconds(10)).until(() -> rows.get(busy).status().equals("running"));

    String waiting = node.createJob(CreateJobOptions.of("work", new Work(2)));

    release.countDown();
    awaitCompleted(waiting);
    assertThat(claimedOnInsert(waiting)).isFalse();
  }

  @Test
  void jobsThatNeedTheClaimKeepToIt() throws Exception {
    JobQueueManager node = node(4);
    List<String> ids = new ArrayList<>();
    ids.add(
        node.createJob(CreateJobOptions.builder("work", new Work(3)).concurrencyKey("k").build()));
    ids.add(
        node.enqueue(
                CreateJobOptions.builder("work", new Work(4))
                    .unique(UniqueOptions.byKey("only-one"))
                    .build())
            .id());
    ids.add(
        node.createJob(
            CreateJobOptions.builder("work", new Work(5))
                .scheduledAt(Instant.now().minusSeconds(1))
                .build()));
    ids.addAll(
        node.createJobs(
            List.of(
                CreateJobOptions.of("work", new Work(6)),
                CreateJobOptions.of("work", new Work(7)))));
    try (Connection tx = jobqueue.db().dataSource().getConnection()) {
      tx.setAutoCommit(false);
      ids.add(node.createJob(tx, CreateJobOptions.of("work", new Work(8))));
      tx.commit();
    }

    for (String id : ids) {
      awaitCompleted(id);
      assertThat(claimedOnInsert(id)).as("job %s", id).isFalse();
    }
  }
}
