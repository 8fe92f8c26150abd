package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.instant;
import static dev.jobqueue.internal.store.Sql.run;
import static dev.jobqueue.internal.store.Sql.utc;

import dev.jobqueue.EnqueueResult;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The SQL of the {@code schedules} table: storing, changing and listing schedules, and the leader's
 * pass over the due ones, in which each occurrence's job is inserted in the transaction that moves
 * the schedule on. Every value is a bind parameter; every time is the database's. Thread-safe.
 * <strong>Not API.</strong>
 */
public final class ScheduleStore {

  /** The columns a {@link ScheduleRow} is read from, in order. */
  private static final String COLUMNS =
      "name, type, payload::text, priority, max_retries, timeout_seconds, queue, concurrency_key,"
          + " unique_key, unique_states, unique_completed_within_ms, unique_replace, cron, zone,"
          + " interval_ms, anchor, missed_runs, catch_up_cap, catch_up_window_ms, overlap,"
          + " declared, paused, paused_by, next_run_at, waiting_at, last_run_at, last_job_id,"
          + " runs, catch_ups, skips, created_at, updated_at";

  /** The definition's columns, written by insert and update, in the order of {@link #binds}. */
  private static final String DEFINITION =
      "type, payload, priority, max_retries, timeout_seconds, queue, concurrency_key, unique_key,"
          + " unique_states, unique_completed_within_ms, unique_replace, cron, zone, interval_ms,"
          + " anchor, missed_runs, catch_up_cap, catch_up_window_ms, overlap";

  private static final String DEFINITION_VALUES =
      "?, ?::jsonb, ?::smallint, ?::integer, ?::integer, ?, ?, ?, ?::text[], ?::bigint, ?::boolean,"
          + " ?, ?, ?::bigint, ?::timestamptz, ?, ?::integer, ?::bigint, ?";

  /** First key of the advisory lock that serializes declarations: "jqsd" in ASCII. */
  private static final int DECLARE_LOCK_CLASS = 0x6a717364;

  /** {@link #DEFINITION_VALUES} with the text ones typed, for a comparison with the columns. */
  private static final String DEFINITION_COMPARED =
      "?::text, ?::jsonb, ?::smallint, ?::integer, ?::integer, ?::text, ?::text, ?::text, ?::text[],"
          + " ?::bigint, ?::boolean, ?::text, ?::text, ?::bigint, ?::timestamptz, ?::text,"
          + " ?::integer, ?::bigint, ?::text";

  /** What {@link Transaction#update} writes besides the definition, in the order it binds them. */
  private static final String STATE = "declared, paused, paused_by, next_run_at, waiting_at";

  private static final String STATE_VALUES =
      "?::boolean, ?::boolean, ?::text, ?::timestamptz, ?::timestamptz";

  private final DSLContext dsl;
  private final JobRepository jobs;
  private final int schemaHash;
  private final String schedules;
  private final String insertSql;
  private final String updateSql;
  private final String selectSql;
  private final String lockSql;
  private final String dueSql;
  private final String advanceSql;
  private final String tagSql;
  private final String statusSql;

