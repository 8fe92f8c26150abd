package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link JobContext#completeInTransaction}: a handler's database work and its job's completion
 * commit together or not at all, and a node that lost its job commits nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransactionalCompletionIT {

  record Work(int n) {}

  private static final String MAIN_NODE = "txn-main";
  private static final String OTHER_NODE = "node-B";

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .withManager(noop("txn-ok"), noop("txn-flaky"), noop("txn-fenced"), noop("txn-rescued"))
          .withSql(
              "create table {schema}.side_effects"
                  + " (job_id bigint not null, node text not null, attempt int not null)");

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private JobQueueManager enqueuer;
  private JobQueueManager main;

  // txn-flaky
  private final AtomicLong sideEffectsSeenByRetry = new AtomicLong(-1);

  // txn-fenced
  private final CountDownLatch fencedStarted = new CountDownLatch(1);
  private final CountDownLatch fencedProceed = new CountDownLatch(1);
  private final AtomicBoolean fencedWorkRan = new AtomicBoolean();
  private final AtomicReference<Exception> fencedOutcome = new AtomicReference<>();
  private final CountDownLatch fencedReturned = new CountDownLatch(1);

  @BeforeAll
  void startMainNode() {
    enqueuer = jobqueue.manager();
    // Runs for the whole class; the extension stops it (and closes its pool) after the last test.
    main =
        jobqueue.start(
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .nodeId(MAIN_NODE)
                        .maxWorkers(4)
                        // Renewed every 20 s: this node cannot notice a takeover by itself during a
                        // test, so its completion is the stale write under test.
                        .leaseDuration(Duration.ofSeconds(60))
                        .retryStrategy(RetryStrategy.FIXED)
                        .retryBaseDelay(Duration.ofMillis(100))
                        .retryMaxDelay(Duration.ofMillis(100))
                        .build())
                .dataSource(jobqueue.newPool("txn-main", 10))
                .handler(JobHandler.of("txn-ok", Work.class, this::completesInTransaction))
                .handler(JobHandler.of("txn-flaky", Work.class, this::failsOnceInTransaction))
                .handler(JobHandler.of("txn-fenced", Work.class, this::isFencedOut)));
  }

  // ---- (a) ----------------------------------------------------------------------------------

  private Object completesInTransaction(Work work, JobContext ctx) throws Exception {
    ctx.completeInTransaction(
        connection -> {
          insertSideEffect(connection, ctx, MAIN_NODE);
          return Map.of("stored", "in transaction");
        });
    return Map.of("stored", "by the handler's return, which must be ignored");
  }

  @Test
  void completesTheJobAndCommitsItsSideEffectOnce() throws Exception {
    String id = enqueuer.createJob(CreateJobOptions.of("txn-ok", new Work(1)));
    await().atMost(Duration.ofSeconds(10)).until(() -> status(id) == JobStatus.COMPLETED);
    Job job = enqueuer.getJob(id).orElseThrow();
    assertThat(job.resultJson())
        .hasValueSatisfying(
            r -> assertThat(r).contains("in transaction").doesNotContain("ignored"));
    assertThat(job.completedAt()).isPresent();
    assertThat(job.retryCount()).isZero();
    assertThat(sideEffects(id)).containsExactly(MAIN_NODE + "#1");
  }

  // ---- (b) ----------------------------------------------------------------------------------

  private Object failsOnceInTransaction(Work work, JobContext ctx) throws Exception {
    return ctx.completeInTransaction(
        connection -> {
          if (ctx.attempt() == 1) {
            insertSideEffect(connection, ctx, MAIN_NODE);
            throw new IllegalStateException("work failed after its insert");
          }
          sideEffectsSeenByRetry.set(countSideEffects(connection, ctx.jobId()));
          insertSideEffect(connection, ctx, MAIN_NODE);
          return Map.of("attempt", ctx.attempt());
        });
  }

  @Test
  void failedWorkRollsBackAndTheRetryCommitsOnce() throws Exception {
    String id =
        enqueuer.createJob(
            CreateJobOptions.builder("txn-flaky", new Work(2)).maxRetries(3).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> status(id) == JobStatus.COMPLETED);
    Job job = enqueuer.getJob(id).orElseThrow();
    assertThat(job.retryCount()).isEqualTo(1);
    assertThat(job.errors()).hasSize(1);
    assertThat(job.errors().get(0).message()).contains("work failed after its insert");
    assertThat(sideEffectsSeenByRetry).as("side effects the failed attempt left").hasValue(0);
    assertThat(sideEffects(id)).containsExactly(MAIN_NODE + "#2");
  }

  // ---- (c) ----------------------------------------------------------------------------------

  private Object isFencedOut(Work work, JobContext ctx) throws Exception {
    fencedStarted.countDown();
    try {
      fencedProceed.await(20, TimeUnit.SECONDS);
      return ctx.completeInTransaction(
          connection -> {
            insertSideEffect(connection, ctx, MAIN_NODE);
            fencedWorkRan.set(true);
            return Map.of("writtenBy", "stale node");
          });
    } catch (Exception e) {
      fencedOutcome.set(e);
      throw e;
    } finally {
      fencedReturned.countDown();
    }
  }

  @Test
  void aCompletionFencedOutByATakeoverRollsBackItsSideEffects() throws Exception {
    String id = enqueuer.createJob(CreateJobOptions.of("txn-fenced", new Work(3)));
    assertThat(fencedStarted.await(10, TimeUnit.SECONDS)).isTrue();

    takeOver(id);
    fencedProceed.countDown();
    assertThat(fencedReturned.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(fencedOutcome.get()).isInstanceOf(LeaseLostException.class);
    assertThat(fencedWorkRan).as("the work ran; its insert must have been rolled back").isTrue();
    assertThat(sideEffects(id)).isEmpty();
    assertThat(rows.get(id).lockedBy()).isEqualTo(OTHER_NODE);
    Job job = enqueuer.getJob(id).orElseThrow();
    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.resultJson()).isEmpty();
    assertThat(job.errors()).isEmpty();
  }

  // ---- (d) ----------------------------------------------------------------------------------

  /**
   * The same with a real rescue: node A's lease renewals (and claims) are refused by a trigger, as
   * if A could no longer reach the database; its lease runs out, node B's rescuer takes the job
   * back, B runs it and completes it. Then A, still inside its handler, tries to complete.
   */
  @Test
  void aCompletionFencedOutByARealRescueRollsBackItsSideEffects() throws Exception {
    String nodeA = "txn-node-A";
    String nodeB = "txn-node-B";
    db.execute("create table " + schema + ".blocked_nodes (node text primary key)");
    db.execute(
        "create function "
            + schema
            + ".refuse_blocked_nodes() returns trigger language plpgsql as $$ begin"
            + " if new.locked_by is not null and exists (select 1 from "
            + schema
            + ".blocked_nodes b where b.node = new.locked_by) then"
            + " raise exception 'test: node % cannot reach the database', new.locked_by;"
            + " end if; return new; end $$");
    db.execute(
        "create trigger refuse_blocked_nodes before update on "
            + schema
            + ".jobs for each row execute function "
            + schema
            + ".refuse_blocked_nodes()");

    CountDownLatch startedOnA = new CountDownLatch(1);
    CountDownLatch proceedOnA = new CountDownLatch(1);
    CountDownLatch returnedOnA = new CountDownLatch(1);
    AtomicBoolean workRanOnA = new AtomicBoolean();
    AtomicBoolean interruptedOnA = new AtomicBoolean();
    AtomicReference<Exception> outcomeOnA = new AtomicReference<>();
    AtomicLong attemptOnB = new AtomicLong();

    HikariDataSource poolA = db.newPool("txn-node-a", 6);
    HikariDataSource poolB = db.newPool("txn-node-b", 6);
    JobQueueManager managerA =
        JobQueueManager.builder()
            .config(
                JobQueueConfig.builder()
                    .schema(schema)
                    .nodeId(nodeA)
                    .minWorkers(1)
                    .maxWorkers(1)
                    .maxJobsPerWorker(1)
                    .leaseDuration(Duration.ofSeconds(1))
                    .rescueInterval(Duration.ofHours(1)) // B rescues
                    .build())
            .dataSource(poolA)
            .handler(
                JobHandler.of(
                    "txn-rescued",
                    Work.class,
                    (p, ctx) -> {
                      startedOnA.countDown();
                      try {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        while (System.nanoTime() < deadline) {
                          try {
                            if (proceedOnA.await(20, TimeUnit.SECONDS)) {
                              break;
                            }
                          } catch (InterruptedException e) {
                            interruptedOnA.set(true); // A gave up on its own: keep going anyway
                          }
                        }
                        return ctx.completeInTransaction(
                            connection -> {
                              insertSideEffect(connection, ctx, nodeA);
                              workRanOnA.set(true);
                              return Map.of("by", nodeA);
                            });
                      } catch (Exception e) {
                        outcomeOnA.set(e);
                        throw e;
                      } finally {
                        returnedOnA.countDown();
                      }
                    }))
            .build();
    JobQueueManager managerB =
        JobQueueManager.builder()
            .config(
                JobQueueConfig.builder()
                    .schema(schema)
                    .nodeId(nodeB)
                    .maxWorkers(2)
                    .leaseDuration(Duration.ofSeconds(2))
                    .rescueInterval(Duration.ofMillis(200))
                    .build())
            .dataSource(poolB)
            .handler(
                JobHandler.of(
                    "txn-rescued",
                    Work.class,
                    (p, ctx) -> {
                      attemptOnB.set(ctx.attempt());
                      return ctx.completeInTransaction(
                          connection -> {
                            insertSideEffect(connection, ctx, nodeB);
                            return Map.of("by", nodeB);
                          });
                    }))
            .build();
    try {
      managerA.initialize();
      String id =
          enqueuer.createJob(
              CreateJobOptions.builder("txn-rescued", new Work(4)).maxRetries(3).build());
      assertThat(startedOnA.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(rows.get(id).lockedBy()).isEqualTo(nodeA);

      long cutOff = System.nanoTime();
      db.execute("insert into " + schema + ".blocked_nodes values ('" + nodeA + "')");
      managerB.initialize();
      await().atMost(Duration.ofSeconds(10)).until(() -> status(id) == JobStatus.COMPLETED);
      System.out.printf(
          "TransactionalCompletionIT: node B rescued and completed the job %d ms after node A"
              + " lost the database%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutOff));

      proceedOnA.countDown();
      assertThat(returnedOnA.await(10, TimeUnit.SECONDS)).isTrue();
      System.out.printf(
          "TransactionalCompletionIT: node A was %s; its work %s before the fenced commit%n",
          interruptedOnA.get() ? "interrupted (it fenced itself)" : "not interrupted",
          workRanOnA.get() ? "ran and was rolled back" : "did not run");
      assertThat(outcomeOnA.get()).isInstanceOf(LeaseLostException.class);
      assertThat(sideEffects(id)).containsExactly(nodeB + "#2");
      Job job = enqueuer.getJob(id).orElseThrow();
      assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(job.resultJson()).hasValueSatisfying(r -> assertThat(r).contains(nodeB));
      assertThat(job.retryCount()).isEqualTo(1);
      assertThat(job.errors()).hasSize(1);
      assertThat(job.errors().get(0).message()).contains("lease").contains(nodeA);
      assertThat(attemptOnB).hasValue(2);
    } finally {
      managerA.shutdown();
      managerB.shutdown();
      poolA.close();
      poolB.close();
      db.execute("drop trigger refuse_blocked_nodes on " + schema + ".jobs");
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private JobStatus status(String id) {
    return enqueuer.getJob(id).orElseThrow().status();
  }

  private void insertSideEffect(Connection connection, JobContext ctx, String node)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "insert into " + schema + ".side_effects (job_id, node, attempt) values (?, ?, ?)")) {
      insert.setLong(1, Long.parseLong(ctx.jobId()));
      insert.setString(2, node);
      insert.setInt(3, ctx.attempt());
      insert.executeUpdate();
    }
  }

  private long countSideEffects(Connection connection, String id) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "select count(*) from " + schema + ".side_effects where job_id = ?")) {
      s.setLong(1, Long.parseLong(id));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The side-effect rows of a job, as {@code node#attempt}. */
  private List<String> sideEffects(String id) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "select node || '#' || attempt from "
                    + schema
                    + ".side_effects where job_id = ? order by attempt")) {
      s.setLong(1, Long.parseLong(id));
      try (ResultSet rs = s.executeQuery()) {
        List<String> effects = new java.util.ArrayList<>();
        while (rs.next()) {
          effects.add(rs.getString(1));
        }
        return effects;
      }
    }
  }

  private static JobHandler<Work> noop(String type) {
    return JobHandler.of(type, Work.class, (p, ctx) -> null);
  }

  /** What a rescue followed by another node's claim does to the row. */
  private void takeOver(String id) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "update "
                    + schema
                    + ".jobs set status = 'running', attempt = attempt + 1, locked_by = ?,"
                    + " lease_expires_at = now() + interval '10 minutes' where id = ?"
                    + " and status = 'running'")) {
      s.setString(1, OTHER_NODE);
      s.setLong(2, Long.parseLong(id));
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }
}
