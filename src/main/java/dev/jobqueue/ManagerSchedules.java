package dev.jobqueue;

import dev.jobqueue.internal.store.NewJob;
import dev.jobqueue.internal.store.ScheduleDefinition;
import dev.jobqueue.internal.store.ScheduleStore;
import dev.jobqueue.internal.store.ScheduleStore.ScheduleRow;
import dev.jobqueue.internal.store.ScheduleStore.Transaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schedule methods of {@link JobQueueManager} (add, update, pause, resume, delete, list), kept
 * apart so that {@code JobQueueManager.java} stays short; {@code ManagerQueues}, and through it the
 * manager, are its only subclasses. As with {@code ManagerSetters}, javac gives the public manager
 * a public bridge method for each, so applications, reflection and Javadoc see them as members of
 * {@code JobQueueManager}.
 *
 * <p>Every change is one transaction that reads the database clock; the leader sees it at its next
 * look, within a second.
 */
abstract class ManagerSchedules {
  private static final Logger log = LoggerFactory.getLogger("dev.jobqueue.JobQueueManager");
  private static final String OPERATOR = "operator";
  private static final String UNDECLARED = "undeclared";

  static {
    TestKitBackend.install(); // Before any manager exists: see TestKitAccess.
    AdminBackend.install(); // And AdminAccess.
  }

  ManagerSchedules() {}

  /**
   * The schedules' store, once the manager runs.
   *
   * @throws IllegalStateException if the manager is not running
   */
  abstract ScheduleStore scheduleStore();

  /**
   * Validates a schedule's job as {@code createJob} would, defaults filled in.
   *
   * @throws JobValidationException naming what is wrong
   */
  abstract NewJob scheduledJob(CreateJobOptions job);

  /**
   * Stores a new schedule. Its first occurrence is the first after now, by the database clock.
   *
   * @param schedule the schedule
   * @throws IllegalArgumentException naming it, if a schedule by that name exists; nothing changes
   * @throws JobValidationException if its job's type, payload or an option is invalid, as for
   *     {@code createJob}; nothing is stored
   * @throws JobStoreException if the database fails
   */
  public void addSchedule(Schedule schedule) {
    ScheduleDefinition definition = definition(schedule);
    boolean added =
        scheduleStore()
            .inTransaction("add schedule " + schedule.name(), tx -> insert(tx, definition, false));
    if (!added) {
      throw new IllegalArgumentException(
          "a schedule named '"
              + schedule.name()
              + "' exists already; updateSchedule changes it, deleteSchedule removes it");
    }
    log.info("Schedule {} added", schedule);
  }

  /**
   * Replaces a stored schedule's definition; it keeps its state (paused or not), its counts and its
   * last run. When its times change, its next occurrence is the first after now; otherwise it
   * stays.
   *
   * @param schedule the new definition, found by its name
   * @return false when no schedule has that name; nothing is stored then
   * @throws JobValidationException if its job's type, payload or an option is invalid
   * @throws JobStoreException if the database fails
   */
  public boolean updateSchedule(Schedule schedule) {
    ScheduleDefinition definition = definition(schedule);
    boolean updated =
        scheduleStore()
            .inTransaction(
                "update schedule " + schedule.name(),
                tx ->
                    tx.lock(schedule.name())
                        .map(row -> replace(tx, row, definition, row.declared()))
                        .isPresent());
    if (updated) {
      log.info("Schedule {} updated", schedule);
    }
    return updated;
  }

  /**
   * Pauses a schedule on every node, durably: no occurrence is enqueued from the leader's next look
   * on, within a second, until {@link #resumeSchedule(String)}. Jobs already enqueued stay.
   *
   * @param name the schedule's name
   * @return false when no schedule has that name
   * @throws JobStoreException if the database fails
   */
  public boolean pauseSchedule(String name) {
    return setPaused(name, true);
  }

