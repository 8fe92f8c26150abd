package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.internal.store.DatabaseSetup;
import dev.jobqueue.testing.PgBouncer;
import dev.jobqueue.testing.PgBouncer.PoolMode;
import dev.jobqueue.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The transaction-pooling check against a real PgBouncer: never a false alarm through session mode
 * or a direct connection, and no miss through transaction mode even when four nodes check at the
 * same instant through a pool of four server connections (the case in which one round of the check
 * can be fooled).
 */
class PgBouncerDetectionIT {
  private static final int NODES = 4;
  private static final int TRIALS = 10;

  private final TestDatabase db = TestDatabase.get();

  @Test
  void transactionModeIsFoundEveryTimeEvenWhenNodesCheckTogether() throws Exception {
    PgBouncer.assumeInstalled(PgBouncerDetectionIT.class);
    try (PgBouncer bouncer = PgBouncer.start(db, PoolMode.TRANSACTION, NODES)) {
      assertThat(detections(bouncer)).containsOnly(true).hasSize(NODES * TRIALS);
    }
  }

  @Test
  void sessionModeAndDirectConnectionsAreNeverTakenForTransactionPooling() throws Exception {
    PgBouncer.assumeInstalled(PgBouncerDetectionIT.class);
    try (PgBouncer bouncer = PgBouncer.start(db, PoolMode.SESSION, 3 * NODES)) {
      assertThat(detections(bouncer)).containsOnly(false).hasSize(NODES * TRIALS);
    }
    assertThat(DatabaseSetup.inspect(db.dataSource(), "direct").transactionPooling()).isFalse();
  }

  private static List<Boolean> detections(PgBouncer bouncer) throws Exception {
    List<Boolean> found = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(NODES);
    try {
      for (int trial = 0; trial < TRIALS; trial++) {
        List<HikariDataSource> pools = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
          pools.add(bouncer.newPool("detect-" + trial + "-" + i, 3));
        }
        try {
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Boolean>> results = new ArrayList<>();
          for (HikariDataSource pool : pools) {
            results.add(
                threads.submit(
                    () -> {
                      go.await();
                      return DatabaseSetup.inspect(pool, "node").transactionPooling();
                    }));
          }
          go.countDown();
          for (Future<Boolean> result : results) {
            found.add(result.get(60, TimeUnit.SECONDS));
          }
        } finally {
          pools.forEach(HikariDataSource::close);
        }
      }
    } finally {
      threads.shutdownNow();
    }
    return found;
  }
}