  ScheduleStore(DSLContext dsl, String schema, JobRepository jobs) {
    this.dsl = dsl;
    this.jobs = jobs;
    this.schemaHash = schema.hashCode();
    this.schedules = Sql.qualified(schema, "schedules");
    String jobsTable = Sql.qualified(schema, "jobs");
    this.insertSql =
        "insert into "
            + schedules
            + " (name, "
            + DEFINITION
            + ", declared, next_run_at) values (?, "
            + DEFINITION_VALUES
            + ", ?, ?::timestamptz) on conflict (name) do nothing";
    // Writes, and moves updated_at, only when the definition or the state differs: an unchanged
    // declared schedule at initialize, or a second pause, changes nothing.
    this.updateSql =
        "update "
            + schedules
            + " set ("
            + DEFINITION
            + ", "
            + STATE
            + ", updated_at) = ("
            + DEFINITION_VALUES
            + ", "
            + STATE_VALUES
            + ", now()) where name = ? and ("
            + DEFINITION
            + ", "
            + STATE
            + ") is distinct from ("
            + DEFINITION_COMPARED
            + ", "
            + STATE_VALUES
            + ")";
    this.selectSql = "select " + COLUMNS + " from " + schedules;
    this.lockSql = selectSql + " where name = ? for update";
    this.dueSql =
        selectSql
            + " where not paused and (next_run_at <= now() or waiting_at is not null)"
            + " and name <> all(?::text[]) order by next_run_at limit 1 for update skip locked";
    this.advanceSql =
        "update "
            + schedules
            + " set next_run_at = ?::timestamptz, waiting_at = ?::timestamptz,"
            + " last_run_at = coalesce(?::timestamptz, last_run_at),"
            + " last_job_id = coalesce(?::bigint, last_job_id), runs = runs + ?,"
            + " catch_ups = catch_ups + ?, skips = skips + ? where name = ?";
    // The job's link to its occurrence: jobs_occurrence_idx makes a second job for one fail.
    this.tagSql =
        "update "
            + jobsTable
            + " j set schedule_name = ?, occurrence_at = u.o"
            + " from unnest(?::bigint[], ?::timestamptz[]) as u(id, o) where j.id = u.id";
    this.statusSql = "select status from " + jobsTable + " where id = ?";
  }

  /**
   * A stored schedule: its definition and its state.
   *
   * @param definition the definition; an interval schedule's anchor is the stored one
   * @param declared whether an application declares it in code
   * @param paused whether it is paused
   * @param pausedBy {@code operator} or {@code undeclared} when paused, else null
   * @param nextRunAt its next occurrence not yet looked at, or null
   * @param waitingAt an occurrence kept back by the queue overlap policy, or null
   * @param lastRunAt the occurrence it last enqueued, or null
   * @param lastJobId the job of that occurrence, or null
   * @param runs jobs enqueued
   * @param catchUps catch-ups among them
   * @param skips occurrences that enqueued nothing
   * @param createdAt when it was first stored
   * @param updatedAt when its definition or state last changed (not when it ran)
   */
  public record ScheduleRow(
      ScheduleDefinition definition,
      boolean declared,
      boolean paused,
      String pausedBy,
      Instant nextRunAt,
      Instant waitingAt,
      Instant lastRunAt,
      Long lastJobId,
      long runs,
      long catchUps,
      long skips,
      Instant createdAt,
      Instant updatedAt) {}

  /**
   * The statements of one transaction: the schedule changes of the API, and the leader's pass.
   * Valid only inside {@link #inTransaction}.
   */
  public final class Transaction {
    private final DSLContext ctx;
    private final Instant now;

    private Transaction(DSLContext ctx, long idleLimitMillis) {
      this.ctx = ctx;
      this.now =
          instant(
              (idleLimitMillis > 0
                      ? ctx.resultQuery(
                          "select now(), set_config('idle_in_transaction_session_timeout', ?, true)",
                          Long.toString(idleLimitMillis))
                      : ctx.resultQuery("select now()"))
                  .fetchOne(0, OffsetDateTime.class));
    }

    /**
     * The database's time at the start of the transaction.
     *
     * @return the time
     */
    public Instant now() {
      return now;
    }

    /**
     * Reads and locks one schedule.
     *
     * @param name the name
     * @return the schedule, or empty when there is none by that name
     */
    public Optional<ScheduleRow> lock(String name) {
      return Optional.ofNullable(ctx.resultQuery(lockSql, name).fetchOne())
          .map(ScheduleColumns::row);
    }

    /**
     * Reads and locks every schedule, in name order.
     *
     * @return the schedules
     */
    public List<ScheduleRow> lockAll() {
      return ctx.resultQuery(selectSql + " order by name for update")
          .fetch()
          .map(ScheduleColumns::row);
    }

    /**
     * Serializes this transaction with every other that brings the declared schedules in line (a
     * transaction-scoped advisory lock). The leader's looks do not wait for it: they skip the rows
     * it holds.
     */
    public void lockDeclarations() {
      ctx.resultQuery("select pg_advisory_xact_lock(?, ?)", DECLARE_LOCK_CLASS, schemaHash).fetch();
    }

