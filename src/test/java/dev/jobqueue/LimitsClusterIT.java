package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.Overlaps;
import dev.jobqueue.testing.WorkerProcess;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster-wide limits, enforced by three worker JVMs claiming from one database at once. Every
 * execution's start and end are recorded by the database clock (the ledger), and the assertions are
 * on that record: the most executions that overlapped, per queue and per key, and the most starts
 * (claims, {@code jobs.started_at}) in any window of a rate.
 *
 * <p>An execution runs from its handler's start to the moment its completion was written (inside
 * the completing transaction, before it commits), so it lies within the time the job held its place
 * under the limits.
 */
class LimitsClusterIT {

  private static final int NODES = 3;
  private static final long JOB_MILLIS = 300;

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void queueKeyAndRateLimitsHoldAcrossThreeNodes() throws Exception {
    cluster = new LedgerCluster("LimitsClusterIT");
    JobQueueManager manager = cluster.enqueuer();
    manager.setQueueLimits("capped", QueueLimits.builder().maxRunning(3).build());
    manager.setQueueLimits("keyed", QueueLimits.builder().maxRunningPerKey(2).build());
    manager.setQueueLimits("rated", QueueLimits.builder().rate(10, Duration.ofSeconds(1)).build());
    manager.setQueueLimits(
        "keyrated", QueueLimits.builder().ratePerKey(3, Duration.ofSeconds(1)).build());

    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      jobs.add(job("capped", null, Task.sleep(i, JOB_MILLIS)));
    }
    // One hot key first in the queue, then other keys and jobs without a key: the hot key's limit
    // must not hold them back.
    for (int i = 0; i < 30; i++) {
      jobs.add(job("keyed", "hot", Task.sleep(100 + i, JOB_MILLIS)));
    }
    for (int k = 0; k < 4; k++) {
      for (int i = 0; i < 6; i++) {
        jobs.add(job("keyed", "key-" + k, Task.sleep(200 + k * 10 + i, JOB_MILLIS)));
      }
    }
    for (int i = 0; i < 12; i++) {
      jobs.add(job("keyed", null, Task.sleep(300 + i, JOB_MILLIS)));
    }
    for (int i = 0; i < 40; i++) {
      jobs.add(job("rated", null, Task.noop(400 + i)));
    }
    for (int i = 0; i < 24; i++) {
      jobs.add(job("keyrated", "k" + (i % 2), Task.noop(500 + i)));
    }
    // All nodes claim from the start: the jobs come once every node is ready.
    cluster.launchAll(
        nodes("limits"),
        Map.of(WorkerProcess.QUEUES_VARIABLE, "default:1,capped:4,keyed:4,rated:2,keyrated:2"));
    List<String> ids = manager.createJobs(jobs);
    awaitAllCompleted(ids.size());

    Overlaps overlaps = new Overlaps(cluster);
    assertThat(overlaps.maxRunning("queue = 'capped'", "queue"))
        .containsExactly(Map.entry("capped", 3L));
    Map<String, Long> perKey =
        overlaps.maxRunning("queue = 'keyed' and concurrency_key is not null", "concurrency_key");
    assertThat(perKey)
        .hasSize(5)
        .allSatisfy((key, max) -> assertThat(max).as(key).isLessThanOrEqualTo(2));
    assertThat(perKey.get("hot")).isEqualTo(2);
    assertThat(
            overlaps
                .maxRunning("queue = 'keyed' and concurrency_key is null", "queue")
                .get("keyed"))
        .as("jobs without a key run side by side")
        .isGreaterThan(2);
    // Blocked jobs do not block those behind them: every other job of the queue started before
    // the hot key got through two thirds of its jobs.
    assertThat(
            cluster
                .db()
                .queryLong(
                    "select count(*) from "
                        + cluster.ledger().q("ledger")
                        + " l join "
                        + cluster.ledger().q("jobs")
                        + " j on j.id = l.job_id where j.queue = 'keyed'"
                        + " and j.concurrency_key is distinct from 'hot' and l.started_at > ("
                        + "select started_at from (select l2.started_at, row_number() over"
                        + " (order by l2.started_at) as n from "
                        + cluster.ledger().q("ledger")
                        + " l2 join "
                        + cluster.ledger().q("jobs")
                        + " j2 on j2.id = l2.job_id where j2.concurrency_key = 'hot') h"
                        + " where n = 20)"))
        .as("jobs of other keys that started after the 20th job of the hot key")
        .isZero();
    assertThat(overlaps.maxStarts("queue = 'rated'", "queue", Duration.ofSeconds(1)))
        .containsExactly(Map.entry("rated", 10L));
    assertThat(overlaps.startSpanMillis("queue = 'rated'"))
        .as("40 starts at 10 per second take at least 3 s")
        .isGreaterThanOrEqualTo(3_000);
    assertThat(overlaps.maxStarts("queue = 'keyrated'", "concurrency_key", Duration.ofSeconds(1)))
        .containsOnlyKeys("k0", "k1")
        .allSatisfy((key, max) -> assertThat(max).as(key).isEqualTo(3));
    assertNothingLostOrDoubled(ids.size());
  }

  @Test
  void aHandlersPerKeyLimitHoldsAcrossThreeNodes() throws Exception {
    cluster = new LedgerCluster("LimitsClusterIT");
    JobQueueManager manager = cluster.enqueuer();
    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < 18; i++) {
      jobs.add(job("default", "tenant-" + (i % 3), Task.sleep(i, 200)));
    }
    for (int i = 0; i < 12; i++) {
      jobs.add(job("default", null, Task.sleep(100 + i, 200)));
    }
    cluster.launchAll(nodes("typed"), Map.of(WorkerProcess.KEY_LIMIT_VARIABLE, "1"));
    List<String> ids = manager.createJobs(jobs);
    awaitAllCompleted(ids.size());

    Overlaps overlaps = new Overlaps(cluster);
    assertThat(overlaps.maxRunning("concurrency_key is not null", "concurrency_key"))
        .containsOnlyKeys("tenant-0", "tenant-1", "tenant-2")
        .allSatisfy((key, max) -> assertThat(max).as(key).isEqualTo(1));
    assertThat(overlaps.maxRunning("concurrency_key is null", "queue").get("default"))
        .as("jobs without a key are not limited")
        .isGreaterThan(1);
    assertNothingLostOrDoubled(ids.size());
  }

  private static CreateJobOptions job(String queue, String key, Task task) {
    CreateJobOptions.Builder options =
        CreateJobOptions.builder(WorkerProcess.LEDGER_TYPE, task).queue(queue).maxRetries(3);
    if (key != null) {
      options.concurrencyKey(key);
    }
    return options.build();
  }

  private static List<Node> nodes(String prefix) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      nodes.add(Node.of(prefix + "-" + i).withWorkers(11, 2));
    }
    return nodes;
  }

  private void awaitAllCompleted(int count) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.jobs("status = 'completed'") == count);
  }

  private void assertNothingLostOrDoubled(int count) {
    assertThat(cluster.jobs("true")).isEqualTo(count);
    assertThat(cluster.ledger().completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(cluster.ledger().duplicateExecutions()).isZero();
  }
}