  /**
   * Resumes a paused schedule. The occurrences that fell into the pause are not run: the next is
   * the first after now (or the one it had, if that is still to come).
   *
   * @param name the schedule's name
   * @return false when no schedule has that name
   * @throws JobStoreException if the database fails
   */
  public boolean resumeSchedule(String name) {
    return setPaused(name, false);
  }

  /**
   * Deletes a schedule; the jobs it enqueued stay. A schedule the application still declares comes
   * back at its next {@code initialize()}.
   *
   * @param name the schedule's name
   * @return false when no schedule has that name
   * @throws JobStoreException if the database fails
   */
  public boolean deleteSchedule(String name) {
    Objects.requireNonNull(name, "name must not be null");
    boolean deleted =
        scheduleStore().inTransaction("delete schedule " + name, tx -> tx.delete(name));
    if (deleted) {
      log.info("Schedule {} deleted", name);
    }
    return deleted;
  }

  /**
   * Reads one schedule.
   *
   * @param name the schedule's name
   * @return the schedule, or empty when there is none by that name
   * @throws JobStoreException if the database fails
   */
  public Optional<ScheduleInfo> getSchedule(String name) {
    Objects.requireNonNull(name, "name must not be null");
    return scheduleStore().find(name).map(ManagerSchedules::info);
  }

  /**
   * Every stored schedule, by name, with its next run, its last run and job, and its counts.
   *
   * @return the schedules
   * @throws JobStoreException if the database fails
   */
  public List<ScheduleInfo> getSchedules() {
    return scheduleStore().list().stream().map(ManagerSchedules::info).toList();
  }

  /**
   * Brings the stored schedules in line with those the application declares: adds the new ones,
   * updates the changed ones, and removes or pauses those it declared before and no longer does.
   * One transaction, which holds off other nodes doing the same. Does nothing when {@code declared}
   * is null: the application declares no schedules.
   */
  void reconcileSchedules(
      ScheduleStore store, Collection<Schedule> declared, UndeclaredSchedules undeclared) {
    if (declared == null) {
      return;
    }
    List<ScheduleDefinition> definitions = declared.stream().map(this::definition).toList();
    store.inTransaction(
        "bring the declared schedules in line",
        tx -> {
          tx.lockDeclarations();
          Map<String, ScheduleRow> stored = new HashMap<>();
          for (ScheduleRow row : tx.lockAll()) {
            stored.put(row.definition().name(), row);
          }
          List<String> changes = new ArrayList<>();
          for (ScheduleDefinition definition : definitions) {
            ScheduleRow row = stored.remove(definition.name());
            if (row == null && insert(tx, definition, true)) {
              changes.add("added " + definition.name());
            } else {
              // Added at run time since the rows were read: declaring it takes it over.
              replace(
                  tx,
                  row != null ? row : tx.lock(definition.name()).orElseThrow(),
                  definition,
                  true);
            }
          }
          for (ScheduleRow row : stored.values()) {
            if (!row.declared()) {
              continue; // Added at run time: not the application's to bring in line.
            }
            String name = row.definition().name();
            if (undeclared == UndeclaredSchedules.REMOVE) {
              tx.delete(name);
              changes.add("removed " + name);
            } else {
              tx.update(
                  row.definition(),
                  false,
                  true,
                  row.paused() ? row.pausedBy() : UNDECLARED,
                  row.nextRunAt(),
                  row.waitingAt());
              changes.add("paused " + name);
            }
          }
          if (!changes.isEmpty()) {
            log.info("Declared schedules brought in line: {}", String.join(", ", changes));
          }
          return null;
        });
  }

  private boolean setPaused(String name, boolean paused) {
    Objects.requireNonNull(name, "name must not be null");
    boolean found =
        scheduleStore()
            .inTransaction(
                (paused ? "pause" : "resume") + " schedule " + name,
                tx ->
                    tx.lock(name)
                        .map(
                            row -> {
                              ScheduleDefinition d = row.definition();
                              tx.update(
                                  d,
                                  row.declared(),
                                  paused,
                                  paused ? OPERATOR : null,
                                  paused ? row.nextRunAt() : upcoming(tx, row, d),
                                  row.waitingAt());
                              return row;
                            })
                        .isPresent());
    if (found) {
      log.info("Schedule {} {}", name, paused ? "paused" : "resumed");
    }
    return found;
  }

