package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jobqueue.EnqueueResult.Outcome;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Unique jobs in batches and in the caller's transaction, and the checks of their options. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UniqueJobsBatchIT {

  record Sync(String accountId, String note) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .withSql("create table {schema}.orders (id text primary key)")
          .truncatingAfterEach("orders");

  private final TestDatabase db = TestDatabase.get();
  private final JobRows rows = jobqueue.rows();
  private JobQueueManager manager;
  private Connection tx;

  @BeforeAll
  void startManager() {
    manager =
        jobqueue.start(
            "unique-batch",
            jobqueue.fastConfig().runWorkers(false).build(),
            JobHandler.of("sync", Sync.class, (p, c) -> null));
  }

  @BeforeEach
  void openTransaction() throws SQLException {
    tx = jobqueue.newPool("unique-batch-app", 1).getConnection();
    tx.setAutoCommit(false);
  }

  @AfterEach
  void closeTransaction() throws SQLException {
    tx.rollback();
    tx.close();
  }

  private static CreateJobOptions sync(String key, String note) {
    return sync(key, note, UniqueOptions.byKey(key));
  }

  private static CreateJobOptions sync(String account, String note, UniqueOptions unique) {
    return CreateJobOptions.builder("sync", new Sync(account, note)).unique(unique).build();
  }

  private String note(String id) {
    return manager.getJob(id).orElseThrow().payloadAs(Sync.class).note();
  }

  // ---------------------------------------------------------------- batches

  @Test
  void laterJobsOfABatchWithTheSameKeyReportTheFirstOnesId() {
    List<EnqueueResult> results =
        manager.enqueueAll(
            List.of(
                sync("k1", "a"),
                sync("k2", "b"),
                sync("k1", "c"),
                CreateJobOptions.of("sync", new Sync("plain", "d")),
                sync("k1", "e")));

    assertThat(results)
        .extracting(EnqueueResult::outcome)
        .containsExactly(
            Outcome.CREATED,
            Outcome.CREATED,
            Outcome.DUPLICATE,
            Outcome.CREATED,
            Outcome.DUPLICATE);
    String k1 = results.get(0).id();
    assertThat(results.get(2).id()).isEqualTo(k1);
    assertThat(results.get(4).id()).isEqualTo(k1);
    assertThat(results.stream().map(EnqueueResult::id).distinct()).hasSize(3);
    assertThat(note(k1)).isEqualTo("a");
    assertThat(note(results.get(3).id())).isEqualTo("d");
    assertThat(rows.count()).isEqualTo(3);
  }

  @Test
  void aBatchMeetsKeysHeldBeforeIt() {
    String held = manager.createJob(sync("k3", "old"));

    List<String> ids =
        manager.createJobs(List.of(sync("k4", "a"), sync("k3", "b"), sync("k4", "c")));

    assertThat(ids.get(1)).isEqualTo(held);
    assertThat(ids.get(2)).isEqualTo(ids.get(0)).isNotEqualTo(held);
    assertThat(note(held)).isEqualTo("old");
    assertThat(rows.count()).isEqualTo(2);
  }

  @Test
  void inReplaceModeTheLastJobOfABatchWins() {
    UniqueOptions debounce = UniqueOptions.byKey("k5").replacingPending();
    List<EnqueueResult> fresh =
        manager.enqueueAll(
            List.of(
                sync("k5", "a", debounce), sync("k5", "b", debounce), sync("k5", "c", debounce)));

    assertThat(fresh)
        .extracting(EnqueueResult::outcome)
        .containsExactly(Outcome.CREATED, Outcome.REPLACED, Outcome.REPLACED);
    assertThat(fresh).extracting(EnqueueResult::id).containsOnly(fresh.get(0).id());
    assertThat(note(fresh.get(0).id())).isEqualTo("c");

    List<EnqueueResult> again =
        manager.enqueueAll(List.of(sync("k5", "d", debounce), sync("k5", "e", debounce)));
    assertThat(again)
        .containsExactly(
            new EnqueueResult(fresh.get(0).id(), Outcome.REPLACED),
            new EnqueueResult(fresh.get(0).id(), Outcome.REPLACED));
    assertThat(note(fresh.get(0).id())).isEqualTo("e");
    assertThat(rows.count()).isEqualTo(1);
  }

  @Test
  void jobsOfABatchWithOneKeyMustAgreeOnTheUniqueOptions() {
    JobValidationException refused =
        catchThrowableOfType(
            JobValidationException.class,
            () ->
                manager.enqueueAll(
                    List.of(
                        sync("k6", "a"),
                        sync("k6", "b", UniqueOptions.byKey("k6").replacingPending()))));

    assertThat(refused.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.field()).isEqualTo("jobs[1].unique");
              assertThat(e.message()).contains("the key of jobs[0]");
            });
    assertThat(rows.count()).isZero();
  }

  // ---------------------------------------------------------------- the caller's transaction

  @Test
  void aHeldKeyInsideTheCallersTransactionLeavesItUsable() throws SQLException {
    String committed = manager.createJob(sync("k7", "committed"));
    insertOrder("o-1");

    EnqueueResult mine = manager.enqueue(tx, sync("k8", "mine"));
    EnqueueResult again = manager.enqueue(tx, sync("k8", "again"));
    EnqueueResult held = manager.enqueue(tx, sync("k7", "other"));
    List<EnqueueResult> batch = manager.enqueueAll(tx, List.of(sync("k7", "x"), sync("k9", "y")));
    insertOrder("o-2");
    assertThat(manager.getJob(mine.id())).as("not committed yet").isEmpty();
    tx.commit();

    assertThat(mine.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(again).isEqualTo(new EnqueueResult(mine.id(), Outcome.DUPLICATE));
    assertThat(held).isEqualTo(new EnqueueResult(committed, Outcome.DUPLICATE));
    assertThat(batch.get(0)).isEqualTo(held);
    assertThat(batch.get(1).outcome()).isEqualTo(Outcome.CREATED);
    assertThat(db.queryLong("select count(*) from " + orders())).isEqualTo(2);
    assertThat(note(mine.id())).isEqualTo("mine");
    assertThat(rows.count()).isEqualTo(3);
  }

  @Test
  void aRollbackFreesTheKey() throws SQLException {
    EnqueueResult rolledBack = manager.enqueue(tx, sync("k10", "a"));
    tx.rollback();

    EnqueueResult later = manager.enqueue(sync("k10", "b"));

    assertThat(later.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(later.id()).isNotEqualTo(rolledBack.id());
    assertThat(manager.getJob(rolledBack.id())).isEmpty();
  }

  @Test
  void anInsertOfAKeyInAnOpenTransactionMakesOthersWaitForItsOutcome() throws Exception {
    EnqueueResult open = manager.enqueue(tx, sync("k11", "a"));
    CompletableFuture<EnqueueResult> waiting =
        CompletableFuture.supplyAsync(() -> manager.enqueue(sync("k11", "b")));
    Thread.sleep(300);
    assertThat(waiting).as("waits on the unique index").isNotDone();
    tx.rollback();
    EnqueueResult afterRollback = waiting.get(10, TimeUnit.SECONDS);
    assertThat(afterRollback.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(afterRollback.id()).isNotEqualTo(open.id());

    EnqueueResult committed = manager.enqueue(tx, sync("k12", "a"));
    CompletableFuture<EnqueueResult> second =
        CompletableFuture.supplyAsync(() -> manager.enqueue(sync("k12", "b")));
    Thread.sleep(300);
    assertThat(second).isNotDone();
    tx.commit();
    assertThat(second.get(10, TimeUnit.SECONDS))
        .isEqualTo(new EnqueueResult(committed.id(), Outcome.DUPLICATE));
  }

  @Test
  void replaceModeInsideTheCallersTransaction() throws SQLException {
    UniqueOptions debounce = UniqueOptions.byKey("k13").replacingPending();
    String held = manager.createJob(sync("k13", "old", debounce));

    EnqueueResult replaced = manager.enqueue(tx, sync("k13", "new", debounce));
    assertThat(note(held)).as("not committed yet").isEqualTo("old");
    tx.commit();

    assertThat(replaced).isEqualTo(new EnqueueResult(held, Outcome.REPLACED));
    assertThat(note(held)).isEqualTo("new");
  }

  @Test
  void retryJobWaitsForAnOpenInsertOfItsKeyAndAnswersByItsOutcome() throws Exception {
    String failed = manager.createJob(sync("k14", "a"));
    db.execute(
        "update "
            + rows.table()
            + " set status = 'failed', completed_at = now() where id = "
            + failed);
    EnqueueResult open = manager.enqueue(tx, sync("k14", "b"));

    CompletableFuture<Boolean> retry =
        CompletableFuture.supplyAsync(() -> manager.retryJob(failed));
    Thread.sleep(300);
    assertThat(retry).as("waits on the unique index").isNotDone();
    tx.commit();

    Throwable refused = catchThrowableOfType(ExecutionException.class, retry::get).getCause();
    assertThat(refused)
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("uniqueKey")
        .hasMessageContaining("job " + open.id() + " (pending)");
    assertThat(rows.get(failed).status()).isEqualTo("failed");

    // The same race, rolled back: the retry takes the key.
    String failedToo = manager.createJob(sync("k15", "a"));
    db.execute(
        "update "
            + rows.table()
            + " set status = 'failed', completed_at = now() where id = "
            + failedToo);
    manager.enqueue(tx, sync("k15", "b"));
    CompletableFuture<Boolean> retried =
        CompletableFuture.supplyAsync(() -> manager.retryJob(failedToo));
    Thread.sleep(300);
    assertThat(retried).isNotDone();
    tx.rollback();
    assertThat(retried.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(rows.get(failedToo).status()).isEqualTo("pending");
  }

  private void insertOrder(String id) throws SQLException {
    try (PreparedStatement insert =
        tx.prepareStatement("insert into " + orders() + " (id) values (?)")) {
      insert.setString(1, id);
      insert.executeUpdate();
    }
  }

  private String orders() {
    return "\"" + jobqueue.schema() + "\".orders";
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void badKeysAndOptionsAreRefusedNamingTheFieldAndNothingIsStored() {
    assertRefused(sync("a", "x", UniqueOptions.byKey("")), "unique.key", "");
    assertRefused(sync("a", "x", UniqueOptions.byKey("line\nbreak")), "unique.key", "line\nbreak");
    assertRefused(sync("a", "x", UniqueOptions.byKey("k".repeat(256))), "unique.key", null);
    assertRefused(sync("a", "x", UniqueOptions.byPayload("nope")), "unique.fields", "nope");
    assertRefused(sync("a", "x", UniqueOptions.byPayload("accountId", " ")), "unique.fields", " ");
    assertRefused(
        sync("a", "x", UniqueOptions.byKey("k").period(Duration.ZERO)), "unique.period", "PT0S");
    assertRefused(
        sync("a", "x", UniqueOptions.byKey("k").period(Duration.ofSeconds(-5))),
        "unique.period",
        "PT-5S");
    assertRefused(
        sync("a", "x", UniqueOptions.byKey("k").period(Duration.ofDays(3651))),
        "unique.period",
        "PT87624H");
    assertRefused(
        sync("a", "x", UniqueOptions.byKey("k").countingCompletedWithin(Duration.ofMillis(-1))),
        "unique.completedWithin",
        "PT-0.001S");

    assertThatThrownBy(
            () ->
                manager.createJobs(
                    List.of(sync("fine", "x"), sync("a", "x", UniqueOptions.byKey("")))))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("jobs[1].unique.key");
    assertThatThrownBy(() -> manager.createJob(tx, sync("a", "x", UniqueOptions.byPayload("x"))))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("unique.fields");
    assertThat(rows.count()).isZero();
  }

  @Test
  void theBuildersRefuseNulls() {
    assertThatThrownBy(() -> UniqueOptions.byKey(null)).hasMessage("key must not be null");
    assertThatThrownBy(() -> UniqueOptions.byPayload("a", null))
        .hasMessage("fields must not contain null");
    assertThatThrownBy(() -> UniqueOptions.byKey("k").period(null))
        .hasMessage("period must not be null");
    assertThatThrownBy(() -> CreateJobOptions.builder("sync", Map.of()).unique(null))
        .hasMessage("unique must not be null");
  }

  private void assertRefused(CreateJobOptions options, String field, String value) {
    JobValidationException refused =
        catchThrowableOfType(JobValidationException.class, () -> manager.createJob(options));
    assertThat(refused).as(field).isNotNull();
    assertThat(refused.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.field()).isEqualTo(field);
              if (value != null) {
                assertThat(e.rejectedValue()).isEqualTo(value);
              }
            });
    assertThat(rows.count()).isZero();
  }
}
