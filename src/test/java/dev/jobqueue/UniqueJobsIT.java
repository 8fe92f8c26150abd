package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jobqueue.EnqueueResult.Outcome;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unique jobs: a held key returns the holder's id, in which states a key is held, replace mode,
 * keys derived from payloads and time buckets, and {@code retryJob} with the key taken. The
 * batches, caller transactions and bad input are in {@link UniqueJobsBatchIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UniqueJobsIT {

  record Sync(String accountId, String note) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().truncatingAfterEach();

  private final TestDatabase db = TestDatabase.get();
  private final JobRows rows = jobqueue.rows();
  private final Map<String, Integer> createdEvents = new ConcurrentHashMap<>();
  private JobQueueManager manager;

  @BeforeAll
  void startManager() {
    manager =
        jobqueue.start(
            JobQueueManager.builder()
                .config(jobqueue.fastConfig().runWorkers(false).build())
                .dataSource(db.dataSource())
                .listener(
                    new JobEventListener() {
                      @Override
                      public void jobsCreated(String type, int count) {
                        createdEvents.merge(type, count, Integer::sum);
                      }
                    })
                .handler(JobHandler.of("sync", Sync.class, (p, c) -> null))
                .handler(JobHandler.of("other", Sync.class, (p, c) -> null)));
  }

  static CreateJobOptions sync(String account, String note, UniqueOptions unique) {
    return CreateJobOptions.builder("sync", new Sync(account, note)).unique(unique).build();
  }

  // ---------------------------------------------------------------- duplicates

  @Test
  void aHeldKeyReturnsTheHoldersIdAsADuplicate() {
    createdEvents.clear();
    EnqueueResult first = manager.enqueue(sync("a1", "x", UniqueOptions.byKey("acct-a1")));
    EnqueueResult second = manager.enqueue(sync("a1", "y", UniqueOptions.byKey("acct-a1")));
    String third = manager.createJob(sync("a1", "z", UniqueOptions.byKey("acct-a1")));

    assertThat(first.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(first.isDuplicate()).isFalse();
    assertThat(second).isEqualTo(new EnqueueResult(first.id(), Outcome.DUPLICATE));
    assertThat(second.isDuplicate()).isTrue();
    assertThat(third).isEqualTo(first.id());
    assertThat(rows.count()).isEqualTo(1);
    Job job = manager.getJob(first.id()).orElseThrow();
    assertThat(job.uniqueKey()).contains("acct-a1");
    assertThat(job.payloadAs(Sync.class).note()).as("the duplicates wrote nothing").isEqualTo("x");
    assertThat(rows.holds(first.id(), "unique_states = array['pending', 'running']")).isTrue();
    assertThat(createdEvents).as("listeners hear of created jobs only").containsExactly(entry(1));
  }

  private static Map.Entry<String, Integer> entry(int count) {
    return Map.entry("sync", count);
  }

  @Test
  void theKeyIsScopedToTheTypeAndJobsWithoutOneAreUnaffected() {
    String sync = manager.createJob(sync("a2", "x", UniqueOptions.byKey("k")));
    String other =
        manager.createJob(
            CreateJobOptions.builder("other", new Sync("a2", "x"))
                .unique(UniqueOptions.byKey("k"))
                .build());
    String plain1 = manager.createJob(CreateJobOptions.of("sync", new Sync("a2", "x")));
    String plain2 = manager.createJob(CreateJobOptions.of("sync", new Sync("a2", "x")));

    assertThat(List.of(sync, other, plain1, plain2)).doesNotHaveDuplicates();
    assertThat(manager.getJob(plain1).orElseThrow().uniqueKey()).isEmpty();
    assertThat(rows.holds(plain1, "unique_states is null")).isTrue();
  }

  @Test
  void concurrentCallsWithOneKeyCreateExactlyOneJob() throws Exception {
    int threads = 12;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 5; round++) {
        CyclicBarrier start = new CyclicBarrier(threads);
        String key = "race-" + round;
        List<Future<EnqueueResult>> calls = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          calls.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return manager.enqueue(sync("r", "x", UniqueOptions.byKey(key)));
                  }));
        }
        List<EnqueueResult> results = new ArrayList<>();
        for (Future<EnqueueResult> call : calls) {
          results.add(call.get(30, TimeUnit.SECONDS));
        }
        assertThat(results).filteredOn(r -> r.outcome() == Outcome.CREATED).hasSize(1);
        assertThat(results).extracting(EnqueueResult::id).containsOnly(results.get(0).id());
        assertThat(rows.count("unique_key = '" + key + "'")).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- derived keys and buckets

  @Test
  void aKeyDerivedFromPayloadFieldsIsTheirCanonicalJson() {
    EnqueueResult record =
        manager.enqueue(sync("a3", "first", UniqueOptions.byPayload("accountId")));
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("note", "second");
    map.put("accountId", "a3");
    EnqueueResult fromMap =
        manager.enqueue(
            CreateJobOptions.builder("sync", map)
                .unique(UniqueOptions.byPayload("accountId"))
                .build());
    EnqueueResult both =
        manager.enqueue(sync("a3", "first", UniqueOptions.byPayload("note", "accountId")));

    assertThat(manager.getJob(record.id()).orElseThrow().uniqueKey())
        .contains("{\"accountId\":\"a3\"}");
    assertThat(fromMap).isEqualTo(new EnqueueResult(record.id(), Outcome.DUPLICATE));
    assertThat(manager.getJob(both.id()).orElseThrow().uniqueKey())
        .contains("{\"accountId\":\"a3\",\"note\":\"first\"}");
  }

  @Test
  void theWholePayloadIsTheKeyWhenNoFieldIsNamed() {
    EnqueueResult a = manager.enqueue(sync("a4", "x", UniqueOptions.byPayload()));
    EnqueueResult same = manager.enqueue(sync("a4", "x", UniqueOptions.byPayload()));
    EnqueueResult other = manager.enqueue(sync("a4", "y", UniqueOptions.byPayload()));
    // A null field is a value of the key, not a missing one.
    EnqueueResult nullNote = manager.enqueue(sync("a4", null, UniqueOptions.byPayload("note")));

    assertThat(same).isEqualTo(new EnqueueResult(a.id(), Outcome.DUPLICATE));
    assertThat(other.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(manager.getJob(a.id()).orElseThrow().uniqueKey())
        .contains("{\"accountId\":\"a4\",\"note\":\"x\"}");
    assertThat(manager.getJob(nullNote.id()).orElseThrow().uniqueKey()).contains("{\"note\":null}");
  }

  @Test
  void aKeyTooLongToStoreIsStoredAsItsSha256() {
    String longNote = "n".repeat(300);
    EnqueueResult a = manager.enqueue(sync("a5", longNote, UniqueOptions.byPayload("note")));
    EnqueueResult again = manager.enqueue(sync("a5", longNote, UniqueOptions.byPayload("note")));
    EnqueueResult other =
        manager.enqueue(sync("a5", longNote + "!", UniqueOptions.byPayload("note")));

    assertThat(manager.getJob(a.id()).orElseThrow().uniqueKey().orElseThrow())
        .matches("sha256:[0-9a-f]{64}");
    assertThat(again).isEqualTo(new EnqueueResult(a.id(), Outcome.DUPLICATE));
    assertThat(other.outcome()).isEqualTo(Outcome.CREATED);
  }

  @Test
  void aPeriodAddsTheTimeBucketOfTheCallToTheKey() throws InterruptedException {
    UniqueOptions hourly = UniqueOptions.byKey("report").period(Duration.ofHours(1));
    Instant before = Instant.now().truncatedTo(ChronoUnit.HOURS);
    EnqueueResult a = manager.enqueue(sync("a6", "x", hourly));
    Instant after = Instant.now().truncatedTo(ChronoUnit.HOURS);
    assertThat(manager.getJob(a.id()).orElseThrow().uniqueKey().orElseThrow())
        .isIn("report@" + before + "/PT1H", "report@" + after + "/PT1H");

    // Buckets of 400 ms: the same bucket conflicts, the next one does not.
    UniqueOptions shortBuckets = UniqueOptions.byKey("tick").period(Duration.ofMillis(400));
    long bucket = 400;
    long now = System.currentTimeMillis();
    if (now % bucket > bucket - 150) {
      Thread.sleep(bucket - now % bucket + 10); // not at the end of a bucket
    }
    EnqueueResult first = manager.enqueue(sync("a6", "x", shortBuckets));
    EnqueueResult sameBucket = manager.enqueue(sync("a6", "x", shortBuckets));
    Thread.sleep(bucket - System.currentTimeMillis() % bucket + 10);
    EnqueueResult nextBucket = manager.enqueue(sync("a6", "x", shortBuckets));

    assertThat(sameBucket).isEqualTo(new EnqueueResult(first.id(), Outcome.DUPLICATE));
    assertThat(nextBucket.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(manager.getJob(first.id()).orElseThrow().uniqueKey().orElseThrow())
        .startsWith("tick@")
        .endsWith("/PT0.4S");
  }

  // ---------------------------------------------------------------- states

  @Test
  void aCompletedJobHoldsNoKeyByDefault() {
    String a = manager.createJob(sync("a7", "x", UniqueOptions.byKey("done")));
    finish(a, "completed", Duration.ZERO);

    EnqueueResult b = manager.enqueue(sync("a7", "y", UniqueOptions.byKey("done")));

    assertThat(b.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(b.id()).isNotEqualTo(a);
    assertThat(rows.count("unique_key = 'done'")).isEqualTo(2);
  }

  @Test
  void countingCompletedWithinHoldsTheKeyForThatLongAfterCompletion() {
    UniqueOptions withinHour =
        UniqueOptions.byKey("recent").countingCompletedWithin(Duration.ofHours(1));
    String a = manager.createJob(sync("a8", "x", withinHour));
    assertThat(rows.holds(a, "unique_states = array['pending', 'running', 'completed']")).isTrue();
    finish(a, "completed", Duration.ofMinutes(10));

    EnqueueResult withinWindow = manager.enqueue(sync("a8", "y", withinHour));
    // An arrival that does not count completed jobs takes the key over at once.
    EnqueueResult notCounting = manager.enqueue(sync("a8", "z", UniqueOptions.byKey("recent")));

    assertThat(withinWindow).isEqualTo(new EnqueueResult(a, Outcome.DUPLICATE));
    assertThat(notCounting.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(manager.getJob(a).orElseThrow().uniqueKey()).as("gave its key up").isEmpty();
    assertThat(rows.holds(a, "unique_states is null")).isTrue();
  }

  @Test
  void aCompletedJobOlderThanTheWindowGivesItsKeyUp() {
    UniqueOptions withinHour =
        UniqueOptions.byKey("old").countingCompletedWithin(Duration.ofHours(1));
    String a = manager.createJob(sync("a9", "x", withinHour));
    finish(a, "completed", Duration.ofMinutes(61));

    EnqueueResult b = manager.enqueue(sync("a9", "y", withinHour));
    EnqueueResult c = manager.enqueue(sync("a9", "z", withinHour));

    assertThat(b.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(c).isEqualTo(new EnqueueResult(b.id(), Outcome.DUPLICATE));
    assertThat(manager.getJob(a).orElseThrow().uniqueKey()).isEmpty();
    assertThat(manager.getJob(b.id()).orElseThrow().uniqueKey()).contains("old");
  }

  @Test
  void failedAndCancelledJobsHoldTheKeyWhenCounted() {
    String failed = manager.createJob(sync("a10", "x", UniqueOptions.byKey("f").countingFailed()));
    finish(failed, "failed", Duration.ZERO);
    String cancelled =
        manager.createJob(sync("a10", "x", UniqueOptions.byKey("c").countingCancelled()));
    assertThat(manager.cancelJob(cancelled)).isTrue();

    assertThat(manager.enqueue(sync("a10", "y", UniqueOptions.byKey("f").countingFailed())))
        .isEqualTo(new EnqueueResult(failed, Outcome.DUPLICATE));
    assertThat(manager.enqueue(sync("a10", "y", UniqueOptions.byKey("c").countingCancelled())))
        .isEqualTo(new EnqueueResult(cancelled, Outcome.DUPLICATE));
    // Without counting them, a later job takes the key over.
    assertThat(manager.enqueue(sync("a10", "y", UniqueOptions.byKey("f"))).outcome())
        .isEqualTo(Outcome.CREATED);
    assertThat(manager.getJob(failed).orElseThrow().uniqueKey()).isEmpty();
  }

  // ---------------------------------------------------------------- replace mode

  @Test
  void replaceModeReplacesThePayloadAndRunTimeOfThePendingJob() {
    createdEvents.clear();
    Instant early = Instant.now().plus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.MILLIS);
    Instant late = early.plus(Duration.ofMinutes(10));
    UniqueOptions debounce = UniqueOptions.byPayload("accountId").replacingPending();
    String a =
        manager.createJob(
            CreateJobOptions.builder("sync", new Sync("a11", "first"))
                .priority(JobPriority.HIGH)
                .scheduledAt(early)
                .unique(debounce)
                .build());

    EnqueueResult replaced =
        manager.enqueue(
            CreateJobOptions.builder("sync", new Sync("a11", "second"))
                .scheduledAt(late)
                .unique(debounce)
                .build());

    assertThat(replaced).isEqualTo(new EnqueueResult(a, Outcome.REPLACED));
    assertThat(replaced.isDuplicate()).isFalse();
    Job job = manager.getJob(a).orElseThrow();
    assertThat(job.payloadAs(Sync.class).note()).isEqualTo("second");
    assertThat(job.scheduledAt()).isEqualTo(late);
    assertThat(rows.get(a).runAt()).isEqualTo(late);
    assertThat(job.priority()).as("other options stay").isEqualTo(JobPriority.HIGH);
    assertThat(rows.count()).isEqualTo(1);
    assertThat(createdEvents).as("a replaced job is not a created one").containsExactly(entry(1));

    // Without scheduledAt the replaced job is due now.
    manager.enqueue(sync("a11", "third", debounce));
    assertThat(rows.holds(a, "run_at <= now() and scheduled_at = run_at")).isTrue();
  }

  @Test
  void replaceModeLeavesARunningJobAloneAndReportsADuplicate() {
    UniqueOptions debounce = UniqueOptions.byKey("busy").replacingPending();
    String a = manager.createJob(sync("a12", "first", debounce));
    db.execute(
        "update "
            + rows.table()
            + " set status = 'running', locked_by = 'elsewhere', started_at = now(),"
            + " lease_expires_at = now() + interval '1 hour', attempt = 1 where id = "
            + a);

    EnqueueResult result = manager.enqueue(sync("a12", "second", debounce));

    assertThat(result).isEqualTo(new EnqueueResult(a, Outcome.DUPLICATE));
    assertThat(manager.getJob(a).orElseThrow().payloadAs(Sync.class).note()).isEqualTo("first");
    assertThat(rows.count()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- retryJob

  @Test
  void retryJobRefusesWhileAnotherJobHoldsTheKey() {
    String a = manager.createJob(sync("a13", "x", UniqueOptions.byKey("again")));
    finish(a, "failed", Duration.ZERO);
    String b = manager.createJob(sync("a13", "y", UniqueOptions.byKey("again")));
    assertThat(b).isNotEqualTo(a);

    JobValidationException refused =
        catchThrowableOfType(JobValidationException.class, () -> manager.retryJob(a));

    assertThat(refused.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.field()).isEqualTo("uniqueKey");
              assertThat(e.rejectedValue()).isEqualTo("again");
              assertThat(e.message()).contains("job " + b + " (pending)");
            });
    assertThat(rows.get(a).status()).isEqualTo("failed");

    // Once the holder completed (it does not count completed jobs), the retry takes the key back.
    finish(b, "completed", Duration.ZERO);
    assertThat(manager.retryJob(a)).isTrue();
    assertThat(rows.get(a).status()).isEqualTo("pending");
    assertThat(manager.enqueue(sync("a13", "z", UniqueOptions.byKey("again"))))
        .isEqualTo(new EnqueueResult(a, Outcome.DUPLICATE));
  }

  @Test
  void retryJobTakesTheKeyFromAHolderInAStateItDoesNotCount() {
    String a = manager.createJob(sync("a14", "x", UniqueOptions.byKey("back")));
    finish(a, "cancelled", Duration.ZERO);
    UniqueOptions withinHour =
        UniqueOptions.byKey("back").countingCompletedWithin(Duration.ofHours(1));
    String b = manager.createJob(sync("a14", "y", withinHour));
    finish(b, "completed", Duration.ZERO);

    assertThat(manager.retryJob(a)).isTrue();

    assertThat(manager.getJob(b).orElseThrow().uniqueKey()).isEmpty();
    assertThat(manager.getJob(a).orElseThrow().uniqueKey()).contains("back");
    // A job that held its key while failed keeps it through the retry.
    String c = manager.createJob(sync("a14", "x", UniqueOptions.byKey("kept").countingFailed()));
    finish(c, "failed", Duration.ZERO);
    assertThat(manager.retryJob(c)).isTrue();
  }

  /** Puts a job into a final state, {@code ago} in the past by the database clock. */
  private void finish(String id, String status, Duration ago) {
    db.execute(
        "update "
            + rows.table()
            + " set status = '"
            + status
            + "', completed_at = now() - interval '"
            + ago.toMillis()
            + " milliseconds' where id = "
            + id);
  }
}
