package dev.jobqueue.testing;

import dev.jobqueue.Job;
import dev.jobqueue.JobFilters;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.internal.JobIds;
import dev.jobqueue.internal.engine.Drain;
import dev.jobqueue.internal.testkit.Payloads;
import dev.jobqueue.internal.testkit.TestKitAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Helpers for an application's own tests of its jobs, against a real {@link JobQueueManager} and
 * its database. Needs nothing beyond the library's own dependencies; failed assertions throw {@link
 * AssertionError}, which every test framework reports as a failure.
 *
 * <pre>{@code
 * JobQueueManager jobs = JobQueueManager.builder()
 *     .config(JobQueueConfig.builder().schema("app_test").runWorkers(false).build())
 *     .dataSource(testDataSource)
 *     .handler(new WelcomeEmailHandler(mailer))
 *     .build();
 * jobs.initialize();
 * JobQueueTestKit kit = JobQueueTestKit.of(jobs);
 *
 * signUp("u1", "ada@example.com");                 // application code that enqueues
 * kit.assertEnqueued("welcome-email", new Welcome("u1", "ada@example.com"));
 * kit.drain().assertNoFailures();                  // runs it, here, now
 * }</pre>
 *
 * <ul>
 *   <li><b>Drain</b> ({@link #drain()}): runs every due job on the calling thread through the real
 *       engine, until none is due.
 *   <li><b>Assert enqueued</b> ({@link #assertEnqueued(String, Object)} and the others): checks the
 *       pending jobs, through {@link JobQueueManager#getJobs(JobFilters)}.
 *   <li><b>Run one handler</b> ({@link #runHandler(JobHandler, Object, TestJobContext)}): calls a
 *       handler with a {@link TestJobContext}, no database needed, and says how the engine would
 *       record the attempt.
 *   <li><b>Time</b> ({@link #makeDue(String)}, {@link #advance(Duration)}, {@link
 *       #enqueueScheduleNow(String)}): moves stored times towards the database's {@code now()}. The
 *       database clock still decides what is due, and the JVM clock is never faked.
 * </ul>
 *
 * <p>Thread-safe; drains of one manager run one at a time.
 */
public final class JobQueueTestKit {

  /** How many attempts {@link #drain()} runs at most before it calls the queue endless. */
  public static final int DEFAULT_MAX_ATTEMPTS = 1_000;

  private final JobQueueManager manager;
  private final TestKitAccess.Backend backend;
  private final PendingJobs pending;

  private JobQueueTestKit(JobQueueManager manager) {
    this.manager = manager;
    this.backend = TestKitAccess.of(manager);
    this.pending = new PendingJobs(manager);
  }

  /**
   * A kit for a manager. The manager may be initialized later; every helper but {@link
   * #runHandler(JobHandler, Object, TestJobContext) the static ones} needs it initialized.
   *
   * @param manager the manager, normally built with {@code runWorkers(false)} (see {@link
   *     #drain()})
   * @return the kit
   */
  public static JobQueueTestKit of(JobQueueManager manager) {
    return new JobQueueTestKit(Objects.requireNonNull(manager, "manager must not be null"));
  }

  /**
   * The manager this kit works on.
   *
   * @return the manager
   */
  public JobQueueManager manager() {
    return manager;
  }

  // ---------------------------------------------------------------------------------- drain

  /**
   * Runs every due job on the calling thread, with at most {@link #DEFAULT_MAX_ATTEMPTS} attempts;
   * see {@link #drain(int)}.
   *
   * @return what ran
   * @throws AssertionError if jobs are still due after that many attempts
   * @throws IllegalStateException if the manager's worker pool runs, or the manager does not
   */
  public DrainResult drain() {
    return drain(DEFAULT_MAX_ATTEMPTS);
  }

  /**
   * Runs every due job on the calling thread, one at a time, until no job is due.
   *
   * <p>Each job is claimed, run and recorded by the manager's own engine: the same claim (due by
   * the database clock, in priority, run time and id order, only the registered types and the
   * queues the manager serves, with queue pauses and limits applied), the same outcome mapping, the
   * same retry rules and snooze cap, the same batched writes, the same statistics and {@link
   * dev.jobqueue.JobEventListener listeners}. Each outcome is stored before the next job is
   * claimed. Jobs that handlers enqueue run in the same drain when they are due; a failed job whose
   * retry is in the future, a snoozed job and a job scheduled later are not due, and stay pending
   * (see {@link #makeDue(String)} and {@link #advance(Duration)}).
   *
   * <p>Not run during a drain: lease renewal, the timeout watchdog ({@code timeoutSeconds} is not
   * enforced), rescue, and the leader's work (schedules, pruning); see {@link
   * #enqueueScheduleNow(String)} for schedules.
   *
   * <p>The manager's worker pool must not run: its workers would race the drain for the same jobs.
   * Build the manager with {@code runWorkers(false)}. A drain on a running pool is refused, and
   * starting the pool while a drain runs waits until the drain returns.
   *
   * @param maxAttempts the most attempts to run; a drain that reaches it with a job still due fails
   *     (a handler that always enqueues another job, or a job that snoozes for zero seconds, would
   *     otherwise keep it going for ever)
   * @return what ran
   * @throws AssertionError if jobs are still due after {@code maxAttempts} attempts; the jobs
   *     already run keep their outcomes
   * @throws IllegalStateException if the manager's worker pool runs, or the manager does not
   * @throws IllegalArgumentException if {@code maxAttempts} is less than 1
   */
  public DrainResult drain(int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    Drain.Result ran = backend.drain(maxAttempts);
    List<DrainResult.Attempt> attempts = new ArrayList<>(ran.attempts().size());
    for (Drain.Attempt attempt : ran.attempts()) {
      attempts.add(
          new DrainResult.Attempt(
              attempt.jobId(),
              attempt.queue(),
              attempt.type(),
              Optional.ofNullable(attempt.outcome())));
    }
    DrainResult result = new DrainResult(attempts);
    if (ran.stillDue()) {
      throw new AssertionError(
          "the drain stopped after "
              + maxAttempts
              + " attempts with jobs still due: a handler may enqueue jobs without end, or a job"
              + " snooze or retry without delay; drain(int) takes a higher limit. "
              + result
              + ". "
              + pending.describeAll());
    }
    return result;
  }

  // ------------------------------------------------------------------------------- enqueued

  /**
   * The pending jobs, of every type: due now or later, retries waiting included; oldest first.
   *
   * @return the jobs
   * @throws IllegalStateException if the manager is not initialized
   */
  public List<Job> enqueuedJobs() {
    return pending.list(null);
  }

  /**
   * The pending jobs of one type, oldest first.
   *
   * @param type the job type
   * @return the jobs
   * @throws IllegalStateException if the manager is not initialized
   */
  public List<Job> enqueuedJobs(String type) {
    return pending.list(Objects.requireNonNull(type, "type must not be null"));
  }

  /**
   * Asserts that a job of {@code type} is pending.
   *
   * @param type the job type
   * @return the oldest such job
   * @throws AssertionError naming the type and listing the pending jobs, if there is none
   */
  public Job assertEnqueued(String type) {
    return pending.assertOne(type, "", job -> true);
  }

  /**
   * Asserts that a job of {@code type} with exactly this payload is pending. The payload is
   * compared as JSON, as it is stored: a record, bean or {@code Map} is written as {@code
   * createJob} writes a payload, a {@code String} is read as JSON text; object keys may come in any
   * order, and numbers compare by value. A handler's payload class converts the stored payload
   * first, so compare with an instance of it or with the full set of its fields.
   *
   * @param type the job type
   * @param payload the expected payload
   * @return the oldest such job
   * @throws AssertionError naming the type and the payload, and listing the pending jobs, if there
   *     is none
   * @throws IllegalArgumentException if the payload is not a JSON object
   */
  public Job assertEnqueued(String type, Object payload) {
    String expected = Payloads.toJson(Objects.requireNonNull(payload, "payload must not be null"));
    return pending.assertOne(
        type, " with payload " + expected, job -> Payloads.sameJson(job.payloadJson(), expected));
  }

  /**
   * Asserts that a job of {@code type} whose payload, read as {@code payloadType}, matches is
   * pending.
   *
   * <pre>{@code
   * kit.assertEnqueued("welcome-email", Welcome.class, w -> w.email().endsWith("@example.com"));
   * }</pre>
   *
   * @param type the job type
   * @param payloadType the class to read payloads as (a payload that does not convert does not
   *     match)
   * @param matching the condition
   * @param <P> the class
   * @return the oldest such job
   * @throws AssertionError naming the type and listing the pending jobs, if there is none
   */
  public <P> Job assertEnqueued(String type, Class<P> payloadType, Predicate<? super P> matching) {
    Objects.requireNonNull(payloadType, "payloadType must not be null");
    Objects.requireNonNull(matching, "matching must not be null");
    return pending.assertOne(
        type,
        " whose " + payloadType.getSimpleName() + " payload matches",
        job -> PendingJobs.converted(job, payloadType).map(matching::test).orElse(false));
  }

  /**
   * Asserts that no job of {@code type} is pending.
   *
   * @param type the job type
   * @throws AssertionError listing the pending jobs of that type, if there is any
   */
  public void assertNotEnqueued(String type) {
    Objects.requireNonNull(type, "type must not be null");
    List<Job> found = pending.list(type);
    if (!found.isEmpty()) {
      throw new AssertionError(
          "expected no pending job of type '"
              + type
              + "', but "
              + found.size()
              + " were enqueued: "
              + PendingJobs.describe(found));
    }
  }

  /**
   * Asserts that no job of {@code type} with this payload is pending; the payload compares as in
   * {@link #assertEnqueued(String, Object)}.
   *
   * @param type the job type
   * @param payload the payload
   * @throws AssertionError listing the pending jobs of that type with that payload, if any
   * @throws IllegalArgumentException if the payload is not a JSON object
   */
  public void assertNotEnqueued(String type, Object payload) {
    Objects.requireNonNull(type, "type must not be null");
    String expected = Payloads.toJson(Objects.requireNonNull(payload, "payload must not be null"));
    List<Job> found =
        pending.list(type).stream()
            .filter(j -> Payloads.sameJson(j.payloadJson(), expected))
            .toList();
    if (!found.isEmpty()) {
      throw new AssertionError(
          "expected no pending job of type '"
              + type
              + "' with payload "
              + expected
              + ", but "
              + found.size()
              + " were enqueued: "
              + PendingJobs.describe(found));
    }
  }

  // ---------------------------------------------------------------------------- one handler

  /**
   * Runs the manager's handler for {@code type} once, on the calling thread, with the manager's
   * configuration (retry rules, snooze cap, payload limit); see {@link #runHandler(JobHandler,
   * Object, TestJobContext)}. Nothing is stored and no job is claimed.
   *
   * @param type the job type
   * @param payload the payload, as it would be passed to {@code createJob}
   * @param context the attempt's context
   * @return what the attempt led to
   * @throws IllegalArgumentException if the manager has no handler for {@code type}
   * @throws dev.jobqueue.JobValidationException if {@code createJob} would refuse the payload
   */
  public HandlerRun runHandler(String type, Object payload, TestJobContext context) {
    Objects.requireNonNull(type, "type must not be null");
    JobHandler<?> handler =
        backend
            .handler(type)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "the manager has no handler for type '"
                            + type
                            + "'; its types are "
                            + manager.getRegisteredTypes()));
    return HandlerRun.run(handler, payload, null, context, backend.config());
  }

  /**
   * Runs a handler once with a default {@link TestJobContext}; see {@link #runHandler(JobHandler,
   * Object, TestJobContext)}.
   *
   * @param handler the handler
   * @param payload the payload, as it would be passed to {@code createJob}
   * @param <P> the handler's payload class
   * @return what the attempt led to
   * @throws dev.jobqueue.JobValidationException if {@code createJob} would refuse the payload
   */
  public static <P> HandlerRun runHandler(JobHandler<P> handler, Object payload) {
    return runHandler(handler, payload, TestJobContext.create());
  }

  /**
   * Runs a handler once, on the calling thread, without a manager or a database, and says how the
   * engine would record the attempt.
   *
   * <p>The payload goes the way a real job's does: converted to the handler's payload class and
   * checked by its {@code validate}, as {@code createJob} does; written as the stored JSON; and
   * read back with the library's JSON mapper, as a worker reads it. So the handler receives what it
   * would receive in production, and a payload {@code createJob} would refuse is refused here. Then
   * {@code execute} runs with {@code context}, and what it returned or threw is classified by the
   * engine's own rules, with the default configuration and the handler's {@link
   * dev.jobqueue.JobPolicy}: see {@link HandlerRun}. The context's attempt, retry budget and snooze
   * count decide whether a failure would be retried and whether a snooze is allowed.
   *
   * @param handler the handler
   * @param payload the payload, as it would be passed to {@code createJob}
   * @param context the attempt's context; its type defaults to the handler's
   * @param <P> the handler's payload class
   * @return what the attempt led to
   * @throws dev.jobqueue.JobValidationException if {@code createJob} would refuse the payload
   */
  public static <P> HandlerRun runHandler(
      JobHandler<P> handler, Object payload, TestJobContext context) {
    return HandlerRun.run(handler, payload, null, context, JobQueueConfig.defaults());
  }

  /**
   * Runs a handler once on a payload as stored, for example one written by an older version of the
   * payload class: read as a worker reads it (unknown fields ignored), not checked by {@code
   * validate}. A payload that no longer converts fails the attempt for good, as in the engine.
   *
   * @param handler the handler
   * @param storedPayloadJson the stored JSON
   * @param context the attempt's context; its type defaults to the handler's
   * @param <P> the handler's payload class
   * @return what the attempt led to
   */
  public static <P> HandlerRun runHandlerOnStoredPayload(
      JobHandler<P> handler, String storedPayloadJson, TestJobContext context) {
    Objects.requireNonNull(storedPayloadJson, "storedPayloadJson must not be null");
    return HandlerRun.run(handler, null, storedPayloadJson, context, JobQueueConfig.defaults());
  }

  // ----------------------------------------------------------------------------------- time

  /**
   * Makes a pending job due now: its stored run time becomes the database's {@code now()}, so the
   * next claim (a {@link #drain()}, or a worker) takes it. For a failed job waiting for its retry,
   * a snoozed job, or a job created with a later {@code scheduledAt}. Nothing else changes: its
   * {@link Job#scheduledAt()}, retry count, snooze count and errors stay.
   *
   * @param jobId the job's id
   * @return false when there is no pending job with that id (unknown, running, or ended)
   * @throws IllegalStateException if the manager is not initialized
   */
  public boolean makeDue(String jobId) {
    OptionalLong id = JobIds.parse(Objects.requireNonNull(jobId, "jobId must not be null"));
    return id.isPresent() && backend.makeDue(id.getAsLong());
  }

  /**
   * Makes every pending job that is not due yet due now; see {@link #makeDue(String)}.
   *
   * @return how many jobs were moved
   * @throws IllegalStateException if the manager is not initialized
   */
  public int makeAllDue() {
    return backend.makeAllDue(null);
  }

  /**
   * Makes every pending job of {@code type} that is not due yet due now; see {@link
   * #makeDue(String)}.
   *
   * @param type the job type
   * @return how many jobs were moved
   * @throws IllegalStateException if the manager is not initialized
   */
  public int makeAllDue(String type) {
    return backend.makeAllDue(Objects.requireNonNull(type, "type must not be null"));
  }

  /**
   * Brings every pending job that is not due yet {@code by} closer, as if that much time had passed
   * for them: one due within {@code by} is due now, one due later comes {@code by} sooner. Only the
   * stored run times move; the database clock does not, and neither do schedules (see {@link
   * #enqueueScheduleNow(String)}).
   *
   * <pre>{@code
   * kit.drain();                           // the first attempt fails; its retry is in 5 minutes
   * kit.advance(Duration.ofMinutes(4));
   * assertEquals(0, kit.drain().total());  // not due yet
   * kit.advance(Duration.ofMinutes(1));
   * kit.drain().assertNoFailures();        // the retry ran
   * }</pre>
   *
   * @param by how much sooner, positive
   * @return how many jobs were moved
   * @throws IllegalArgumentException if {@code by} is not positive
   * @throws IllegalStateException if the manager is not initialized
   */
  public int advance(Duration by) {
    Objects.requireNonNull(by, "by must not be null");
    if (by.isNegative() || by.isZero()) {
      throw new IllegalArgumentException("by must be positive, was " + by);
    }
    return backend.advance(by);
  }

  /**
   * Enqueues a schedule's occurrence now, as the leader would when it falls due: in one
   * transaction, the schedule's next occurrence moves to the database's {@code now()}, and the
   * leader's own code looks at it: its missed-run and overlap policies apply, its job is inserted
   * with {@link Job#scheduleName()} and {@link Job#occurrenceAt()} (now), and the schedule moves
   * on. Its following occurrence is the first of its times after now, so the one that was to come
   * still comes. A schedule whose occurrence is overdue (no leader ran) is looked at as it is. It
   * does not need this node to lead, nor the worker pool to run; {@link #drain()} then runs the
   * job.
   *
   * @param name the schedule's name
   * @return the ids of the jobs enqueued, oldest occurrence first; empty when the overlap policy
   *     holds the occurrence back (the schedule's previous job is still pending or running)
   * @throws IllegalArgumentException if there is no schedule by that name
   * @throws IllegalStateException if the schedule is paused, or the manager is not initialized
   */
  public List<String> enqueueScheduleNow(String name) {
    Objects.requireNonNull(name, "name must not be null");
    return backend.enqueueScheduleNow(name).stream().map(String::valueOf).toList();
  }

  @Override
  public String toString() {
    return "JobQueueTestKit[" + manager.config().schema() + "]";
  }
}
