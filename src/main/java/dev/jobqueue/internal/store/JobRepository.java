package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.JobRecordColumns.COLUMNS;
import static dev.jobqueue.internal.store.JobRecordColumns.CREATED_AT;
import static dev.jobqueue.internal.store.JobRecordColumns.ID;
import static dev.jobqueue.internal.store.JobRecordColumns.PRIORITY;
import static dev.jobqueue.internal.store.JobRecordColumns.TYPE;
import static dev.jobqueue.internal.store.Sql.run;
import static dev.jobqueue.internal.store.Sql.utc;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.table;

import dev.jobqueue.EnqueueResult;
import dev.jobqueue.JobStoreException;
import dev.jobqueue.internal.notify.Notifications;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The SQL of jobs as the application sees them: enqueueing, reading, querying, cancelling and
 * retrying, and the wake-up notification. It also opens the store's two other parts, {@link
 * #executions()} (running jobs) and {@link #cluster()} (nodes, statistics, pruning). Every value
 * reaches PostgreSQL as a bind parameter; the only identifier rendered into SQL is the schema name,
 * which {@code JobQueueConfig} has already checked against {@code ^[a-z_][a-z0-9_]{0,62}$}.
 *
 * <p>Thread-safe. Database failures surface as {@link JobStoreException} naming the operation.
 * <strong>Not API.</strong>
 */
public final class JobRepository {

  /** Errors longer than this are cut before they are stored. */
  public static final int MAX_ERROR_CHARS = 4_000;

  private final DSLContext dsl;
  private final Table<?> jobs;
  private final String channel;
  private final String insertSql;
  private final String cancelSql;
  private final String qualifiedJobs;
  private final ExecutionStore executions;
  private final ClusterStore cluster;
  private final QueueStore queues;
  private final ScheduleStore schedules;
  private final UniqueInserts unique;
  private final SingleInserts single;
  private final JobRetries retries;
  private final DueTimes dueTimes;
  private final AdminStore admin;

