package dev.jobqueue.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.TestDatabase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The completer's batch completion and the lease renewal update many rows of one node at once,
 * concurrently. They must lock those rows in one order, or they deadlock (seen once under load in
 * the W5 benchmark before the statements locked in id order).
 */
class HeldUpdatesLockOrderIT {
  private static final TestDatabase db = TestDatabase.get();
  private static final String NODE = "node-lock-order";
  private static String schema;
  private static HikariDataSource pool;
  private static JobRepository repository;

  @BeforeAll
  static void setUp() {
    schema = db.newSchema("lockorder");
    pool = db.newPool("lock-order", 6);
    SchemaMigrator.migrate(pool, schema);
    repository = new JobRepository(pool, schema);
  }

  @AfterAll
  static void tearDown() {
    pool.close();
    db.dropSchema(schema);
  }

  @Test
  void completionAndRenewalOfTheSameJobsInOppositeOrdersNeverDeadlock() {
    for (int round = 0; round < 15; round++) {
      List<NewJob> jobs = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        jobs.add(new NewJob("t", 2, "{}", 0, 60, null));
      }
      repository.insert(jobs, false);
      List<ClaimedJob> claimed =
          repository.executions().claimAvailable(NODE, new String[] {"t"}, 400, 60_000);
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
    assertThat(db.queryLong("select count(*) from " + schema + ".jobs where status <> 'completed'"))
        .isZero();
  }
}
