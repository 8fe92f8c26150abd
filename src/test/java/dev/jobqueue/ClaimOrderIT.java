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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Which jobs a node claims, and in what order: priority, then scheduled time, then creation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClaimOrderIT {

  record Label(String name) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void clear() {
    ran.clear();
  }

  private JobHandler<Label> recording(String type) {
    return JobHandler.of(
        type,
        Label.class,
        (payload, ctx) -> {
          ran.add(payload.name());
          return null;
        });
  }

  private JobQueueManager enqueuer(JobHandler<?>... handlers) {
    return jobqueue.start(
        "enqueuer", EngineTestSupport.fastConfig(schema).runWorkers(false).build(), handlers);
  }

  private JobQueueManager singleSlotWorker(JobHandler<?>... handlers) {
    return jobqueue.start(
        "worker",
        EngineTestSupport.fastConfig(schema)
            .maxWorkers(1)
            .minWorkers(1)
            .maxJobsPerWorker(1)
            .pollInterval(Duration.ofMillis(50))
            .build(),
        handlers);
  }

  @Test
  void runsHighBeforeNormalBeforeLowThenByScheduledTimeThenByCreation() {
    JobQueueManager enqueuer = enqueuer(recording("order"));
    // One statement, interleaved: every job gets the same scheduled time (the statement's now()),
    // so within a priority only creation order (the id) separates them.
    List<CreateJobOptions> interleaved = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      interleaved.add(job("low-" + i, JobPriority.LOW, null));
      interleaved.add(job("normal-" + i, JobPriority.NORMAL, null));
      interleaved.add(job("high-" + i, JobPriority.HIGH, null));
    }
    enqueuer.createJobs(interleaved);
    // Created last but scheduled earlier, each one earlier than the one created before it: they
    // must run before the other NORMAL jobs, in scheduled order, that is newest-created first.
    Instant hourAgo = rows.dbNow().minus(Duration.ofHours(1));
    for (int i = 0; i < 5; i++) {
      enqueuer.createJob(job("early-" + i, JobPriority.NORMAL, hourAgo.minusSeconds(i)));
    }
    // And a LOW job scheduled earlier than everything still runs after every NORMAL job.
    enqueuer.createJob(job("low-early", JobPriority.LOW, hourAgo.minus(Duration.ofDays(1))));

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      expected.add("high-" + i);
    }
    for (int i = 4; i >= 0; i--) {
      expected.add("early-" + i);
    }
    for (int i = 0; i < 30; i++) {
      expected.add("normal-" + i);
    }
    expected.add("low-early");
    for (int i = 0; i < 30; i++) {
      expected.add("low-" + i);
    }

    singleSlotWorker(recording("order"));

    await().atMost(Duration.ofSeconds(20)).until(() -> ran.size() >= expected.size());
    assertThat(ran).containsExactlyElementsOf(expected);
    assertThat(rows.count("status = 'completed'")).isEqualTo(expected.size());
  }

  @Test
  void claimsOnlyTypesItHasHandlersFor() {
    JobQueueManager enqueuer = enqueuer(recording("mine"), recording("theirs"));
    // "theirs" is HIGH and older: a node that claimed any type would take it first.
    String theirs = enqueuer.createJob(job("theirs", JobPriority.HIGH, null, "theirs"));
    String mine = enqueuer.createJob(job("mine", JobPriority.LOW, null, "mine"));

    JobQueueManager worker = singleSlotWorker(recording("mine"));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> worker.getJob(mine).orElseThrow().status() == JobStatus.COMPLETED);
    Job untouched = worker.getJob(theirs).orElseThrow();
    assertThat(untouched.status()).isEqualTo(JobStatus.PENDING);
    assertThat(untouched.attempt()).isZero();
    assertThat(untouched.startedAt()).isEmpty();
    assertThat(rows.holds(theirs, "locked_by is null and lease_expires_at is null")).isTrue();
    assertThat(ran).containsExactly("mine");
  }

  @Test
  void futureJobDoesNotStartBeforeItsScheduledTimeByTheDatabaseClock() {
    JobQueueManager worker = singleSlotWorker(recording("order"));
    Instant dueAt = rows.dbNow().plusSeconds(3);

    String id = worker.createJob(job("future", JobPriority.HIGH, dueAt));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    Job job = worker.getJob(id).orElseThrow();
    assertThat(job.scheduledAt()).isEqualTo(dueAt);
    // Both sides are database timestamps: the claim's now() against the stored schedule.
    assertThat(rows.holds(id, "started_at >= scheduled_at")).isTrue();
    assertThat(job.attempt()).isEqualTo(1);
    // It ran once due, promptly: the worker polls every 50 ms.
    assertThat(rows.millisBetween(id, "scheduled_at", "started_at")).isLessThan(2_000);
    assertThat(ran).containsExactly("future");
  }

  @Test
  void jobScheduledInThePastRunsAtOnce() {
    JobQueueManager worker = singleSlotWorker(recording("order"));
    Instant longAgo = rows.dbNow().minus(Duration.ofHours(2));

    String id = worker.createJob(job("past", JobPriority.NORMAL, longAgo));

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    assertThat(worker.getJob(id).orElseThrow().scheduledAt()).isEqualTo(longAgo);
    assertThat(rows.millisBetween(id, "created_at", "started_at")).isLessThan(2_000);
  }

  private static CreateJobOptions job(String name, JobPriority priority, Instant scheduledAt) {
    return job(name, priority, scheduledAt, "order");
  }

  private static CreateJobOptions job(
      String name, JobPriority priority, Instant scheduledAt, String type) {
    CreateJobOptions.Builder builder =
        CreateJobOptions.builder(type, new Label(name)).priority(priority);
    if (scheduledAt != null) {
      builder.scheduledAt(scheduledAt);
    }
    return builder.build();
  }
}
