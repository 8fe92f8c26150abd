package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.QueueLimits;
import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.LedgerCluster;
import dev.jobqueue.testing.Overlaps;
import dev.jobqueue.testing.WorkerProcess;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Limits under kill -9: three worker JVMs drain a queue limited to 6 running jobs and a queue of 10
 * concurrency keys limited to 2 running each, while the test SIGKILLs a random JVM about every 5 s
 * (while its jobs hold limited places) and starts a replacement. The record (executions by the
 * database clock; a killed attempt ends at its kill) never shows more running than a limit allows,
 * the limits are reached, no job is lost, and every job has exactly one side effect.
 */
class LimitsKillNineIT {

  private static final int CAPPED = 6;
  private static final int PER_KEY = 2;
  private static final int KEYS = 10;
  private static final int CAPPED_JOBS = 3_000;
  private static final int KEYED_JOBS = 6_000;

  private LedgerCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Tag("reliability")
  void limitsHoldWhileNodesAreKilled() throws Exception {
    cluster = new LedgerCluster(getClass().getSimpleName());
    Ledger ledger = cluster.ledger();
    JobQueueManager manager = cluster.enqueuer();
    manager.setQueueLimits("capped", QueueLimits.builder().maxRunning(CAPPED).build());
    manager.setQueueLimits("keyed", QueueLimits.builder().maxRunningPerKey(PER_KEY).build());
    Map<String, String> queues = Map.of(WorkerProcess.QUEUES_VARIABLE, "capped:4,keyed:8");
    Node base =
        Node.of("lk").withWorkers(12, 2).withLease(Duration.ofSeconds(2), Duration.ofMillis(500));
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(base.withNodeId("lk-" + i + "-r0"));
    }
    List<Child> slots = new ArrayList<>(cluster.launchAll(nodes, queues));
    List<CreateJobOptions> jobs = new ArrayList<>();
    for (int i = 0; i < CAPPED_JOBS; i++) {
      jobs.add(job("capped", null, Task.sleep(i, 50)));
    }
    for (int i = 0; i < KEYED_JOBS; i++) {
      jobs.add(job("keyed", "tenant-" + i % KEYS, Task.sleep(CAPPED_JOBS + i, 50)));
    }
    for (int from = 0; from < jobs.size(); from += 1_000) {
      manager.createJobs(jobs.subList(from, Math.min(jobs.size(), from + 1_000)));
    }

    Random random = new Random();
    List<Integer> exitCodes = new ArrayList<>();
    int[] restarts = new int[3];
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.MINUTES.toNanos(6);
    long nextKill = t0 + TimeUnit.SECONDS.toNanos(3);
    while (cluster.jobs("status in ('pending', 'running')") > 0) {
      assertThat(System.nanoTime()).as("drained within 6 minutes").isLessThan(deadline);
      boolean allUp = slots.stream().allMatch(Child::isReady);
      long running = cluster.jobs("status = 'running'");
      if (System.nanoTime() >= nextKill && allUp && running > 0) {
        int slot = random.nextInt(slots.size());
        Child victim = slots.get(slot);
        Instant killedAt = ledger.dbNow();
        exitCodes.add(victim.kill9());
        ledger.nodeDied(victim.nodeId(), "SIGKILL", killedAt);
        restarts[slot]++;
        slots.set(
            slot, cluster.launch(base.withNodeId("lk-" + slot + "-r" + restarts[slot]), queues));
        nextKill = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4_000 + random.nextInt(2_000));
      }
      Thread.sleep(100);
    }
    long drainedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    Overlaps overlaps = new Overlaps(cluster);
    Map<String, Long> capped = overlaps.maxRunning("queue = 'capped'", "queue");
    Map<String, Long> perKey = overlaps.maxRunning("queue = 'keyed'", "concurrency_key");
    long executions = ledger.executions("true");
    System.out.printf(
        "RELIABILITY limits-kill-9: 3 JVMs, %d + %d jobs (50 ms) drained in %d ms; %d SIGKILLs"
            + " (exit codes %s); most running at once: capped %s (limit %d), per key %s (limit"
            + " %d); executions %d, rescued attempts %d, lost %d, jobs without exactly one side"
            + " effect %d%n",
        CAPPED_JOBS,
        KEYED_JOBS,
        drainedMillis,
        exitCodes.size(),
        exitCodes,
        capped,
        CAPPED,
        perKey,
        PER_KEY,
        executions,
        ledger.rescuedAttempts(),
        ledger.lostJobs("true"),
        ledger.completedJobsWithoutExactlyOneSideEffect());

    assertThat(exitCodes).hasSizeGreaterThanOrEqualTo(4).allMatch(c -> c == 137);
    assertThat(ledger.rescuedAttempts()).as("kills took limited places with them").isPositive();
    assertThat(capped).containsExactly(Map.entry("capped", (long) CAPPED));
    assertThat(perKey)
        .hasSize(KEYS)
        .allSatisfy((key, max) -> assertThat(max).isLessThanOrEqualTo(PER_KEY));
    assertThat(perKey.values()).contains((long) PER_KEY);
    assertThat(cluster.jobs("true")).isEqualTo(CAPPED_JOBS + KEYED_JOBS);
    assertThat(ledger.lostJobs("true")).isZero();
    assertThat(ledger.completedJobsWithoutExactlyOneSideEffect()).isZero();
    assertThat(ledger.extraExecutionsOfLiveNodes(false)).isEmpty();
  }

  private static CreateJobOptions job(String queue, String key, Task task) {
    CreateJobOptions.Builder options =
        CreateJobOptions.builder(WorkerProcess.LEDGER_TYPE, task).queue(queue).maxRetries(10);
    if (key != null) {
      options.concurrencyKey(key);
    }
    return options.build();
  }
}
