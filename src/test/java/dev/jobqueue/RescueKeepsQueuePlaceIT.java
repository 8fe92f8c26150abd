package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression test for a defect the kill -9 scenario of the reliability suite found: a rescued job
 * was given {@code run_at = now()}, which sent it to the back of the queue, behind every job that
 * was due meanwhile. Under a backlog an orphaned job then ran again long after lease + rescue
 * interval. A rescued job keeps its place: it was due when it was first claimed, and it runs again
 * before the jobs enqueued after it.
 */
class RescueKeepsQueuePlaceIT {

  record Step(int n) {}

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final JobRows rows = jobqueue.rows();

  @Test
  void anOrphanedJobRunsAgainBeforeTheBacklogQueuedAfterIt() {
    String schema = jobqueue.schema();
    JobQueueManager enqueuer =
        db.managerBuilder(schema)
            .handler(JobHandler.of("step", Step.class, (p, c) -> null))
            .build();
    enqueuer.initialize();
    try {
      String orphan = enqueuer.createJob(CreateJobOptions.of("step", new Step(-1)));
      // A node claimed it and died: its lease ran out a second ago.
      db.execute(
          "update "
              + rows.table()
              + " set status = 'running', attempt = attempt + 1, locked_by = 'dead-node',"
              + " started_at = now(), lease_expires_at = now() - interval '1 second'"
              + " where id = "
              + orphan);
      List<CreateJobOptions> backlog = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        backlog.add(CreateJobOptions.of("step", new Step(i)));
      }
      enqueuer.createJobs(backlog);
    } finally {
      enqueuer.shutdown();
    }

    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    jobqueue.start(
        "rescuer",
        EngineTestSupport.fastConfig(schema)
            .minWorkers(1)
            .maxWorkers(1)
            .maxJobsPerWorker(1)
            .rescueInterval(Duration.ofMillis(100))
            .build(),
        JobHandler.of(
            "step",
            Step.class,
            (step, ctx) -> {
              order.add(step.n());
              Thread.sleep(10);
              return null;
            }));
    await().atMost(Duration.ofSeconds(60)).until(() -> rows.count("status = 'completed'") == 201);

    int position = order.indexOf(-1);
    System.out.printf(
        "RescueKeepsQueuePlaceIT: the orphaned job ran as execution %d of %d%n",
        position + 1, order.size());
    assertThat(order).hasSize(201);
    // The first rescue pass comes within 100 ms; a few backlog jobs may run before it.
    assertThat(position).isLessThan(50);
  }
}
