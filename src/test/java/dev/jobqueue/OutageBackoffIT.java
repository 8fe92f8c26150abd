package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * While the database is unreachable and connections fail at once (an application pool with a short
 * connection timeout), a node's loops back off instead of asking at their own pace (found by the
 * reliability suite's outage scenario, docs/reliability.md, scenario 6). With a 100 ms poll
 * interval and a 500 ms rescue interval, the poller and the rescue each asked about twenty times in
 * 10 s; with a backoff doubling from 100 ms up to 5 s, each asks about seven times.
 */
class OutageBackoffIT {

  record Work(int n) {}

  private static final long DOWN_MILLIS = 10_000;

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perTest().migrated();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  @Test
  void loopsBackOffWhileTheDatabaseIsUnreachable() throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    JobQueueManager node =
        jobqueue.start(
            EngineTestSupport.fastConfig(schema).build(),
            EngineTestSupport.unreachableWhen(
                jobqueue.newPool("backoff", 10),
                down::get,
                thread ->
                    attempts
                        .computeIfAbsent(thread.replaceAll("-\\d+$", ""), t -> new AtomicInteger())
                        .incrementAndGet()),
            JobHandler.of("work", Work.class, (p, ctx) -> null));
    Thread.sleep(500);

    down.set(true);
    Thread.sleep(DOWN_MILLIS);
    down.set(false);
    Map<String, Integer> counts = new TreeMap<>();
    attempts.forEach((thread, n) -> counts.put(thread, n.get()));

    assertThat(counts.getOrDefault("jobqueue-poller", 0)).as("poller, %s", counts).isBetween(1, 10);
    assertThat(counts.getOrDefault("jobqueue-rescuer", 0))
        .as("rescue, %s", counts)
        .isBetween(1, 10);
    for (String loop : List.of("jobqueue-heartbeat", "jobqueue-pruner", "jobqueue-stats")) {
      assertThat(counts.getOrDefault(loop, 0)).as("%s, %s", loop, counts).isBetween(0, 10);
    }
    String id = node.createJob(CreateJobOptions.of("work", new Work(1)));
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> rows.holds(id, "status = 'completed'"));
  }
}
