package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.testing.DrainResult;
import dev.jobqueue.testing.HandlerRun;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobQueueTestKit;
import dev.jobqueue.testing.TestJobContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The public test kit ({@code dev.jobqueue.testing}) against a real database: the drain runs the
 * engine's claim, outcome, retry and completion code on the calling thread; the enqueued assertions
 * and their messages; one handler with a test context; and the time helpers, which move stored
 * times while the database clock decides.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobQueueTestKitIT {

  record Email(String to, int count) {}

  record Work(String name) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .truncatingAfterEach("schedules", "ledger")
          .withSql("create table {schema}.ledger (job_id text primary key)");

  /** A manager whose workers do not run, as the kit's users build it. */
  private JobQueueManager manager(JobQueueConfig.Builder config, JobHandler<?>... handlers) {
    return jobqueue.start("kit", config.runWorkers(false).build(), handlers);
  }

  private JobQueueManager manager(JobHandler<?>... handlers) {
    return manager(jobqueue.fastConfig(), handlers);
  }

  private static JobHandler<Work> succeeding(String type, List<String> ran) {
    return JobHandler.of(
        type,
        Work.class,
        (payload, ctx) -> {
          ran.add(type + ":" + payload.name());
          return Map.of("done", payload.name());
        });
  }

  // -------------------------------------------------------------------------------- drain

  @Test
  void theDrainRunsEveryDueJobOnTheCallingThreadAndStoresTheOutcomes() {
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    JobQueueManager jobs =
        manager(
            JobHandler.of(
                "work",
                Work.class,
                (payload, ctx) -> {
                  threads.add(Thread.currentThread());
                  return Map.of("done", payload.name());
                }));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    List<String> ids = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      ids.add(jobs.createJob(CreateJobOptions.of("work", new Work(name))));
    }

    DrainResult result = kit.drain();

    assertThat(result.total()).isEqualTo(3);
    assertThat(result.succeeded()).isEqualTo(3);
    assertThat(result.count("work", AttemptOutcome.SUCCEEDED)).isEqualTo(3);
    assertThat(result.byType()).isEqualTo(Map.of("work", Map.of(AttemptOutcome.SUCCEEDED, 3)));
    assertThat(result.attempts()).extracting(DrainResult.Attempt::jobId).isEqualTo(ids);
    assertThat(threads).containsOnly(Thread.currentThread()).hasSize(3);
    for (String id : ids) {
      Job job = jobs.getJob(id).orElseThrow();
      assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(job.attempt()).isEqualTo(1);
      assertThat(job.resultJson()).isPresent();
    }
    assertThat(kit.drain().total()).as("nothing is due any more").isZero();
    assertThat(jobs.getProcessingStats().node().overall().succeeded())
        .as("the engine's statistics counted the attempts")
        .isEqualTo(3);
  }

  @Test
  void aJobEnqueuedByAHandlerDuringTheDrainRunsInTheSameDrain() {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    AtomicReference<JobQueueManager> self = new AtomicReference<>();
    JobQueueManager jobs =
        manager(
            JobHandler.of(
                "parent",
                Work.class,
                (payload, ctx) -> {
                  ran.add("parent");
                  self.get()
                      .createJob(CreateJobOptions.of("child", new Work("from " + ctx.jobId())));
                  return null;
                }),
            succeeding("child", ran));
    self.set(jobs);
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    String parent = jobs.createJob(CreateJobOptions.of("parent", new Work("p")));

    DrainResult result = kit.drain().assertNoFailures();

    assertThat(ran).containsExactly("parent", "child:from " + parent);
    assertThat(result.attempts())
        .extracting(DrainResult.Attempt::type)
        .containsExactly("parent", "child");
    assertThat(result.count("child", AttemptOutcome.SUCCEEDED)).isEqualTo(1);
    kit.assertNotEnqueued("child");
  }

  @Test
  void aFailedJobIsRetriedOnlyOnceItsRetryIsDue() {
    AtomicInteger calls = new AtomicInteger();
    JobQueueManager jobs =
        manager(
            jobqueue
                .fastConfig()
                .retryStrategy(RetryStrategy.FIXED)
                .retryBaseDelay(Duration.ofHours(1))
                .retryMaxDelay(Duration.ofHours(1)),
            JobHandler.of(
                "flaky",
                Work.class,
                (payload, ctx) -> {
                  if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("first attempt fails");
                  }
                  return null;
                }));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    String id = jobs.createJob(CreateJobOptions.of("flaky", new Work("w")));

    DrainResult first = kit.drain();
    assertThat(first.retried()).isEqualTo(1);
    assertThat(first.total()).isEqualTo(1);
    Job waiting = jobs.getJob(id).orElseThrow();
    assertThat(waiting.status()).isEqualTo(JobStatus.PENDING);
    assertThat(waiting.retryCount()).isEqualTo(1);
    assertThatThrownBy(first::assertNoFailures)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("flaky job " + id + " RETRIED");

    assertThat(kit.drain().total()).as("the retry is an hour away").isZero();
    assertThat(kit.advance(Duration.ofMinutes(59))).isEqualTo(1);
    assertThat(kit.drain().total()).as("still a minute away").isZero();
    assertThat(calls).hasValue(1);

    assertThat(kit.advance(Duration.ofMinutes(1))).isEqualTo(1);
    DrainResult second = kit.drain().assertNoFailures();

    assertThat(second.succeeded()).isEqualTo(1);
    assertThat(calls).hasValue(2);
    Job done = jobs.getJob(id).orElseThrow();
    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.errors())
        .extracting(JobError::message)
        .containsExactly("IllegalStateException: first attempt fails");
  }

  @Test
  void aJobScheduledLaterRunsOnceMadeDueKeepingItsScheduledTime() {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    JobQueueManager jobs = manager(succeeding("later", ran));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    Instant inADay = Instant.now().plus(Duration.ofDays(1));
    String id =
        jobs.createJob(
            CreateJobOptions.builder("later", new Work("x")).scheduledAt(inADay).build());

    assertThat(kit.drain().total()).isZero();
    kit.assertEnqueued("later");

    assertThat(kit.makeDue(id)).isTrue();
    assertThat(kit.drain().succeeded()).isEqualTo(1);
    assertThat(ran).containsExactly("later:x");
    Job job = jobs.getJob(id).orElseThrow();
    assertThat(Duration.between(inADay, job.scheduledAt()).abs())
        .as("scheduledAt stays (stored to the microsecond)")
        .isLessThanOrEqualTo(Duration.ofNanos(1_000));

    assertThat(kit.makeDue(id)).as("completed: not pending").isFalse();
    assertThat(kit.makeDue("999999999")).isFalse();
    assertThat(kit.makeDue("not-an-id")).isFalse();
  }

  @Test
  void makeAllDueMovesOnlyThePendingJobsNotYetDue() {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    JobQueueManager jobs = manager(succeeding("a", ran), succeeding("b", ran));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    Instant later = Instant.now().plus(Duration.ofHours(2));
    jobs.createJob(CreateJobOptions.builder("a", new Work("1")).scheduledAt(later).build());
    jobs.createJob(CreateJobOptions.builder("b", new Work("2")).scheduledAt(later).build());
    jobs.createJob(CreateJobOptions.of("b", new Work("now")));

    assertThat(kit.makeAllDue("a")).isEqualTo(1);
    assertThat(kit.drain().total()).isEqualTo(2);
    assertThat(kit.makeAllDue()).isEqualTo(1);
    assertThat(kit.drain().total()).isEqualTo(1);
    assertThat(ran).containsExactlyInAnyOrder("a:1", "b:now", "b:2");
    assertThatThrownBy(() -> kit.advance(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theEndlessLoopGuardStopsADrainThatNeverRunsOutOfDueJobs() {
    AtomicReference<JobQueueManager> self = new AtomicReference<>();
    JobQueueManager jobs =
        manager(
            JobHandler.of(
                "forever",
                Work.class,
                (payload, ctx) -> {
                  self.get().createJob(CreateJobOptions.of("forever", new Work("again")));
                  return null;
                }));
    self.set(jobs);
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    jobs.createJob(CreateJobOptions.of("forever", new Work("start")));

    assertThatThrownBy(() -> kit.drain(5))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the drain stopped after 5 attempts with jobs still due")
        .hasMessageContaining("drain(int) takes a higher limit")
        .hasMessageContaining("5 succeeded")
        .hasMessageContaining("Pending jobs: forever #");

    assertThat(kit.enqueuedJobs("forever")).hasSize(1);
    assertThat(jobs.getJobs(JobFilters.builder().status(JobStatus.COMPLETED).build())).hasSize(5);
    assertThat(jobs.getJobs(JobFilters.builder().status(JobStatus.RUNNING).build()))
        .as("the guard leaves nothing claimed")
        .isEmpty();
  }

  @Test
  void aDrainThatEndsExactlyAtItsLimitDoesNotFail() {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    JobQueueManager jobs = manager(succeeding("work", ran));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    jobs.createJob(CreateJobOptions.of("work", new Work("1")));
    jobs.createJob(CreateJobOptions.of("work", new Work("2")));
    // A job scheduled later is pending but not due: it does not trip the guard either.
    jobs.createJob(
        CreateJobOptions.builder("work", new Work("later"))
            .scheduledAt(Instant.now().plus(Duration.ofHours(1)))
            .build());

    assertThat(kit.drain(2).total()).isEqualTo(2);
    assertThat(ran).containsExactly("work:1", "work:2");
    assertThatThrownBy(() -> kit.drain(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void snoozesAndFailuresAreCountedByType() {
    JobQueueManager jobs =
        manager(
            JobHandler.of(
                "sleepy",
                Work.class,
                (payload, ctx) -> {
                  throw new SnoozeJobException(Duration.ofHours(1));
                }),
            JobHandler.of(
                "broken",
                Work.class,
                (payload, ctx) -> {
                  throw new NonRetryableJobException("cannot ever work");
                }));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    String sleepy = jobs.createJob(CreateJobOptions.of("sleepy", new Work("s")));
    String broken = jobs.createJob(CreateJobOptions.of("broken", new Work("b")));

    DrainResult result = kit.drain();

    assertThat(result.snoozed()).isEqualTo(1);
    assertThat(result.failed()).isEqualTo(1);
    assertThat(result.count("sleepy", AttemptOutcome.SNOOZED)).isEqualTo(1);
    assertThat(result.count("broken", AttemptOutcome.FAILED)).isEqualTo(1);
    assertThat(result.count("broken", AttemptOutcome.SUCCEEDED)).isZero();
    assertThat(result.toString()).contains("1 failed, 1 snoozed");
    assertThat(jobs.getJob(sleepy).orElseThrow().snoozeCount()).isEqualTo(1);
    assertThat(jobs.getJob(broken).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    assertThatThrownBy(result::assertNoFailures)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("broken job " + broken + " FAILED");

    assertThat(kit.makeDue(sleepy)).isTrue();
    assertThat(kit.drain().snoozed()).as("snoozed again once due").isEqualTo(1);
  }

  @Test
  void theDrainIsRefusedWhileTheWorkersRun() {
    JobQueueManager running =
        jobqueue.start("running", jobqueue.fastConfig().runWorkers(true).build());
    JobQueueTestKit kit = JobQueueTestKit.of(running);

    assertThatThrownBy(kit::drain)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("workers would race the drain")
        .hasMessageContaining("runWorkers(false)");
  }

  @Test
  void aHandlerRunByADrainCannotStartTheWorkers() {
    AtomicReference<JobQueueManager> self = new AtomicReference<>();
    AtomicReference<Throwable> refused = new AtomicReference<>();
    JobQueueManager jobs =
        manager(
            JobHandler.of(
                "starter",
                Work.class,
                (payload, ctx) -> {
                  try {
                    self.get().workerPool().start();
                  } catch (IllegalStateException e) {
                    refused.set(e);
                  }
                  return null;
                }));
    self.set(jobs);
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    jobs.createJob(CreateJobOptions.of("starter", new Work("s")));

    assertThat(kit.drain().succeeded()).isEqualTo(1);

    assertThat(refused.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot start the worker pool");
    assertThat(jobs.workerPool().isRunning()).isFalse();
  }

  @Test
  void theKitNeedsAnInitializedManager() {
    JobQueueManager notStarted =
        JobQueueManager.builder()
            .config(jobqueue.fastConfig().runWorkers(false).build())
            .dataSource(jobqueue.db().dataSource())
            .build();
    JobQueueTestKit kit = JobQueueTestKit.of(notStarted);

    assertThatThrownBy(kit::drain)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not initialized");
    assertThatThrownBy(() -> kit.makeDue("1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not initialized");
  }

  // ----------------------------------------------------------------------------- enqueued

  @Test
  void assertEnqueuedMatchesTypeAndPayloadAsStored() {
    JobQueueManager jobs =
        manager(
            succeeding("work", new ArrayList<>()),
            JobHandler.of("email", Email.class, (p, c) -> null));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    String first = jobs.createJob(CreateJobOptions.of("email", new Email("ada@example.com", 2)));
    String second =
        jobs.createJob(CreateJobOptions.of("email", Map.of("to", "bob@example.com", "count", 1)));

    assertThat(kit.assertEnqueued("email").id()).as("the oldest").isEqualTo(first);
    assertThat(kit.assertEnqueued("email", new Email("bob@example.com", 1)).id()).isEqualTo(second);
    assertThat(kit.assertEnqueued("email", Map.of("count", 2L, "to", "ada@example.com")).id())
        .as("keys in any order, numbers by value")
        .isEqualTo(first);
    assertThat(kit.assertEnqueued("email", "{\"count\": 2.0, \"to\": \"ada@example.com\"}").id())
        .isEqualTo(first);
    assertThat(kit.assertEnqueued("email", Email.class, e -> e.to().startsWith("bob")).id())
        .isEqualTo(second);
    assertThat(kit.enqueuedJobs("email")).extracting(Job::id).containsExactly(first, second);
    assertThat(kit.enqueuedJobs()).extracting(Job::id).containsExactly(first, second);
    kit.assertNotEnqueued("work");
    kit.assertNotEnqueued("email", new Email("carol@example.com", 1));

    kit.drain();
    kit.assertNotEnqueued("email");
    assertThat(kit.enqueuedJobs()).isEmpty();
  }

  @Test
  void failedEnqueuedAssertionsNameTheTypeAndListWhatWasEnqueued() {
    JobQueueManager jobs =
        manager(
            succeeding("work", new ArrayList<>()),
            JobHandler.of("email", Email.class, (p, c) -> null));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);

    assertThatThrownBy(() -> kit.assertEnqueued("email"))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "expected a pending job of type 'email', but none was enqueued. No job is pending.");

    String email = jobs.createJob(CreateJobOptions.of("email", new Email("ada@example.com", 2)));
    String work = jobs.createJob(CreateJobOptions.of("work", new Work("w")));
    // Listed as stored (PostgreSQL's jsonb text); the expected payload as createJob writes it.
    String emailJson = jobs.getJob(email).orElseThrow().payloadJson();
    String workJson = jobs.getJob(work).orElseThrow().payloadJson();
    assertThat(emailJson).contains("\"ada@example.com\"").contains("2");

    assertThatThrownBy(() -> kit.assertEnqueued("report"))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "expected a pending job of type 'report', but none was enqueued. Pending jobs: email #"
                + email
                + " "
                + emailJson
                + "; work #"
                + work
                + " "
                + workJson);
    assertThatThrownBy(() -> kit.assertEnqueued("email", new Email("bob@example.com", 2)))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "expected a pending job of type 'email' with payload"
                + " {\"to\":\"bob@example.com\",\"count\":2}, but the 1 of that type do not match:"
                + " email #"
                + email
                + " "
                + emailJson);
    assertThatThrownBy(() -> kit.assertEnqueued("email", Email.class, e -> e.count() > 5))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("whose Email payload matches")
        .hasMessageContaining("email #" + email);
    assertThatThrownBy(() -> kit.assertNotEnqueued("email"))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "expected no pending job of type 'email', but 1 were enqueued: email #"
                + email
                + " "
                + emailJson);
    assertThatThrownBy(() -> kit.assertNotEnqueued("email", new Email("ada@example.com", 2)))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "expected no pending job of type 'email' with payload"
                + " {\"to\":\"ada@example.com\",\"count\":2}, but 1 were enqueued: email #"
                + email
                + " "
                + emailJson);
    assertThatThrownBy(() -> kit.assertEnqueued("email", "[1, 2]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON object");
  }

  // -------------------------------------------------------------------------- one handler

  @Test
  void runHandlerDecodesThePayloadAsTheEngineDoesAndReportsTheOutcome() {
    AtomicReference<Email> received = new AtomicReference<>();
    AtomicReference<Integer> attempt = new AtomicReference<>();
    JobHandler<Email> handler =
        JobHandler.of(
            "email",
            Email.class,
            (payload, ctx) -> {
              received.set(payload);
              attempt.set(ctx.attempt());
              if (payload.count() < 0) {
                throw new IllegalStateException("negative");
              }
              return Map.of("sent", payload.count());
            },
            (payload, errors) -> {
              if (payload.to().isBlank()) {
                errors.reject("to", "must not be blank", payload.to());
              }
            });

    HandlerRun ok =
        JobQueueTestKit.runHandler(handler, Map.of("to", "ada@example.com", "count", 3))
            .assertSucceeded();
    assertThat(received.get()).isEqualTo(new Email("ada@example.com", 3));
    assertThat(ok.resultJson()).hasValue("{\"sent\":3}");
    assertThat(ok.resultAs(Map.class)).hasValue(Map.of("sent", 3));
    assertThat(attempt.get()).isEqualTo(1);

    HandlerRun retried =
        JobQueueTestKit.runHandler(
                handler, new Email("a@b.c", -1), TestJobContext.builder().attempt(2).build())
            .assertRetried();
    assertThat(retried.error()).hasValue("IllegalStateException: negative");
    assertThat(retried.thrown()).containsInstanceOf(IllegalStateException.class);
    assertThat(retried.retryable()).isTrue();
    assertThat(retried.retryDelay())
        .as("the default exponential strategy's second retry")
        .hasValue(
            RetryStrategy.EXPONENTIAL.delay(
                2,
                JobQueueConfig.defaults().retryBaseDelay(),
                JobQueueConfig.defaults().retryMaxDelay()));
    assertThat(attempt.get()).isEqualTo(2);

    JobQueueTestKit.runHandler(
            handler,
            new Email("a@b.c", -1),
            TestJobContext.builder().attempt(4).maxRetries(3).build())
        .assertFailed();

    assertThatThrownBy(() -> JobQueueTestKit.runHandler(handler, new Email(" ", 1)))
        .isInstanceOf(JobValidationException.class)
        .hasMessageContaining("must not be blank");

    AssertionError wrong =
        org.junit.jupiter.api.Assertions.assertThrows(
            AssertionError.class,
            () -> JobQueueTestKit.runHandler(handler, new Email("a@b.c", -1)).assertSucceeded());
    assertThat(wrong)
        .hasMessageContaining("expected the handler of 'email' to end SUCCEEDED")
        .hasMessageContaining("RETRIED")
        .hasMessageContaining("IllegalStateException: negative")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aTestContextKeepsEveryProgressReportAndChecksItsValuesAsTheEngineDoes() {
    JobHandler<Email> handler =
        JobHandler.of(
            "email",
            Email.class,
            (payload, ctx) -> {
              for (int i = 1; i <= payload.count(); i++) {
                ctx.reportProgress(100 * i / payload.count(), "sent " + i);
              }
              return null;
            });
    TestJobContext context = TestJobContext.create();
    JobQueueTestKit.runHandler(handler, new Email("a@b.c", 4), context).assertSucceeded();
    assertThat(context.progressReports())
        .extracting(JobProgress::percent, JobProgress::message)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple(25, "sent 1"),
            org.assertj.core.api.Assertions.tuple(50, "sent 2"),
            org.assertj.core.api.Assertions.tuple(75, "sent 3"),
            org.assertj.core.api.Assertions.tuple(100, "sent 4"));
    assertThatThrownBy(() -> TestJobContext.create().reportProgress(-1, ""))
        .hasMessage("progress percent must be between 0 and 100 (was -1)");
    assertThatThrownBy(() -> TestJobContext.create().reportProgress(5, "x".repeat(201)))
        .hasMessage("progress message must be at most 200 characters (was 201)");
  }

  @Test
  void runHandlerUsesTheManagersHandlerAndRulesAndStoredPayloadsReadLeniently() {
    JobHandler<Work> handler =
        JobHandler.of("work", Work.class, (payload, ctx) -> "ran " + payload.name());
    JobQueueManager jobs =
        manager(
            jobqueue
                .fastConfig()
                .retryStrategy(RetryStrategy.FIXED)
                .retryBaseDelay(Duration.ofSeconds(7))
                .retryMaxDelay(Duration.ofSeconds(7)),
            handler,
            JobHandler.of(
                "fails",
                Work.class,
                (payload, ctx) -> {
                  throw new IllegalStateException("no");
                }));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);

    assertThat(
            kit.runHandler("fails", new Work("x"), TestJobContext.create())
                .assertRetried()
                .retryDelay())
        .hasValue(Duration.ofSeconds(7));
    assertThatThrownBy(() -> kit.runHandler("nope", new Work("x"), TestJobContext.create()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no handler for type 'nope'")
        .hasMessageContaining("[fails, work]");

    HandlerRun old =
        JobQueueTestKit.runHandlerOnStoredPayload(
            handler, "{\"name\":\"n\",\"removedField\":1}", TestJobContext.create());
    assertThat(old.assertSucceeded().resultJson()).hasValue("\"ran n\"");
    HandlerRun broken =
        JobQueueTestKit.runHandlerOnStoredPayload(
            handler, "{\"name\":{\"nested\":true}}", TestJobContext.create());
    assertThat(broken.assertFailed().retryable()).isFalse();
    assertThat(broken.error())
        .hasValueSatisfying(e -> assertThat(e).contains("no longer converts"));
  }

  @Test
  void snoozesAreReportedAndTheSnoozeCapMakesOneAFailure() {
    JobHandler<Work> handler =
        JobHandler.of(
            "sleepy",
            Work.class,
            (payload, ctx) -> {
              throw new SnoozeJobException(Duration.ofMinutes(5));
            });

    HandlerRun snoozed = JobQueueTestKit.runHandler(handler, new Work("s")).assertSnoozed();
    assertThat(snoozed.snoozeDelay()).hasValue(Duration.ofMinutes(5));
    assertThat(snoozed.retryDelay()).isEmpty();

    int cap = JobQueueConfig.defaults().maxSnoozes();
    HandlerRun capped =
        JobQueueTestKit.runHandler(
                handler, new Work("s"), TestJobContext.builder().snoozeCount(cap).build())
            .assertRetried();
    assertThat(capped.error())
        .hasValueSatisfying(e -> assertThat(e).contains("snooze cap reached"));
  }

  @Test
  void theTestContextCarriesItsValuesAndRequestsCancellationWhenTold() {
    AtomicReference<String> seen = new AtomicReference<>();
    JobHandler<Work> loop =
        JobHandler.of(
            "loop",
            Work.class,
            (payload, ctx) -> {
              seen.set(
                  ctx.jobId()
                      + "/"
                      + ctx.jobType()
                      + "/"
                      + ctx.attempt()
                      + "/"
                      + ctx.maxRetries()
                      + "/"
                      + ctx.snoozeCount()
                      + "/"
                      + ctx.workerId()
                      + "/"
                      + ctx.scheduleName().orElse("-"));
              int units = 0;
              while (!ctx.isCancellationRequested()) {
                units++;
              }
              return units;
            });
    Instant occurrence = Instant.parse("2030-01-01T00:00:00Z");
    TestJobContext ctx =
        TestJobContext.builder()
            .jobId("42")
            .attempt(2)
            .maxRetries(5)
            .snoozeCount(1)
            .workerId("w")
            .schedule("nightly", occurrence)
            .cancellationRequestedAfter(3)
            .build();

    HandlerRun run = JobQueueTestKit.runHandler(loop, new Work("x"), ctx).assertSucceeded();

    assertThat(seen.get()).isEqualTo("42/loop/2/5/1/w/nightly");
    assertThat(ctx.occurrenceAt()).hasValue(occurrence);
    assertThat(run.resultJson()).hasValue("3");
    assertThat(ctx.cancellationChecks()).isEqualTo(4);

    TestJobContext cancelled = TestJobContext.builder().cancellationRequested(true).build();
    assertThat(JobQueueTestKit.runHandler(loop, new Work("x"), cancelled).resultJson())
        .hasValue("0");
    TestJobContext later = TestJobContext.create();
    assertThat(later.isCancellationRequested()).isFalse();
    later.requestCancellation();
    assertThat(later.isCancellationRequested()).isTrue();
  }

  @Test
  void completeInTransactionCommitsTheWorkOrRefusesALostAttempt() throws Exception {
    String schema = jobqueue.schema();
    JobHandler<Work> ledger =
        JobHandler.of(
            "ledger",
            Work.class,
            (payload, ctx) ->
                ctx.completeInTransaction(
                    connection -> {
                      try (PreparedStatement insert =
                          connection.prepareStatement(
                              "insert into " + schema + ".ledger (job_id) values (?)")) {
                        insert.setString(1, ctx.jobId());
                        insert.executeUpdate();
                      }
                      return Map.of("ledger", "written");
                    }));

    TestJobContext ctx =
        TestJobContext.builder().jobId("7").dataSource(jobqueue.db().dataSource()).build();
    HandlerRun run = JobQueueTestKit.runHandler(ledger, new Work("x"), ctx).assertSucceeded();
    assertThat(run.completedInTransaction()).isTrue();
    assertThat(run.resultJson()).hasValue("{\"ledger\":\"written\"}");
    assertThat(ctx.transactionResult()).hasValue(Map.of("ledger", "written"));
    assertThat(ledgerRows(schema)).containsExactly("7");

    TestJobContext lost =
        TestJobContext.builder()
            .jobId("8")
            .dataSource(jobqueue.db().dataSource())
            .leaseLost(true)
            .build();
    HandlerRun refused = JobQueueTestKit.runHandler(ledger, new Work("x"), lost);
    assertThat(refused.thrown()).containsInstanceOf(LeaseLostException.class);
    assertThat(refused.completedInTransaction()).isFalse();
    assertThat(ledgerRows(schema)).containsExactly("7");

    HandlerRun noDataSource =
        JobQueueTestKit.runHandler(ledger, new Work("x"), TestJobContext.create());
    assertThat(noDataSource.thrown())
        .hasValueSatisfying(
            e ->
                assertThat(e)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("dataSource(...)"));
  }

  private static List<String> ledgerRows(String schema) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = jobqueue.db().dataSource().getConnection();
        PreparedStatement select =
            connection.prepareStatement("select job_id from " + schema + ".ledger order by 1");
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  // ----------------------------------------------------------------------------- schedules

  @Test
  void enqueueScheduleNowInsertsAnOccurrenceThroughTheLeadersLookAndKeepsTheNextOne() {
    List<Optional<String>> seen = Collections.synchronizedList(new ArrayList<>());
    JobQueueManager jobs =
        manager(
            JobHandler.of(
                "tick",
                Work.class,
                (payload, ctx) -> {
                  seen.add(ctx.scheduleName());
                  return null;
                }));
    JobQueueTestKit kit = JobQueueTestKit.of(jobs);
    jobs.addSchedule(
        Schedule.every("hourly", Duration.ofHours(1), CreateJobOptions.of("tick", new Work("t")))
            .overlap(OverlapPolicy.SKIP)
            .build());
    Instant next = jobs.getSchedule("hourly").orElseThrow().nextRunAt().orElseThrow();

    List<String> ids = kit.enqueueScheduleNow("hourly");

    assertThat(ids).hasSize(1);
    Job job = kit.assertEnqueued("tick");
    assertThat(job.id()).isEqualTo(ids.get(0));
    assertThat(job.scheduleName()).hasValue("hourly");
    assertThat(job.occurrenceAt()).isPresent();
    assertThat(job.occurrenceAt().get()).isBefore(next);
    ScheduleInfo info = jobs.getSchedule("hourly").orElseThrow();
    assertThat(info.nextRunAt()).as("the occurrence to come still comes").hasValue(next);
    assertThat(info.runs()).isEqualTo(1);
    assertThat(info.lastJobId()).hasValue(ids.get(0));

    assertThat(kit.enqueueScheduleNow("hourly"))
        .as("overlap SKIP: the previous job is still pending")
        .isEmpty();
    assertThat(kit.drain().succeeded()).isEqualTo(1);
    assertThat(seen).containsExactly(Optional.of("hourly"));
    assertThat(kit.enqueueScheduleNow("hourly")).hasSize(1);

    assertThatThrownBy(() -> kit.enqueueScheduleNow("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no schedule named 'nope'");
    jobs.pauseSchedule("hourly");
    assertThatThrownBy(() -> kit.enqueueScheduleNow("hourly"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is paused");
  }
}
