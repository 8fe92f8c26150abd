package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TcpProxy;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node's own idea of its leases when the database is slow or away (found by the reliability
 * suite's outage scenario, docs/reliability.md, scenario 6).
 *
 * <ul>
 *   <li>The lease a claim or a renewal grants runs from when its statement reached the database,
 *       not from before the node waited for a pooled connection: after an outage the first claim
 *       waits for a connection longer than a lease, and its jobs must not be abandoned at once (and
 *       then rescued, at the cost of an attempt).
 *   <li>Self-fencing happens on time even when every database call of the node hangs: the watchdog
 *       must not wait behind maintenance tasks blocked on the pool.
 * </ul>
 */
class LeaseUnderSlowDatabaseIT {

  record Work(int n) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perTest()
          .migrated()
          .withManager(JobHandler.of("work", Work.class, (p, ctx) -> null));

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  @Test
  void aClaimThatWaitedLongForAConnectionKeepsItsJobs() {
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean slow = new AtomicBoolean(true);
    jobqueue.start(
        EngineTestSupport.fastConfig(schema).leaseDuration(Duration.ofSeconds(1)).build(),
        EngineTestSupport.slowConnections(
            jobqueue.newPool("slow-claim", 10), "jobqueue-poller-", 1_500, slow::get),
        JobHandler.of(
            "work",
            Work.class,
            (p, ctx) -> {
              runs.incrementAndGet();
              Thread.sleep(
                  300); // well within the lease, unless it ran out before the claim returned
              return null;
            }));

    String id =
        jobqueue
            .manager()
            .createJob(CreateJobOptions.builder("work", new Work(1)).maxRetries(0).build());

    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> rows.holds(id, "status in ('completed', 'failed')"));
    slow.set(false);
    assertThat(rows.holds(id, "status = 'completed'")).as("completed, not failed").isTrue();
    assertThat(rows.valueOf(id, "retry_count")).isZero();
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void renewalsThatWaitForAConnectionStillKeepTheLease() {
    AtomicInteger runs = new AtomicInteger();
    AtomicInteger interrupted = new AtomicInteger();
    AtomicBoolean slow = new AtomicBoolean(true);
    jobqueue.start(
        EngineTestSupport.fastConfig(schema).leaseDuration(Duration.ofMillis(1_500)).build(),
        EngineTestSupport.slowConnections(
            jobqueue.newPool("slow-renewal", 10), "jobqueue-leases-", 600, slow::get),
        JobHandler.of(
            "work",
            Work.class,
            (p, ctx) -> {
              runs.incrementAndGet();
              try {
                Thread.sleep(4_000);
              } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
              }
              return null;
            }));

    String id =
        jobqueue
            .manager()
            .createJob(CreateJobOptions.builder("work", new Work(1)).maxRetries(0).build());

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> rows.holds(id, "status in ('completed', 'failed')"));
    slow.set(false);
    assertThat(interrupted.get()).as("attempts abandoned for a lost lease").isZero();
    assertThat(rows.holds(id, "status = 'completed'")).isTrue();
    assertThat(rows.valueOf(id, "retry_count")).isZero();
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void selfFencingIsOnTimeWhileEveryDatabaseCallHangs() throws Exception {
    long leaseMillis = 6_000;
    try (TcpProxy proxy = TcpProxy.forJdbcUrl(db.jdbcUrl())) {
      // A pool that waits up to 30 s for a connection (HikariCP's default) while the database
      // is away: every maintenance task that touches the database hangs that long.
      HikariDataSource pool =
          db.newPool(
              "self-fence",
              10,
              config -> {
                config.setJdbcUrl(proxy.rewrite(db.jdbcUrl()));
                config.setConnectionTimeout(30_000);
              });
      AtomicLong started = new AtomicLong();
      AtomicLong interruptedAt = new AtomicLong();
      JobQueueManager node =
          jobqueue.start(
              EngineTestSupport.fastConfig(schema)
                  .leaseDuration(Duration.ofMillis(leaseMillis))
                  .build(),
              pool,
              JobHandler.of(
                  "work",
                  Work.class,
                  (p, ctx) -> {
                    started.set(System.nanoTime());
                    try {
                      Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                      interruptedAt.set(System.nanoTime());
                      throw e;
                    }
                    return null;
                  }));
      jobqueue.manager().createJob(CreateJobOptions.of("work", new Work(1)));
      await().atMost(Duration.ofSeconds(10)).until(() -> started.get() != 0);
      Thread.sleep(1_000); // a renewal or two went through
      long cut = System.nanoTime();
      proxy.cut();
      try {
        await()
            .atMost(Duration.ofSeconds(40))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> interruptedAt.get() != 0);
        long fencedAfter = TimeUnit.NANOSECONDS.toMillis(interruptedAt.get() - cut);
        // The lease was last renewed before the cut, so it ran out within leaseMillis of it;
        // the watchdog checks every 50 ms.
        assertThat(fencedAfter).isLessThanOrEqualTo(leaseMillis + 1_000);
      } finally {
        proxy.restore();
        node.shutdown();
      }
    }
  }
}