  /**
   * Creates a repository over the tables in {@code schema}.
   *
   * @param dataSource where connections come from
   * @param schema a checked schema name
   */
  public JobRepository(DataSource dataSource, String schema) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(schema, "schema");
    this.dsl = Sql.newDsl(dataSource);
    this.jobs = table(name(schema, "jobs"));
    String qualified = Sql.qualified(schema, "jobs");
    this.qualifiedJobs = qualified;
    this.channel = Notifications.channel(schema);
    // One statement for one job or many; the returned ids, sorted, are in input order.
    this.insertSql =
        JobColumns.insertSql(qualified)
            // One notification per statement at most (an uncorrelated sub-select runs once),
            // and only when the caller asks for it: see Notifier for the debouncing.
            + " returning id, (select count(*) from pg_notify(?, ?) where ?::boolean)";
    this.cancelSql =
        "with target as ("
            + " select id, status from "
            + qualified
            + " where id = ? and status in ('pending', 'running') for update)"
            + " update "
            + qualified
            + " j set status = 'cancelled', completed_at = now(), updated_at = now(),"
            + " locked_by = null, lease_expires_at = null"
            + " from target t where j.id = t.id"
            // A running job's node is told at once; the heartbeat would notice it too.
            + " returning t.status, case when t.status = 'running'"
            + " then (select count(*) from pg_notify(?, ? || j.id)) end";
    this.unique = new UniqueInserts(qualified);
    this.single = new SingleInserts(qualified, Sql.qualified(schema, "queues"));
    this.retries = new JobRetries(qualified, channel);
    this.executions =
        new ExecutionStore(
            dsl, qualified, Sql.qualified(schema, "queues"), Sql.qualified(schema, "job_starts"));
    this.cluster = new ClusterStore(dsl, schema);
    this.queues = new QueueStore(dsl, schema, channel);
    this.schedules = new ScheduleStore(dsl, schema, this);
    this.dueTimes = new DueTimes(dsl, qualified);
    this.admin = new AdminStore(dsl, schema);
  }

  /**
   * The operator tools' queries, on this repository's connections.
   *
   * @return the store
   */
  public AdminStore admin() {
    return admin;
  }

  /**
   * The test kit's statements that make pending jobs due sooner.
   *
   * @return the statements, sharing this repository's connections
   */
  public DueTimes dueTimes() {
    return dueTimes;
  }

  /**
   * The SQL of running jobs: claim, outcomes, leases, release and rescue.
   *
   * @return the store, sharing this repository's connections
   */
  public ExecutionStore executions() {
    return executions;
  }

  /**
   * The SQL of queues: paused state and limits.
   *
   * @return the store, sharing this repository's connections
   */
  public QueueStore queues() {
    return queues;
  }

  /**
   * The SQL of schedules.
   *
   * @return the store, sharing this repository's connections
   */
  public ScheduleStore schedules() {
    return schedules;
  }

  /**
   * The SQL of nodes, statistics, health and pruning.
   *
   * @return the store, sharing this repository's connections
   */
  public ClusterStore cluster() {
    return cluster;
  }

  /**
   * The channel this repository notifies on.
   *
   * @return the channel name
   */
  public String channel() {
    return channel;
  }

  /**
   * Inserts jobs in one statement on a pooled connection, committed on return.
   *
   * @param newJobs the jobs, in order
   * @param notify whether to send a wake-up notification with the insert
   * @return their ids, in the same order
   */
  public List<Long> insert(List<NewJob> newJobs, boolean notify) {
    return run("insert jobs", () -> insert(dsl, newJobs, notify));
  }

  /**
   * Inserts jobs in one statement inside the caller's transaction. Nothing is committed or rolled
   * back here; the jobs become visible when the caller commits, and the wake-up notification that
   * goes with them is delivered then too.
   *
   * @param connection the caller's connection
   * @param newJobs the jobs, in order
   * @return their ids, in the same order
   */
  public List<Long> insert(Connection connection, List<NewJob> newJobs) {
    Objects.requireNonNull(connection, "connection");
    return run(
        "insert jobs in the caller's transaction",
        () -> insert(DSL.using(connection, SQLDialect.POSTGRES, Sql.SETTINGS), newJobs, true));
  }

  /**
   * Inserts one job, leased to {@code node} in the same statement when its queue is open and no due
   * job of the node's types waits ahead of it; otherwise pending, as {@link #insert(List, boolean)}
   * does. Committed on return, on a pooled connection.
   *
   * @param job a job due now, without a unique key or a concurrency key
   * @param types the types the node serves in the job's queue
   * @param node the node
   * @param leaseMillis the lease
   * @param notify whether to send the wake-up notification when the job is left pending
   * @return the job as leased, or its id alone when it was left pending
   */
  public ClaimedOnInsert insertClaimed(
      NewJob job, String[] types, String node, long leaseMillis, boolean notify) {
    return run(
        "insert jobs",
        () ->
            single.insertClaimed(
                dsl,
                job,
                types,
                node,
                leaseMillis,
                channel,
                Notifications.newJobs(job.queue()),
                notify));
  }

  /**
   * What {@link #insertClaimed} did.
   *
   * @param id the job's id
   * @param job the job as leased to the node, or empty when it was left pending
   */
  public record ClaimedOnInsert(long id, Optional<ClaimedJob> job) {}

  private List<Long> insert(DSLContext ctx, List<NewJob> newJobs, boolean notify) {
    int n = newJobs.size();
    if (n == 0) {
      return List.of();
    }
    if (n == 1) {
      NewJob job = newJobs.get(0);
      return List.of(single.insert(ctx, job, channel, Notifications.newJobs(job.queue()), notify));
    }
    JobColumns c = new JobColumns(newJobs);
    List<Long> ids =
        new ArrayList<>(
            ctx.resultQuery(insertSql, c.binds(channel, Notifications.newJobs(c.queues), notify))
                .fetch(0, Long.class));
    if (ids.size() != n) {
      throw new IllegalStateException("inserted " + ids.size() + " jobs, expected " + n);
    }
    ids.sort(null);
    return ids;
  }

  /**
   * Inserts jobs of which some have a unique key, in one transaction on a pooled connection: a job
   * whose key is held is reported, not inserted (see {@link UniqueInserts}). All or nothing.
   *
   * @param newJobs the jobs, in order
   * @param notifyNow asked, inside the transaction, when some job was created or replaced: whether
   *     to send the wake-up notification with it
   * @return what happened to each job, in the same order
   */
  public List<Inserted> insertUnique(List<NewJob> newJobs, BooleanSupplier notifyNow) {
    return run(
        "insert jobs",
        () ->
            Sql.inTransaction(
                dsl,
                configuration -> {
                  DSLContext ctx = DSL.using(configuration);
                  List<Inserted> results = insertUnique(ctx, newJobs);
                  if (anyChanged(results) && notifyNow.getAsBoolean()) {
                    sendNotification(ctx);
                  }
                  return results;
                }));
  }

  /**
   * Inserts jobs of which some have a unique key, inside the caller's transaction: a key held by
   * another job is an answer, and leaves the transaction usable. Nothing is committed or rolled
   * back here; the wake-up notification goes with the caller's commit.
   *
   * @param connection the caller's connection
   * @param newJobs the jobs, in order
   * @return what happened to each job, in the same order
   */
  public List<Inserted> insertUnique(Connection connection, List<NewJob> newJobs) {
    Objects.requireNonNull(connection, "connection");
    return run(
        "insert jobs in the caller's transaction",
        () -> {
          DSLContext ctx = DSL.using(connection, SQLDialect.POSTGRES, Sql.SETTINGS);
          List<Inserted> results = insertUnique(ctx, newJobs);
          if (anyChanged(results)) {
            sendNotification(ctx);
          }
          return results;
        });
  }

  private List<Inserted> insertUnique(DSLContext ctx, List<NewJob> newJobs) {
    List<NewJob> plain = new ArrayList<>();
    List<NewJob> keyed = new ArrayList<>();
    for (NewJob job : newJobs) {
      (job.unique() == null ? plain : keyed).add(job);
    }
    List<Long> plainIds = insert(ctx, plain, false);
    Inserted[] keyedResults = unique.insert(ctx, keyed);
    List<Inserted> results = new ArrayList<>(newJobs.size());
    int p = 0;
    int k = 0;
    for (NewJob job : newJobs) {
      results.add(
          job.unique() == null
              ? new Inserted(plainIds.get(p++), EnqueueResult.Outcome.CREATED)
              : keyedResults[k++]);
    }
    return results;
  }

  /** The jobs of a schedule's occurrences, in its pass's transaction; notified on commit. */
  List<Inserted> insertForSchedule(DSLContext ctx, List<NewJob> newJobs) {
    List<Inserted> results = insertUnique(ctx, newJobs);
    if (anyChanged(results)) {
      sendNotification(ctx);
    }
    return results;
  }

  private static boolean anyChanged(List<Inserted> results) {
    for (Inserted result : results) {
      if (result.changed()) {
        return true;
      }
    }
    return false;
  }

  private void sendNotification(DSLContext ctx) {
    ctx.resultQuery("select count(*) from pg_notify(?, ?)", channel, Notifications.NEW_JOBS)
        .fetch();
  }

  /**
   * Reads one job.
   *
   * @param id the job id
   * @return the row, or empty when there is none
   */
  public Optional<JobRecord> findById(long id) {
    return run(
        "read job " + id,
        () ->
            dsl.select(COLUMNS)
                .from(jobs)
                .where(ID.eq(id))
                .fetchOptional()
                .map(JobRecordColumns::toRecord));
  }

  /**
   * Reads jobs matching a query, newest first.
   *
   * @param query validated filters
   * @return the rows
   */
  public List<JobRecord> find(JobQuery query) {
    Condition where = noCondition();
    if (query.type() != null) {
      where = where.and(TYPE.eq(query.type()));
    }
    if (query.priority() != null) {
      where = where.and(PRIORITY.eq(query.priority().shortValue()));
    }
    if (query.createdAfter() != null) {
      where = where.and(CREATED_AT.ge(utc(query.createdAfter())));
    }
    if (query.createdBefore() != null) {
      where = where.and(CREATED_AT.lt(utc(query.createdBefore())));
    }
    if (query.payloadContainsJson() != null) {
      where = where.and(JobRecordColumns.payloadContains(query.payloadContainsJson()));
    }
    Condition filters = where;
    int enough = query.limit() + query.offset();
    return run(
        "query jobs",
        () -> {
          // One branch per status, each read from its partial index (see StatusBranches), with
          // the status as a literal so that the planner sees the branch's rows lie in it. Each
          // branch yields its newest rows, enough for the page; the page is cut from their union.
          Select<Record> union = null;
          for (Condition status : StatusBranches.of(query.status())) {
            Select<Record> branch =
                dsl.select(COLUMNS)
                    .from(jobs)
                    .where(filters.and(status))
                    .orderBy(CREATED_AT.desc(), ID.desc())
                    .limit(inline(enough));
            union = union == null ? branch : union.unionAll(branch);
          }
          Table<Record> page = union.asTable("page");
          return dsl.selectFrom(page)
              .orderBy(page.field(CREATED_AT).desc(), page.field(ID).desc())
              .limit(query.limit())
              .offset(query.offset())
              .fetch(JobRecordColumns::toRecord);
        });
  }

  /**
   * Cancels a job that is pending or running. A running job's node is notified so that it
   * interrupts the attempt; its later writes are fenced out because the row is no longer running.
   *
   * @param id the job id
   * @return the status the job had ({@code pending} or {@code running}), or empty when it was in
   *     neither state or does not exist
   */
  public Optional<String> cancel(long id) {
    return run(
        "cancel job " + id,
        () ->
            dsl.resultQuery(cancelSql, id, channel, Notifications.CANCEL_PREFIX)
                .fetchOptional(0, String.class));
  }

  /**
   * Counts every job by type and status: a full scan, for reports.
   *
   * @return counts by type, then status wire name
   */
  public Map<String, Map<String, Long>> countByTypeAndStatus() {
    return run(
        "count jobs by type and status",
        () -> {
          Map<String, Map<String, Long>> counts = new HashMap<>();
          dsl.resultQuery(
                  "select type, status, count(*) from " + qualifiedJobs + " group by type, status")
              .forEach(
                  r ->
                      counts
                          .computeIfAbsent(r.get(0, String.class), t -> new HashMap<>())
                          .put(r.get(1, String.class), r.get(2, Long.class)));
          return counts;
        });
  }

  /**
   * Puts a failed or cancelled job back to pending, due now, with a fresh retry budget. Its error
   * history is kept. Nodes are notified. A job with a unique key takes it back, unless another job
   * holds it in a state the job counts; see {@link JobRetries}.
   *
   * @param id the job id
   * @return retried; not retryable (no such job, or not failed or cancelled); or the key's holder
   */
  public RetryResult retry(long id) {
    return run("retry job " + id, () -> retries.retry(dsl, id));
  }

  /** Sends a wake-up notification on this schema's channel. */
  public void notifyNewJobs() {
    run(
        "send a wake-up notification",
        () ->
            dsl.resultQuery("select count(*) from pg_notify(?, ?)", channel, Notifications.NEW_JOBS)
                .fetch());
  }
}
