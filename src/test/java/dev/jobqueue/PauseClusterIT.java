package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pause and resume of a queue served by three worker JVMs: a pause stops every node within a second
 * (no claim after the pause committed, no start a second after it), a resume wakes them, and the
 * paused state outlives the nodes.
 */
class PauseClusterIT {

  private static final int JOBS = 400;

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aPauseHoldsOnEveryNodeAndAcrossRestartsUntilTheResume() throws Exception {
    cluster = new LedgerCluster("PauseClusterIT");
    JobQueueManager manager = cluster.enqueuer();
    List<Child> nodes = cluster.launchAll(nodes("p"));
    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      jobs.add(CreateJobOptions.of("ledger", Task.sleep(i, 100)));
    }
    manager.createJobs(jobs);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.jobs("status = 'completed'") >= 30);

    manager.pauseQueue(JobQueueConfig.DEFAULT_QUEUE);
    Instant paused = dbNow();
    Thread.sleep(2_500);
    assertThat(claimsAfter(paused)).as("claims after the pause committed").isZero();
    assertThat(startsAfter(paused.plusSeconds(1))).as("starts a second after the pause").isZero();
    assertThat(cluster.jobs("status = 'running'")).as("running two seconds after").isZero();
    long pending = cluster.jobs("status = 'pending'");
    assertThat(pending).as("jobs left to run").isPositive();
    assertThat(manager.getQueues())
        .filteredOn(q -> q.name().equals(JobQueueConfig.DEFAULT_QUEUE))
        .singleElement()
        .satisfies(
            q -> {
              assertThat(q.paused()).isTrue();
              assertThat(q.pausedAt()).isPresent();
              assertThat(q.pending()).isEqualTo(pending);
            });

    // The state is stored: nodes started while the queue is paused claim nothing.
    nodes.forEach(Child::close);
    cluster.launchAll(nodes("q"));
    Thread.sleep(2_000);
    assertThat(claimsAfter(paused)).as("claims by the new nodes while paused").isZero();

    manager.resumeQueue(JobQueueConfig.DEFAULT_QUEUE);
    Instant resumed = dbNow();
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> claimsAfter(resumed) > 0);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> cluster.jobs("status = 'completed'") == JOBS);
    assertThat(cluster.ledger().completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(manager.getQueues())
        .filteredOn(q -> q.name().equals(JobQueueConfig.DEFAULT_QUEUE))
        .singleElement()
        .satisfies(q -> assertThat(q.paused()).isFalse());
  }

  private static List<Node> nodes(String prefix) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(Node.of(prefix + "-" + i).withWorkers(4, 5));
    }
    return nodes;
  }

  private Instant dbNow() {
    return Instant.ofEpochMilli(
        cluster.db().queryLong("select (extract(epoch from clock_timestamp()) * 1000)::bigint"));
  }

  private long claimsAfter(Instant instant) {
    return cluster.jobs("started_at > to_timestamp(" + instant.toEpochMilli() / 1000.0 + ")");
  }

  private long startsAfter(Instant instant) {
    return cluster
        .db()
        .queryLong(
            "select count(*) from "
                + cluster.ledger().q("ledger")
                + " where started_at > to_timestamp("
                + instant.toEpochMilli() / 1000.0
                + ")");
  }
}
