package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two worker nodes elect one leader, the health check of every node names it, and a graceful
 * shutdown of the leader hands over at once (well within the leader's lease, which is the {@code
 * leaseDuration}). The elector's own timing (kill -9, pauses, never two leaders) is covered by
 * {@code LeaderElectionIT}.
 */
class LeaderIT {

  private static final Duration LEASE = Duration.ofSeconds(6);

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();

  record Work(int n) {}

  private JobQueueManager node(String id) {
    return jobqueue.start(
        id,
        EngineTestSupport.fastConfig(schema).nodeId(id).leaseDuration(LEASE).build(),
        JobHandler.of("work", Work.class, (p, ctx) -> null));
  }

  @Test
  void oneNodeLeadsEveryHealthCheckNamesItAndAGracefulStopHandsOverAtOnce() {
    JobQueueManager a = node("leader-a");
    JobQueueManager b = node("leader-b");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !a.healthCheck().cluster().leader().isEmpty());
    String leader = a.healthCheck().cluster().leader();
    assertThat(leader).isIn(Set.of("leader-a", "leader-b"));
    assertThat(b.healthCheck().cluster().leader()).isEqualTo(leader);
    assertThat(a.workerPool().isLeader() ^ b.workerPool().isLeader())
        .as("exactly one node believes it leads")
        .isTrue();

    JobQueueManager leading = leader.equals("leader-a") ? a : b;
    JobQueueManager other = leading == a ? b : a;
    String otherId = other.workerPool().getNodeId();
    leading.shutdown();
    long stopped = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> otherId.equals(other.healthCheck().cluster().leader()));
    long handover = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
    System.out.printf("LeaderIT: handover after a graceful stop took %d ms%n", handover);
    assertThat(handover).as("at once, not after the %s lease", LEASE).isLessThan(3_000);
    assertThat(other.workerPool().isLeader()).isTrue();
  }
}
