package dev.jobqueue.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The completer's batch completion and the lease renewal update many rows of one node at once,
 * concurrently. They must lock those rows in one order, or they deadlock (seen once under load in
 * the W5 benchmark before the statements locked in id order).
 */
class HeldUpdatesLockOrderIT {
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perClass();

  private static final JobRows rows = jobqueue.rows();
  private static final String NODE = "node-lock-order";
  private static String schema;
  private static HikariDataSource pool;
  private static JobRepository repository;

  @BeforeAll
  static void setUp() {
    schema = jobqueue.schema();
    pool = jobqueue.newPool("lock-order", 6);
    SchemaMigrator.migrate(pool, schema);
    repository = new JobRepository(pool, schema);
  }

  @Test
  void completionAndRenewalOfTheSameJobsInOppositeOrdersNeverDeadlock() {
    for (int round = 0; round < 15; round++) {
      List<NewJob> jobs = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        jobs.add(new NewJob("t", 2, "{}", 0, 60, null, "default", null, null));
      }
      repository.insert(jobs, false);
      List<ClaimedJob> claimed =
          repository
              .executions()
              .claimAvailable(
                  "default", NODE, new String[] {"t"}, new Integer[1], false, 400, 400, 60_000)
              .jobs();
      assertThat(claimed).hasSize(400);

      List<HeldJob> held = new ArrayList<>();
      List<Completion> completions = new ArrayList<>();
      for (ClaimedJob job : claimed) {
        held.add(new HeldJob(job.id(), job.token()));
        completions.add(new Completion(job.id(), job.token(), null));
      }
      Collections.reverse(held); // the renewal walks the ids one way ...
      Collections.shuffle(completions); // ... the completion another

      CompletableFuture<Void> renewals =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 5; i++) {
                  repository.executions().extendLeases(NODE, held, 60_000);
                }
              });
      CompletableFuture<Void> completing =
          CompletableFuture.runAsync(
              () -> {
                for (int from = 0; from < completions.size(); from += 50) {
                  repository
                      .executions()
                      .completeMany(
                          NODE, completions.subList(from, Math.min(from + 50, completions.size())));
                }
              });
      renewals.join();
      completing.join();
    }
    assertThat(rows.count("status <> 'completed'")).isZero();
  }
}
