package dev.jobqueue.internal.maintenance;

import dev.jobqueue.EnqueueResult;
import dev.jobqueue.OverlapPolicy;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.schedule.Look;
import dev.jobqueue.internal.schedule.MissedRuns.Run;
import dev.jobqueue.internal.store.Inserted;
import dev.jobqueue.internal.store.NewJob;
import dev.jobqueue.internal.store.ScheduleDefinition;
import dev.jobqueue.internal.store.ScheduleStore;
import dev.jobqueue.internal.store.ScheduleStore.ScheduleRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enqueues the due occurrences of the stored schedules. Leader-only. Each due schedule is looked at
 * in a transaction of its own: lock its row (skipping one another transaction holds), decide by the
 * database clock what its due occurrences enqueue ({@link Look}), insert their jobs, move the
 * schedule on, commit. The row lock and the unique index on a job's (schedule, occurrence) make a
 * second job for one occurrence impossible, also when two nodes believe they lead.
 *
 * <p>It sleeps until the earliest next occurrence, by the database clock, and never longer than a
 * second, so that a schedule added, changed, paused or deleted on any node takes effect within a
 * second. <strong>Not API.</strong>
 */
public final class Scheduler extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  /** The longest sleep: the bound on how late a change made on another node is seen. */
  static final long MAX_SLEEP_MILLIS = 1_000;

  /** The most schedules one pass looks at before it sleeps. */
  private static final int MAX_PER_PASS = 1_000;

  private final ScheduleStore store;
  private final Duration missedAfter;
  private final Duration lease;
  private final BooleanSupplier leading;

  /**
   * A scheduler.
   *
   * @param store the schedules
   * @param missedAfter how late an occurrence may be enqueued and still be on time
   * @param lease the leader's lease: the longest a look's transaction may sit idle, so that a
   *     leader frozen in a look (a paused JVM, a network cut) releases the schedule's row by the
   *     time another node can lead; otherwise the next leader passes over the locked row for as
   *     long as the freeze lasts, and the occurrences it misses are skipped
   * @param leading whether this node leads right now; checked before each schedule
   */
  public Scheduler(
      ScheduleStore store, Duration missedAfter, Duration lease, BooleanSupplier leading) {
    super(Loop.named("scheduler").logTo(log, "Enqueueing scheduled jobs"), 2_000);
    this.store = store;
    this.missedAfter = missedAfter;
    this.lease = lease;
    this.leading = leading;
  }

  @Override
  protected long runOnce() {
    if (!leading.getAsBoolean()) {
      return MAX_SLEEP_MILLIS;
    }
    List<String> seen = new ArrayList<>();
    boolean failed = false;
    for (int i = 0; i < MAX_PER_PASS && leading.getAsBoolean(); i++) {
      String[] current = {null};
      try {
        if (!store.inTransaction(
            "enqueue a due schedule", lease, tx -> lookAtNext(tx, seen, current))) {
          break;
        }
      } catch (RuntimeException e) {
        if (current[0] == null) {
          throw e; // Not one schedule's trouble: the loop logs it and backs off.
        }
        failed = true;
        seen.add(current[0]);
        log.warn(
            "Schedule {} could not be enqueued; trying again soon: {}", current[0], e.toString());
      }
    }
    Optional<Long> untilNext = store.millisUntilNextDue();
    long sleep =
        untilNext
            .map(ms -> Math.max(0, Math.min(MAX_SLEEP_MILLIS, ms + 1)))
            .orElse(MAX_SLEEP_MILLIS);
    // Due schedules that were passed over (failed, or locked elsewhere) wait a little.
    return sleep == 0 && (failed || seen.isEmpty()) ? 100 : sleep;
  }

  /** Looks at the next due schedule not yet seen in this pass; false when none is due. */
  private boolean lookAtNext(ScheduleStore.Transaction tx, List<String> seen, String[] current) {
    Optional<ScheduleRow> due = tx.lockNextDue(seen);
    if (due.isEmpty()) {
      return false;
    }
    ScheduleRow row = due.get();
    String name = row.definition().name();
    current[0] = name;
    seen.add(name);
    look(tx, row, row.nextRunAt());
    return true;
  }

  /**
   * Enqueues one schedule's occurrence now, for the test kit: in one transaction, locks the
   * schedule, moves its next occurrence to the database's {@code now()}, and looks at it as the
   * leader does ({@link Look}: the missed-run and overlap policies apply, the job is inserted with
   * the schedule's name and the occurrence's time, the schedule moves on). Its following occurrence
   * is the first of its times after now, so one still to come stays as it was. A next occurrence
   * that is due already is looked at as it is, as the leader would. Runs whether or not this node
   * leads.
   *
   * @param name the schedule's name
   * @return the ids of the jobs enqueued, oldest occurrence first; empty when the overlap policy
   *     holds the occurrence back, or the schedule has no occurrence left
   * @throws IllegalArgumentException if there is no schedule by that name
   * @throws IllegalStateException if the schedule is paused
   */
  public List<Long> enqueueNow(String name) {
    return store.inTransaction(
        "enqueue schedule " + name + " now",
        lease,
        tx -> {
          ScheduleRow row =
              tx.lock(name)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "there is no schedule named '" + name + "'"));
          if (row.paused()) {
            throw new IllegalStateException(
                "schedule '" + name + "' is paused; resumeSchedule(\"" + name + "\") first");
          }
          if (row.nextRunAt() == null) {
            return List.of();
          }
          // Due already (no leader ran): the leader's own look, missed-run policy and all.
          Instant next = row.nextRunAt().isAfter(tx.now()) ? tx.now() : row.nextRunAt();
          return look(tx, row, next);
        });
  }

  /**
   * Looks at one locked, due schedule: decides by the database clock what its due occurrences
   * enqueue ({@link Look}), inserts their jobs and moves the schedule on.
   *
   * @param nextRunAt the occurrence to look at first: the stored one, or now for {@link
   *     #enqueueNow}
   * @return the ids of the jobs the look enqueued (or found holding their keys)
   */
  private List<Long> look(ScheduleStore.Transaction tx, ScheduleRow row, Instant nextRunAt) {
    ScheduleDefinition definition = row.definition();
    String name = definition.name();
    boolean previousActive =
        definition.overlap() != OverlapPolicy.ALLOW
            && row.lastJobId() != null
            && tx.active(row.lastJobId());
    Look look =
        Look.decide(
            definition.missedRuns(),
            definition.overlap(),
            definition.occurrences(definition.anchor()),
            nextRunAt,
            row.waitingAt(),
            previousActive,
            tx.now(),
            missedAfter);
    if (look.runs().isEmpty()
        && look.skips() == 0
        && Objects.equals(look.next(), row.nextRunAt())
        && Objects.equals(look.waiting(), row.waitingAt())) {
      return List.of(); // Still waiting for the previous job: nothing to write.
    }
    List<NewJob> jobs = new ArrayList<>(look.runs().size());
    for (Run run : look.runs()) {
      jobs.add(withScheduledAt(definition.job(), run));
    }
    List<Inserted> results = tx.insertJobs(name, jobs);
    long runs = 0;
    long catchUps = 0;
    long skips = look.skips();
    Long lastJob = null;
    Instant lastRun = null;
    List<Long> ids = new ArrayList<>(results.size());
    for (int i = 0; i < results.size(); i++) {
      Inserted inserted = results.get(i);
      Run run = look.runs().get(i);
      lastJob = inserted.id();
      ids.add(lastJob);
      lastRun = run.occurrence();
      if (inserted.outcome() == EnqueueResult.Outcome.CREATED) {
        runs++;
        catchUps += run.catchUp() ? 1 : 0;
      } else {
        skips++; // Its unique key is held: the holder stands for it.
      }
    }
    tx.advance(name, look.next(), look.waiting(), lastRun, lastJob, runs, catchUps, skips);
    if (catchUps > 0 || skips > 0) {
      log.info(
          "Schedule {}: {} jobs enqueued ({} catch-ups of missed occurrences), {} occurrences"
              + " skipped; next at {}",
          name,
          runs,
          catchUps,
          skips,
          look.next());
    } else if (log.isDebugEnabled()) {
      log.debug(
          "Schedule {}: {} jobs enqueued, last job {}; next at {}",
          name,
          runs,
          lastJob,
          look.next());
    }
    return ids;
  }

  private static NewJob withScheduledAt(NewJob job, Run run) {
    return new NewJob(
        job.type(),
        job.priority(),
        job.payloadJson(),
        job.maxRetries(),
        job.timeoutSeconds(),
        run.occurrence(),
        job.queue(),
        job.concurrencyKey(),
        job.unique());
  }
}