    /**
     * Stores a new schedule.
     *
     * @param definition the definition; an interval schedule without an anchor gets {@code anchor}
     * @param anchor the stored anchor of an interval schedule, else ignored
     * @param declared whether an application declares it
     * @param nextRunAt its first occurrence, or null
     * @return false when a schedule by that name exists; nothing changed then
     */
    public boolean insert(
        ScheduleDefinition definition, Instant anchor, boolean declared, Instant nextRunAt) {
      Object[] binds = ScheduleColumns.binds(definition, anchor);
      Object[] all = new Object[binds.length + 3];
      all[0] = definition.name();
      System.arraycopy(binds, 0, all, 1, binds.length);
      all[binds.length + 1] = declared;
      all[binds.length + 2] = nextRunAt == null ? null : utc(nextRunAt);
      return ctx.query(insertSql, all).execute() == 1;
    }

    /**
     * Replaces a locked schedule's definition and state; writes nothing, and leaves its update
     * time, when both are as stored.
     *
     * @param definition the definition, with the anchor to store
     * @param declared whether an application declares it
     * @param paused whether it is paused
     * @param pausedBy who paused it, or null
     * @param nextRunAt its next occurrence, or null
     * @param waitingAt the occurrence kept back, or null
     */
    public void update(
        ScheduleDefinition definition,
        boolean declared,
        boolean paused,
        String pausedBy,
        Instant nextRunAt,
        Instant waitingAt) {
      Object[] binds = ScheduleColumns.binds(definition, definition.anchor());
      Object[] values = Arrays.copyOf(binds, binds.length + 5);
      values[binds.length] = declared;
      values[binds.length + 1] = paused;
      values[binds.length + 2] = pausedBy;
      values[binds.length + 3] = nextRunAt == null ? null : utc(nextRunAt);
      values[binds.length + 4] = waitingAt == null ? null : utc(waitingAt);
      Object[] all = new Object[values.length * 2 + 1];
      System.arraycopy(values, 0, all, 0, values.length);
      all[values.length] = definition.name();
      System.arraycopy(values, 0, all, values.length + 1, values.length);
      ctx.query(updateSql, all).execute();
    }

    /**
     * Deletes a schedule. Its jobs stay.
     *
     * @param name the name
     * @return whether there was one
     */
    public boolean delete(String name) {
      return ctx.query("delete from " + schedules + " where name = ?", name).execute() == 1;
    }

    /**
     * Locks the due schedule with the earliest next occurrence that no other transaction holds, and
     * that is not among {@code excluded}: one whose next occurrence has come, or that keeps an
     * occurrence back.
     *
     * @param excluded names to pass over
     * @return the schedule, or empty when none is due
     */
    public Optional<ScheduleRow> lockNextDue(List<String> excluded) {
      return Optional.ofNullable(
              ctx.resultQuery(dueSql, (Object) excluded.toArray(new String[0])).fetchOne())
          .map(ScheduleColumns::row);
    }

    /**
     * Whether a job is pending or running.
     *
     * @param jobId the job's id
     * @return true when it is; false when it ended or is gone
     */
    public boolean active(long jobId) {
      String status = ctx.resultQuery(statusSql, jobId).fetchOne(0, String.class);
      return "pending".equals(status) || "running".equals(status);
    }

    /**
     * Inserts the jobs of occurrences, each linked to its occurrence. A held unique key is an
     * answer (the job is not created), as for {@code createJob}.
     *
     * @param schedule the schedule's name
     * @param rows the jobs, each with its occurrence as {@code scheduledAt}
     * @return what happened to each, in order
     */
    public List<Inserted> insertJobs(String schedule, List<NewJob> rows) {
      List<Inserted> results = jobs.insertForSchedule(ctx, rows);
      List<Long> ids = new ArrayList<>();
      List<OffsetDateTime> occurrences = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        if (results.get(i).outcome() == EnqueueResult.Outcome.CREATED) {
          ids.add(results.get(i).id());
          occurrences.add(utc(rows.get(i).scheduledAt()));
        }
      }
      if (!ids.isEmpty()) {
        ctx.query(
                tagSql,
                schedule,
                ids.toArray(new Long[0]),
                occurrences.toArray(new OffsetDateTime[0]))
            .execute();
      }
      return results;
    }