  private static boolean insert(Transaction tx, ScheduleDefinition definition, boolean declared) {
    Instant anchor = definition.anchor() != null ? definition.anchor() : tx.now();
    Instant next = definition.occurrences(anchor).next(tx.now()).orElse(null);
    return tx.insert(definition, anchor, declared, next);
  }

  /** Writes {@code definition} over a locked row, keeping its state. */
  private static ScheduleRow replace(
      Transaction tx, ScheduleRow row, ScheduleDefinition definition, boolean declared) {
    ScheduleDefinition stored = row.definition();
    Instant anchor =
        definition.anchor() != null
            ? definition.anchor()
            : stored.anchor() != null ? stored.anchor() : tx.now();
    ScheduleDefinition next = definition.withAnchor(definition.interval() == null ? null : anchor);
    boolean paused = row.paused();
    String pausedBy = row.pausedBy();
    boolean wasUndeclared = paused && UNDECLARED.equals(pausedBy) && declared;
    if (wasUndeclared) {
      paused = false; // Declared again: the pause was not an operator's.
      pausedBy = null;
    }
    Instant nextRunAt =
        !definition.sameTimes(stored)
            ? next.occurrences(anchor).next(tx.now()).orElse(null)
            : wasUndeclared ? upcoming(tx, row, next) : row.nextRunAt();
    tx.update(next, declared, paused, pausedBy, nextRunAt, row.waitingAt());
    return row;
  }

  /** The row's next occurrence if it is still to come, else the first after now. */
  private static Instant upcoming(Transaction tx, ScheduleRow row, ScheduleDefinition d) {
    Instant next = row.nextRunAt();
    if (next != null && next.isAfter(tx.now())) {
      return next;
    }
    return d.occurrences(d.anchor()).next(tx.now()).orElse(null);
  }

  private ScheduleDefinition definition(Schedule schedule) {
    Objects.requireNonNull(schedule, "schedule must not be null");
    return new ScheduleDefinition(
        schedule.name(),
        checkedJob(schedule),
        schedule.cron().orElse(null),
        schedule.cron().isPresent() ? schedule.zone() : null,
        schedule.interval().orElse(null),
        schedule.anchor().orElse(null),
        schedule.missedRuns(),
        schedule.overlap());
  }

  /** The schedule's job, validated; errors name the schedule: {@code schedule[name].field}. */
  final NewJob checkedJob(Schedule schedule) {
    try {
      return scheduledJob(schedule.job());
    } catch (JobValidationException e) {
      throw new JobValidationException(
          e.errors().stream()
              .map(
                  f ->
                      new FieldError(
                          "schedule[" + schedule.name() + "]." + f.field(),
                          f.message(),
                          f.rejectedValue()))
              .toList());
    }
  }

  private static ScheduleInfo info(ScheduleRow row) {
    ScheduleDefinition d = row.definition();
    return new ScheduleInfo(
        d.name(),
        d.job().type(),
        d.job().queue(),
        Optional.ofNullable(d.cron()),
        Optional.ofNullable(d.zone()),
        Optional.ofNullable(d.interval()),
        d.missedRuns(),
        d.overlap(),
        row.declared(),
        row.paused(),
        Optional.ofNullable(row.nextRunAt()),
        Optional.ofNullable(row.waitingAt()),
        Optional.ofNullable(row.lastRunAt()),
        Optional.ofNullable(row.lastJobId()).map(String::valueOf),
        row.runs(),
        row.catchUps(),
        row.skips(),
        row.createdAt(),
        row.updatedAt());
  }
}