    /**
     * Moves a locked schedule on after a look.
     *
     * @param name the schedule
     * @param nextRunAt its next occurrence, or null when it has none left
     * @param waitingAt the occurrence kept back, or null
     * @param lastRunAt the latest occurrence enqueued by this look, or null to keep the last one
     * @param lastJobId that occurrence's job, or null to keep the last one
     * @param runs jobs enqueued
     * @param catchUps catch-ups among them
     * @param skips occurrences that enqueued nothing
     */
    public void advance(
        String name,
        Instant nextRunAt,
        Instant waitingAt,
        Instant lastRunAt,
        Long lastJobId,
        long runs,
        long catchUps,
        long skips) {
      ctx.query(
              advanceSql,
              nextRunAt == null ? null : utc(nextRunAt),
              waitingAt == null ? null : utc(waitingAt),
              lastRunAt == null ? null : utc(lastRunAt),
              lastJobId,
              runs,
              catchUps,
              skips,
              name)
          .execute();
    }
  }

  /**
   * Runs {@code body} in one transaction, committed when it returns and rolled back when it throws.
   *
   * @param operation what it does, for the error message
   * @param body the work
   * @param <T> its result
   * @return what {@code body} returned
   * @throws dev.jobqueue.JobStoreException naming {@code operation} if the database fails
   */
  public <T> T inTransaction(String operation, Function<Transaction, T> body) {
    return inTransaction(operation, Duration.ZERO, body);
  }

  /**
   * {@link #inTransaction(String, Function)} for a transaction that must not hold its locks for
   * long if its client stops between two statements (a JVM paused or frozen, a network cut): the
   * server ends the session, and so the transaction and its row locks, once it has been idle in the
   * transaction for {@code idleLimit} ({@code idle_in_transaction_session_timeout}, set for this
   * transaction only).
   *
   * @param operation what it does, for the error message
   * @param idleLimit the longest the transaction may sit idle; zero for no limit
   * @param body the work
   * @param <T> its result
   * @return what {@code body} returned
   * @throws dev.jobqueue.JobStoreException naming {@code operation} if the database fails
   */
  public <T> T inTransaction(String operation, Duration idleLimit, Function<Transaction, T> body) {
    long idleLimitMillis = idleLimit.toMillis();
    return run(
        operation,
        () ->
            Sql.inTransaction(
                dsl,
                configuration ->
                    body.apply(new Transaction(DSL.using(configuration), idleLimitMillis))));
  }

  /**
   * One stored schedule.
   *
   * @param name the name
   * @return the schedule, or empty when there is none by that name
   */
  public Optional<ScheduleRow> find(String name) {
    return run(
        "read schedule " + name,
        () ->
            Optional.ofNullable(dsl.resultQuery(selectSql + " where name = ?", name).fetchOne())
                .map(ScheduleColumns::row));
  }

  /**
   * Every stored schedule, by name.
   *
   * @return the schedules
   */
  public List<ScheduleRow> list() {
    return run(
        "list the schedules",
        () -> dsl.resultQuery(selectSql + " order by name").fetch().map(ScheduleColumns::row));
  }

  /**
   * How long until the earliest next occurrence of a schedule that runs, by the database clock.
   *
   * @return milliseconds, at most 0 when one is due; empty when none runs
   */
  public Optional<Long> millisUntilNextDue() {
    return run(
        "read the next due schedule",
        () ->
            Optional.ofNullable(
                dsl.resultQuery(
                        "select (extract(epoch from min(next_run_at) - clock_timestamp()) * 1000)"
                            + "::bigint from "
                            + schedules
                            + " where not paused")
                    .fetchOne(0, Long.class)));
  }
}
