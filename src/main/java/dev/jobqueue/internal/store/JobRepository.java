package dev.jobqueue.internal.store;

import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import dev.jobqueue.JobPriority;
import dev.jobqueue.JobStoreException;
import dev.jobqueue.internal.notify.Notifications;
import java.sql.Connection;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.ExecuteListener;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.SelectField;
import org.jooq.Table;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.jooq.impl.SQLDataType;

/**
 * All SQL the library runs against the jobs table. Every value reaches PostgreSQL as a bind
 * parameter; the only identifier rendered into SQL is the schema name, which {@code JobQueueConfig}
 * has already checked against {@code ^[a-z_][a-z0-9_]{0,62}$}.
 *
 * <p>Thread-safe. Database failures surface as {@link JobStoreException} naming the operation.
 */
public final class JobRepository {

  static {
    // jOOQ prints a banner and tips on first use; a library must not write to its users' logs.
    System.setProperty("org.jooq.no-logo", System.getProperty("org.jooq.no-logo", "true"));
    System.setProperty("org.jooq.no-tips", System.getProperty("org.jooq.no-tips", "true"));
  }

  private static final Field<Long> ID = field(name("id"), SQLDataType.BIGINT);
  private static final Field<String> TYPE = field(name("type"), SQLDataType.VARCHAR);
  private static final Field<String> STATUS = field(name("status"), SQLDataType.VARCHAR);
  private static final Field<Short> PRIORITY = field(name("priority"), SQLDataType.SMALLINT);
  private static final Field<Object> PAYLOAD = field(name("payload"));
  private static final Field<String> PAYLOAD_TEXT =
      field("{0}::text", SQLDataType.VARCHAR, PAYLOAD).as("payload");
  private static final Field<String> RESULT_TEXT =
      field("{0}::text", SQLDataType.VARCHAR, field(name("result"))).as("result");
  private static final Field<String> ERROR_MESSAGE =
      field(name("error_message"), SQLDataType.VARCHAR);
  private static final Field<String> ERRORS_TEXT =
      field("{0}::text", SQLDataType.VARCHAR, field(name("errors"))).as("errors");
  private static final Field<Integer> RETRY_COUNT = field(name("retry_count"), SQLDataType.INTEGER);
  private static final Field<Integer> MAX_RETRIES = field(name("max_retries"), SQLDataType.INTEGER);
  private static final Field<Integer> ATTEMPT = field(name("attempt"), SQLDataType.INTEGER);
  private static final Field<Integer> TIMEOUT_SECONDS =
      field(name("timeout_seconds"), SQLDataType.INTEGER);
  private static final Field<String> LOCKED_BY = field(name("locked_by"), SQLDataType.VARCHAR);
  private static final Field<OffsetDateTime> LEASE_EXPIRES_AT = timestamp("lease_expires_at");
  private static final Field<OffsetDateTime> CREATED_AT = timestamp("created_at");
  private static final Field<OffsetDateTime> UPDATED_AT = timestamp("updated_at");
  private static final Field<OffsetDateTime> SCHEDULED_AT = timestamp("scheduled_at");
  private static final Field<OffsetDateTime> RUN_AT = timestamp("run_at");
  private static final Field<OffsetDateTime> STARTED_AT = timestamp("started_at");
  private static final Field<OffsetDateTime> COMPLETED_AT = timestamp("completed_at");

  private static final List<SelectField<?>> COLUMNS =
      List.of(
          ID,
          TYPE,
          STATUS,
          PRIORITY,
          PAYLOAD_TEXT,
          RESULT_TEXT,
          ERROR_MESSAGE,
          ERRORS_TEXT,
          RETRY_COUNT,
          MAX_RETRIES,
          ATTEMPT,
          TIMEOUT_SECONDS,
          LOCKED_BY,
          LEASE_EXPIRES_AT,
          CREATED_AT,
          UPDATED_AT,
          SCHEDULED_AT,
          RUN_AT,
          STARTED_AT,
          COMPLETED_AT);

  /** First key of the pruning advisory lock: "jqpr" in ASCII. */
  private static final int PRUNE_LOCK_CLASS = 0x6a717072;

  private static final Settings SETTINGS =
      new Settings().withExecuteLogging(false).withRenderSchema(true);

  /** When this thread last sent a statement ({@code System.nanoTime()}). */
  private static final ThreadLocal<long[]> SENT = ThreadLocal.withInitial(() -> new long[1]);

  /** Errors longer than this are cut before they are stored. */
  public static final int MAX_ERROR_CHARS = 4_000;

  private final DSLContext dsl;
  private final Table<?> jobs;
  private final String channel;
  private final String insertSql;
  private final String claimSql;
  private final String completeSql;
  private final String completeOneSql;
  private final String failSql;
  private final String releaseSql;
  private final String extendSql;
  private final String expiredSql;
  private final String rescueSql;
  private final String cancelSql;
  private final String nextDueSql;
  private final String schema;
  private final String qualifiedNodes;
  private final String qualifiedStats;
  private final String qualifiedJobs;

  /**
   * Creates a repository over the jobs table in {@code schema}.
   *
   * @param dataSource where connections come from
   * @param schema a checked schema name
   */
  public JobRepository(DataSource dataSource, String schema) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(schema, "schema");
    this.dsl =
        DSL.using(
            new DefaultConfiguration()
                .set(dataSource)
                .set(SQLDialect.POSTGRES)
                .set(SETTINGS)
                .set(
                    new DefaultExecuteListenerProvider(
                        ExecuteListener.onExecuteStart(ctx -> SENT.get()[0] = System.nanoTime()))));
    this.jobs = table(name(schema, "jobs"));
    String qualified = "\"" + schema + "\".jobs";
    this.schema = schema;
    this.qualifiedJobs = qualified;
    this.qualifiedNodes = "\"" + schema + "\".nodes";
    this.qualifiedStats = "\"" + schema + "\".job_stats";
    this.channel = Notifications.channel(schema);
    // One statement for one job or many. The rows go in input order (ORDER BY ord), so the
    // identity values they draw ascend in input order too: sorting the returned ids restores it.
    this.insertSql =
        "insert into "
            + qualified
            + " (type, priority, payload, max_retries, timeout_seconds, scheduled_at, run_at)"
            + " select u.type, u.priority, u.payload::jsonb, u.max_retries, u.timeout_seconds,"
            + " coalesce(u.scheduled_at, now()), coalesce(u.scheduled_at, now())"
            + " from unnest(?::text[], ?::smallint[], ?::text[], ?::integer[], ?::integer[],"
            + " ?::timestamptz[]) with ordinality"
            + " as u(type, priority, payload, max_retries, timeout_seconds, scheduled_at, ord)"
            + " order by u.ord"
            // One notification per statement at most (an uncorrelated sub-select runs once),
            // and only when the caller asks for it: see Notifier for the debouncing.
            + " returning id, (select count(*) from pg_notify(?, ?) where ?::boolean)";
    String fence = " and j.locked_by = ? and j.status = 'running'";
    // A job claimed before whose run_at is still older than that claim was given back by a rescue
    // or a release (a failure, retryJob and a new job set run_at to now or later): given_back.
    this.claimSql =
        "with claimable as materialized ("
            + " select id, coalesce(started_at > run_at, false) as given_back from "
            + qualified
            + " where status = 'pending' and run_at <= now() and type = any(?::text[])"
            + " order by "
            + ClaimOrder.SQL
            + " limit ? for update skip locked),"
            + " claimed as (update "
            + qualified
            + " j set status = 'running', attempt = j.attempt + 1, locked_by = ?,"
            + " lease_expires_at = now() + ?::bigint * interval '1 millisecond',"
            + " started_at = now(), updated_at = now()"
            + " from claimable c where j.id = c.id"
            + " returning j.id, j.type, j.payload::text, j.attempt, j.retry_count, j.max_retries,"
            + " j.timeout_seconds, j.priority, j.scheduled_at, j.run_at, c.given_back)"
            + " select * from claimed order by "
            + ClaimOrder.SQL;
    String completedSet =
        " set status = 'completed', completed_at = now(), updated_at = now(),"
            + " locked_by = null, lease_expires_at = null";
    // The multi-row updates of a node's held jobs (completion, release, lease renewal) first lock
    // their rows in id order: two such statements running at once (the completer and the lease
    // renewal) would otherwise lock overlapping rows in different orders and deadlock.
    String lockHeld =
        " j join unnest(?::bigint[], ?::integer[]%s) as u(id, token%s)"
            + " on j.id = u.id and j.attempt = u.token"
            + " where j.locked_by = ? and j.status = 'running'"
            + " order by j.id for update of j)";
    this.completeSql =
        "with locked as (select j.id, u.result from "
            + qualified
            + String.format(lockHeld, ", ?::text[]", ", result")
            + " update "
            + qualified
            + " j"
            + completedSet
            + ", result = l.result::jsonb from locked l where j.id = l.id returning j.id";
    this.completeOneSql =
        "update "
            + qualified
            + " j"
            + completedSet
            + ", result = ?::jsonb where j.id = ? and j.attempt = ?"
            + fence;
    String errorEntry =
        "jsonb_build_array(jsonb_build_object('attempt', j.retry_count + 1, 'at', now(),"
            + " 'error', l.message))";
    // The decision (retry or fail, and the delay) comes from Retries; this only applies it.
    this.failSql =
        "with locked as (select j.id, u.retry, u.delay, u.message from "
            + qualified
            + String.format(
                lockHeld, ", ?::boolean[], ?::bigint[], ?::text[]", ", retry, delay, message")
            + " update "
            + qualified
            + " j set status = case when l.retry then 'pending' else 'failed' end,"
            + " retry_count = j.retry_count + case when l.retry then 1 else 0 end,"
            + " run_at = case when l.retry then now() + l.delay * interval '1 millisecond'"
            + " else j.run_at end,"
            + " completed_at = case when l.retry then null else now() end,"
            + " error_message = l.message, errors = j.errors || "
            + errorEntry
            + ", locked_by = null, lease_expires_at = null, updated_at = now()"
            + " from locked l where j.id = l.id returning j.id";
    this.releaseSql =
        "with locked as (select j.id from "
            + qualified
            + String.format(lockHeld, "", "")
            + " update "
            + qualified
            + " j set status = 'pending', locked_by = null, lease_expires_at = null,"
            + " updated_at = now() from locked l where j.id = l.id returning j.id";
    this.extendSql =
        "with locked as (select j.id from "
            + qualified
            + String.format(lockHeld, "", "")
            + " update "
            + qualified
            + " j set lease_expires_at = now() + ?::bigint * interval '1 millisecond'"
            + " from locked l where j.id = l.id returning j.id";
    this.expiredSql =
        "select id, locked_by, retry_count, max_retries from "
            + qualified
            + " where status = 'running' and lease_expires_at < now()"
            + " order by lease_expires_at limit ? for update skip locked";
    String lostMessage = "'attempt lost: lease held by ' || u.holder || ' expired without renewal'";
    // The rows are locked by expiredSql in the same transaction; the decision comes from the
    // caller's rule. run_at stays: the job was due when it was claimed, so it keeps its place in
    // the queue and runs again within lease + rescue interval even behind a backlog.
    this.rescueSql =
        "update "
            + qualified
            + " j set status = case when u.retry then 'pending' else 'failed' end,"
            + " retry_count = j.retry_count + case when u.retry then 1 else 0 end,"
            + " completed_at = case when u.retry then null else now() end,"
            + " error_message = "
            + lostMessage
            + ", errors = j.errors || jsonb_build_array(jsonb_build_object('attempt',"
            + " j.retry_count + 1, 'at', now(), 'error', "
            + lostMessage
            + ")), locked_by = null, lease_expires_at = null, updated_at = now()"
            + " from unnest(?::bigint[], ?::text[], ?::boolean[]) as u(id, holder, retry)"
            + " where j.id = u.id and j.status = 'running'"
            + " returning j.id, u.holder, j.status";
    // min(run_at) per priority walks jobs_claim_idx from its start, so this stays cheap however
    // many pending jobs there are (a plain min over all priorities could not use the index).
    String minRunAt =
        "(select min(run_at) from "
            + qualified
            + " where status = 'pending' and priority = %d and type = any(?::text[]))";
    this.nextDueSql =
        "select (extract(epoch from (least("
            + perPriority(minRunAt)
            + ") - now())) * 1000)::bigint";
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
        () -> insert(DSL.using(connection, SQLDialect.POSTGRES, SETTINGS), newJobs, true));
  }

  private List<Long> insert(DSLContext ctx, List<NewJob> newJobs, boolean notify) {
    int n = newJobs.size();
    if (n == 0) {
      return List.of();
    }
    String[] types = new String[n];
    Integer[] priorities = new Integer[n];
    String[] payloads = new String[n];
    Integer[] maxRetries = new Integer[n];
    Integer[] timeouts = new Integer[n];
    String[] scheduled = new String[n];
    for (int i = 0; i < n; i++) {
      NewJob job = newJobs.get(i);
      types[i] = job.type();
      priorities[i] = job.priority();
      payloads[i] = job.payloadJson();
      maxRetries[i] = job.maxRetries();
      timeouts[i] = job.timeoutSeconds();
      scheduled[i] = job.scheduledAt() == null ? null : job.scheduledAt().toString();
    }
    List<Long> ids =
        new ArrayList<>(
            ctx.resultQuery(
                    insertSql,
                    types,
                    priorities,
                    payloads,
                    maxRetries,
                    timeouts,
                    scheduled,
                    channel,
                    Notifications.NEW_JOBS,
                    notify)
                .fetch(0, Long.class));
    if (ids.size() != n) {
      throw new IllegalStateException("inserted " + ids.size() + " jobs, expected " + n);
    }
    ids.sort(null);
    return ids;
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
                .map(JobRepository::toRecord));
  }

  /**
   * Reads jobs matching a query, newest first.
   *
   * @param query validated filters
   * @return the rows
   */
  public List<JobRecord> find(JobQuery query) {
    Condition where = noCondition();
    if (query.status() != null) {
      where = where.and(STATUS.eq(query.status()));
    }
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
      where = where.and(condition("{0} @> {1}::jsonb", PAYLOAD, val(query.payloadContainsJson())));
    }
    Condition condition = where;
    return run(
        "query jobs",
        () ->
            dsl.select(COLUMNS)
                .from(jobs)
                .where(condition)
                .orderBy(CREATED_AT.desc(), ID.desc())
                .limit(query.limit())
                .offset(query.offset())
                .fetch(JobRepository::toRecord));
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
   * Claims up to {@code limit} due jobs of the given types, in claim order (priority, run_at, id),
   * in one statement. Rows other nodes have locked are skipped, never waited for.
   *
   * @param node this node's id, stored in {@code locked_by}
   * @param types the types this node has handlers for
   * @param limit the most jobs to claim
   * @param leaseMillis how long the lease lasts before it must be renewed
   * @return the claimed jobs, in claim order
   */
  public List<ClaimedJob> claimAvailable(String node, String[] types, int limit, long leaseMillis) {
    if (limit <= 0 || types.length == 0) {
      return List.of();
    }
    return run(
        "claim jobs",
        () -> {
          List<ClaimedJob> claimed =
              new ArrayList<>(
                  dsl.resultQuery(claimSql, types, limit, node, leaseMillis)
                      .fetch(
                          r ->
                              new ClaimedJob(
                                  r.get(0, Long.class),
                                  r.get(1, String.class),
                                  r.get(2, String.class),
                                  r.get(3, Integer.class),
                                  r.get(4, Integer.class),
                                  r.get(5, Integer.class),
                                  r.get(6, Integer.class),
                                  r.get(7, Integer.class),
                                  instant(r.get(8, OffsetDateTime.class)),
                                  instant(r.get(9, OffsetDateTime.class)),
                                  r.get(10, Boolean.class))));
          return claimed;
        });
  }

  /**
   * Marks successful attempts completed, in one statement. Each row is fenced by id, token, node
   * and status; a row whose claim was taken over is left alone.
   *
   * @param node this node's id
   * @param completions the successful attempts
   * @return the ids that were written; the others were fenced out
   */
  public Set<Long> completeMany(String node, List<Completion> completions) {
    int n = completions.size();
    if (n == 0) {
      return Set.of();
    }
    Long[] ids = new Long[n];
    Integer[] tokens = new Integer[n];
    String[] results = new String[n];
    for (int i = 0; i < n; i++) {
      Completion c = completions.get(i);
      ids[i] = c.id();
      tokens[i] = c.token();
      results[i] = c.resultJson();
    }
    return run(
        "complete " + n + " jobs",
        () ->
            new HashSet<>(
                dsl.resultQuery(completeSql, ids, tokens, results, node).fetch(0, Long.class)));
  }

  /**
   * Marks one successful attempt completed inside the caller's transaction, fenced like {@link
   * #completeMany}. Nothing is committed here.
   *
   * @param connection the transaction's connection
   * @param node this node's id
   * @param completion the attempt
   * @return true when the row was written; false when the claim was taken over
   */
  public boolean completeInTransaction(Connection connection, String node, Completion completion) {
    return run(
        "complete job " + completion.id() + " in a transaction",
        () ->
            DSL.using(connection, SQLDialect.POSTGRES, SETTINGS)
                    .query(
                        completeOneSql,
                        completion.resultJson(),
                        completion.id(),
                        completion.token(),
                        node)
                    .execute()
                == 1);
  }

  /**
   * Records failed attempts, in one statement: each goes back to pending after its delay, or ends
   * failed, as its {@link Failure} says. Fenced like {@link #completeMany}.
   *
   * @param node this node's id
   * @param failures the attempts and what to do with each
   * @return the ids that were written; the others were fenced out
   */
  public Set<Long> failMany(String node, List<Failure> failures) {
    int n = failures.size();
    if (n == 0) {
      return Set.of();
    }
    Long[] ids = new Long[n];
    Integer[] tokens = new Integer[n];
    Boolean[] retries = new Boolean[n];
    Long[] delays = new Long[n];
    String[] messages = new String[n];
    for (int i = 0; i < n; i++) {
      Failure f = failures.get(i);
      ids[i] = f.id();
      tokens[i] = f.token();
      retries[i] = f.retry();
      delays[i] = f.delayMillis();
      messages[i] = f.message();
    }
    return run(
        "record " + n + " failed attempts",
        () ->
            new HashSet<>(
                dsl.resultQuery(failSql, ids, tokens, retries, delays, messages, node)
                    .fetch(0, Long.class)));
  }

  /**
   * Gives held jobs back to pending without counting an attempt (a prefetched job that never
   * started, or one interrupted by shutdown). Fenced.
   *
   * @param node this node's id
   * @param held the jobs
   * @return the ids that were released
   */
  public Set<Long> release(String node, List<HeldJob> held) {
    return heldUpdate("release " + held.size() + " jobs", releaseSql, null, node, held);
  }

  /**
   * Renews the leases of the jobs this node holds, in one statement.
   *
   * @param node this node's id
   * @param held the jobs this node believes it holds
   * @param leaseMillis the new lease, from now
   * @return the ids still held; any other job of {@code held} was cancelled or taken over
   */
  public Set<Long> extendLeases(String node, List<HeldJob> held, long leaseMillis) {
    return heldUpdate("renew " + held.size() + " leases", extendSql, leaseMillis, node, held);
  }

  private Set<Long> heldUpdate(
      String operation, String sql, Long leaseMillis, String node, List<HeldJob> held) {
    int n = held.size();
    if (n == 0) {
      return Set.of();
    }
    Long[] ids = new Long[n];
    Integer[] tokens = new Integer[n];
    for (int i = 0; i < n; i++) {
      ids[i] = held.get(i).id();
      tokens[i] = held.get(i).token();
    }
    Object[] binds =
        leaseMillis == null
            ? new Object[] {ids, tokens, node}
            : new Object[] {ids, tokens, node, leaseMillis};
    return run(operation, () -> new HashSet<>(dsl.resultQuery(sql, binds).fetch(0, Long.class)));
  }

  /** Decides whether a job whose attempt was lost may run again. */
  @FunctionalInterface
  public interface RetryRule {
    /**
     * The decision for one job.
     *
     * @param retryCount retries used before the lost attempt
     * @param maxRetries the job's budget
     * @return true: back to pending; false: failed
     */
    boolean retry(int retryCount, int maxRetries);
  }

  /**
   * Takes back up to {@code limit} running jobs whose lease expired: their node stopped renewing
   * it, so it is presumed dead. The lost attempt counts; {@code rule} decides whether each job goes
   * back to pending (keeping its place in the queue) or ends failed. Safe to run on every node at
   * once: the rows are locked, and skipped by the others, in one transaction.
   *
   * @param limit the most jobs to take back in this statement
   * @param rule the retry decision
   * @return what was taken back
   */
  public List<RescuedJob> rescueExpired(int limit, RetryRule rule) {
    return run(
        "rescue expired jobs",
        () ->
            inTransaction(
                cfg -> {
                  DSLContext tx = cfg.dsl();
                  List<Record> expired = tx.resultQuery(expiredSql, limit).fetch();
                  if (expired.isEmpty()) {
                    return List.<RescuedJob>of();
                  }
                  int n = expired.size();
                  Long[] ids = new Long[n];
                  String[] holders = new String[n];
                  Boolean[] retry = new Boolean[n];
                  for (int i = 0; i < n; i++) {
                    Record r = expired.get(i);
                    ids[i] = r.get(0, Long.class);
                    holders[i] = r.get(1, String.class);
                    retry[i] = rule.retry(r.get(2, Integer.class), r.get(3, Integer.class));
                  }
                  return tx.resultQuery(rescueSql, ids, holders, retry)
                      .fetch(
                          r ->
                              new RescuedJob(
                                  r.get(0, Long.class),
                                  r.get(1, String.class),
                                  r.get(2, String.class)));
                }));
  }

  /**
   * How long until the next pending job of these types falls due, by the database clock.
   *
   * @param types the types a node has handlers for
   * @return milliseconds (zero or negative when one is due now), or empty when none is pending
   */
  public Optional<Long> millisUntilNextDue(String[] types) {
    return run(
        "find the next due job",
        () ->
            Optional.ofNullable(
                dsl.resultQuery(nextDueSql, repeat(types, JobPriority.values().length))
                    .fetchOne(0, Long.class)));
  }

  // ---- monitoring ---------------------------------------------------------------------------

  /** Counts at or above this come from PostgreSQL's statistics rather than a count. */
  public static final long EXACT_COUNT_LIMIT = 10_000;

  private static final String[] STATUSES = {
    "pending", "running", "completed", "failed", "cancelled"
  };

  /**
   * Reads what the health check needs, in one short transaction bounded by a statement timeout.
   * Counts under {@value #EXACT_COUNT_LIMIT} (by PostgreSQL's estimate) are exact; larger ones are
   * the estimate, read from {@code pg_stats}. Exact counts are capped at {@value
   * #EXACT_COUNT_LIMIT}, so no statement here reads more than about that many index entries per
   * status, however large the table and however stale its statistics.
   *
   * @param timeoutMillis the statement timeout
   * @param liveWithinMillis a node is live if its heartbeat is this recent
   * @return the snapshot
   */
  public HealthSnapshot health(long timeoutMillis, long liveWithinMillis) {
    return run(
        "check health",
        () ->
            dsl.transactionResult(
                cfg -> {
                  DSLContext tx = cfg.dsl();
                  tx.execute("set local statement_timeout = " + Math.max(1, timeoutMillis));
                  Map<String, Long> estimates = new HashMap<>();
                  tx.resultQuery(
                          "select s.v, (s.f * greatest(c.reltuples, 0))::bigint"
                              + " from pg_class c"
                              + " join pg_namespace n on n.oid = c.relnamespace"
                              + " join lateral (select unnest(st.most_common_vals::text::text[]) v,"
                              + " unnest(st.most_common_freqs) f from pg_stats st"
                              + " where st.schemaname = n.nspname and st.tablename = c.relname"
                              + " and st.attname = 'status') s on true"
                              + " where n.nspname = ? and c.relname = 'jobs' and c.reltuples > 0",
                          schema)
                      .forEach(r -> estimates.put(r.get(0, String.class), r.get(1, Long.class)));
                  Map<String, Long> counts = new HashMap<>();
                  List<String> exact = new ArrayList<>();
                  boolean estimated = false;
                  for (String status : STATUSES) {
                    Long estimate = estimates.get(status);
                    if (estimate == null || estimate < EXACT_COUNT_LIMIT) {
                      exact.add(status);
                      counts.put(status, 0L);
                    } else {
                      counts.put(status, estimate);
                      estimated = true;
                    }
                  }
                  if (!exact.isEmpty()) {
                    // Capped counts, one index range each: never more than the cap in entries,
                    // even when the statistics are missing or stale (a table never analyzed).
                    StringBuilder sql = new StringBuilder("select ");
                    for (int i = 0; i < exact.size(); i++) {
                      sql.append(i == 0 ? "" : ", ")
                          .append("(select count(*) from (select 1 from ")
                          .append(qualifiedJobs)
                          .append(" where status = '")
                          .append(exact.get(i)) // one of STATUSES: constants, not input
                          .append("' limit ")
                          .append(EXACT_COUNT_LIMIT)
                          .append(") c)");
                    }
                    Record row = tx.resultQuery(sql.toString()).fetchOne();
                    for (int i = 0; i < exact.size(); i++) {
                      long count = row.get(i, Long.class);
                      String status = exact.get(i);
                      if (count >= EXACT_COUNT_LIMIT) {
                        // At least the cap: better the statistics' figure, if there is one.
                        count = Math.max(count, estimates.getOrDefault(status, 0L));
                        estimated = true;
                      }
                      counts.put(status, count);
                    }
                  }
                  String oldestDue =
                      "(select min(run_at) from "
                          + qualifiedJobs
                          + " where status = 'pending' and priority = %d and run_at <= now())";
                  Record queue =
                      tx.resultQuery(
                              "select coalesce((extract(epoch from now() - least("
                                  + perPriority(oldestDue)
                                  + ")) * 1000)::bigint, 0),"
                                  + " (select count(*) from (select 1 from "
                                  + qualifiedJobs
                                  + " where status = 'pending' and run_at <= now() limit "
                                  + EXACT_COUNT_LIMIT
                                  + ") due),"
                                  + " (select count(*) from "
                                  + qualifiedNodes
                                  + " where heartbeat_at > now() - ?::bigint"
                                  + " * interval '1 millisecond')",
                              liveWithinMillis)
                          .fetchOne();
                  return new HealthSnapshot(
                      counts,
                      estimated,
                      Math.max(0, queue.get(0, Long.class)),
                      queue.get(1, Long.class),
                      queue.get(2, Integer.class));
                }));
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
   * Records this node's heartbeat.
   *
   * @param node the node's current figures
   * @return the database clock's now, epoch milliseconds
   */
  public long heartbeat(NodeInfo node) {
    return run(
        "record the node heartbeat",
        () ->
            dsl.resultQuery(
                    "insert into "
                        + qualifiedNodes
                        + " (node_id, host, pid, types, max_workers, active_workers,"
                        + " idle_workers, stuck_workers, listening)"
                        + " values (?, ?, ?, ?::text[], ?, ?, ?, ?, ?)"
                        + " on conflict (node_id) do update set heartbeat_at = now(),"
                        + " types = excluded.types, max_workers = excluded.max_workers,"
                        + " active_workers = excluded.active_workers,"
                        + " idle_workers = excluded.idle_workers,"
                        + " stuck_workers = excluded.stuck_workers,"
                        + " listening = excluded.listening"
                        + " returning (extract(epoch from now()) * 1000)::bigint",
                    node.nodeId(),
                    node.host(),
                    node.pid(),
                    node.types(),
                    node.maxWorkers(),
                    node.activeWorkers(),
                    node.idleWorkers(),
                    node.stuckWorkers(),
                    node.listening())
                .fetchOne(0, Long.class));
  }

  /**
   * Removes a node's heartbeat row, when it stops.
   *
   * @param nodeId the node
   */
  public void removeNode(String nodeId) {
    run(
        "remove the node " + nodeId,
        () -> dsl.query("delete from " + qualifiedNodes + " where node_id = ?", nodeId).execute());
  }

  /**
   * Writes per-minute figures; a row already there for the same minute, node and type is replaced
   * (the figures are running totals, so writing them again is harmless).
   *
   * @param rows the rows
   */
  public void saveStats(List<StatRow> rows) {
    int n = rows.size();
    if (n == 0) {
      return;
    }
    Long[] minutes = new Long[n];
    String[] nodes = new String[n];
    String[] types = new String[n];
    Long[][] numbers = new Long[7][n];
    String[] histograms = new String[n];
    for (int i = 0; i < n; i++) {
      StatRow row = rows.get(i);
      minutes[i] = row.minuteMillis();
      nodes[i] = row.nodeId();
      types[i] = row.type();
      numbers[0][i] = row.processed();
      numbers[1][i] = row.succeeded();
      numbers[2][i] = row.failed();
      numbers[3][i] = row.retried();
      numbers[4][i] = row.totalMillis();
      numbers[5][i] = row.maxMillis();
      StringBuilder text = new StringBuilder("{");
      for (int b = 0; b < row.histogram().length; b++) {
        text.append(b == 0 ? "" : ",").append(row.histogram()[b]);
      }
      histograms[i] = text.append('}').toString();
    }
    run(
        "save processing statistics",
        () ->
            dsl.query(
                    "insert into "
                        + qualifiedStats
                        + " (minute, node_id, type, processed, succeeded, failed, retried,"
                        + " total_millis, max_millis, histogram)"
                        + " select to_timestamp(u.m / 1000.0), u.n, u.t, u.p, u.s, u.f, u.r,"
                        + " u.tm, u.mx, u.h::bigint[]"
                        + " from unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[],"
                        + " ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],"
                        + " ?::text[]) as u(m, n, t, p, s, f, r, tm, mx, h)"
                        + " on conflict (minute, node_id, type) do update set"
                        + " processed = excluded.processed, succeeded = excluded.succeeded,"
                        + " failed = excluded.failed, retried = excluded.retried,"
                        + " total_millis = excluded.total_millis,"
                        + " max_millis = excluded.max_millis, histogram = excluded.histogram",
                    minutes,
                    nodes,
                    types,
                    numbers[0],
                    numbers[1],
                    numbers[2],
                    numbers[3],
                    numbers[4],
                    numbers[5],
                    histograms)
                .execute());
  }

  /**
   * Reads every node's per-minute figures of the last {@code minutes} minutes.
   *
   * @param minutes how far back
   * @param rowsOut where the rows go
   * @return the database clock's now, epoch milliseconds
   */
  public long recentStats(int minutes, List<StatRow> rowsOut) {
    return run(
        "read processing statistics",
        () -> {
          long[] now = {0};
          dsl.resultQuery(
                  "select (extract(epoch from minute) * 1000)::bigint, node_id, type, processed,"
                      + " succeeded, failed, retried, total_millis, max_millis, histogram::text,"
                      + " (extract(epoch from now()) * 1000)::bigint from "
                      + qualifiedStats
                      + " where minute >= date_trunc('minute', now()) - ?::integer"
                      + " * interval '1 minute'",
                  minutes)
              .forEach(
                  r -> {
                    now[0] = r.get(10, Long.class);
                    rowsOut.add(
                        new StatRow(
                            r.get(0, Long.class),
                            r.get(1, String.class),
                            r.get(2, String.class),
                            r.get(3, Long.class),
                            r.get(4, Long.class),
                            r.get(5, Long.class),
                            r.get(6, Long.class),
                            r.get(7, Long.class),
                            r.get(8, Long.class),
                            parseHistogram(r.get(9, String.class))));
                  });
          if (now[0] == 0) {
            now[0] =
                dsl.resultQuery("select (extract(epoch from now()) * 1000)::bigint")
                    .fetchOne(0, Long.class);
          }
          return now[0];
        });
  }

  private static long[] parseHistogram(String text) {
    String body = text.substring(1, text.length() - 1);
    if (body.isEmpty()) {
      return new long[0];
    }
    String[] parts = body.split(",");
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = Long.parseLong(parts[i]);
    }
    return values;
  }

  /**
   * Puts a failed or cancelled job back to pending, due now, with a fresh retry budget. Its error
   * history is kept. Nodes are notified.
   *
   * @param id the job id
   * @return true when the job was failed or cancelled and is now pending
   */
  public boolean retry(long id) {
    return run(
        "retry job " + id,
        () ->
            dsl.resultQuery(
                    "update "
                        + qualifiedJobs
                        + " set status = 'pending', retry_count = 0, run_at = now(),"
                        + " completed_at = null, result = null, locked_by = null,"
                        + " lease_expires_at = null, updated_at = now()"
                        + " where id = ? and status in ('failed', 'cancelled')"
                        + " returning (select count(*) from pg_notify(?, ?))",
                    id,
                    channel,
                    Notifications.NEW_JOBS)
                .fetchOptional()
                .isPresent());
  }

  /**
   * Deletes up to {@code limit} finished jobs older than their retention, in one short transaction,
   * if no other node is pruning at this moment. Pending and running jobs are never touched.
   *
   * @param status the finished status to prune: completed, cancelled or failed
   * @param olderThanMillis how long after completion a job is kept
   * @param limit the most jobs to delete
   * @return how many were deleted, or -1 when another node holds the pruning lock
   */
  public int pruneFinished(String status, long olderThanMillis, int limit) {
    return run(
        "prune finished jobs",
        () ->
            inTransaction(
                cfg -> {
                  DSLContext tx = cfg.dsl();
                  Boolean locked =
                      tx.resultQuery(
                              "select pg_try_advisory_xact_lock(?, ?)",
                              PRUNE_LOCK_CLASS,
                              schema.hashCode())
                          .fetchOne(0, Boolean.class);
                  if (!Boolean.TRUE.equals(locked)) {
                    return -1;
                  }
                  // completed_at >= created_at, so the created_at bound is implied by the
                  // completed_at one; it is there to let jobs_status_created_idx find the
                  // candidates as one index range.
                  return tx.query(
                          "with doomed as (select id from "
                              + qualifiedJobs
                              + " where status = ?"
                              + " and created_at < now() - ?::bigint * interval '1 millisecond'"
                              + " and completed_at < now() - ?::bigint * interval '1 millisecond'"
                              + " limit ? for update skip locked)"
                              + " delete from "
                              + qualifiedJobs
                              + " j using doomed d where j.id = d.id",
                          status,
                          olderThanMillis,
                          olderThanMillis,
                          limit)
                      .execute();
                }));
  }

  /**
   * Deletes node rows and statistics older than {@code olderThanMillis}.
   *
   * @param olderThanMillis the age
   */
  public void pruneMonitoring(long olderThanMillis) {
    run(
        "prune node rows and statistics",
        () -> {
          dsl.query(
                  "delete from "
                      + qualifiedNodes
                      + " where heartbeat_at < now() - ?::bigint * interval '1 millisecond'",
                  olderThanMillis)
              .execute();
          return dsl.query(
                  "delete from "
                      + qualifiedStats
                      + " where minute < now() - ?::bigint * interval '1 millisecond'",
                  olderThanMillis)
              .execute();
        });
  }

  /** Sends a wake-up notification on this schema's channel. */
  public void notifyNewJobs() {
    run(
        "send a wake-up notification",
        () ->
            dsl.resultQuery("select count(*) from pg_notify(?, ?)", channel, Notifications.NEW_JOBS)
                .fetch());
  }

  /**
   * When the calling thread last sent a statement through this repository, by {@code
   * System.nanoTime()}: after its connection was obtained from the pool. A lease granted by that
   * statement runs from no earlier than this.
   *
   * @param fallback returned when this thread has sent nothing since
   * @return the later of the last send and {@code fallback}
   */
  public long sentSince(long fallback) {
    long sent = SENT.get()[0];
    return sent - fallback > 0 ? sent : fallback;
  }

  /**
   * {@code template} (with a {@code %d} for the priority rank) once per priority, comma-separated:
   * one index range per priority where a single range over all of them cannot use the index.
   */
  private static String perPriority(String template) {
    StringBuilder sql = new StringBuilder();
    for (JobPriority priority : JobPriority.values()) {
      if (sql.length() > 0) {
        sql.append(", ");
      }
      sql.append(String.format(template, priority.rank()));
    }
    return sql.toString();
  }

  private static Object[] repeat(Object value, int times) {
    Object[] values = new Object[times];
    java.util.Arrays.fill(values, value);
    return values;
  }

  /**
   * Runs {@code body} in a transaction on one connection, asked for once: when the database is
   * unreachable, a failed attempt costs one {@code getConnection}, as a single statement does.
   */
  private <T> T inTransaction(org.jooq.TransactionalCallable<T> body) {
    return dsl.connectionResult(
        connection -> DSL.using(connection, SQLDialect.POSTGRES, SETTINGS).transactionResult(body));
  }

  private static <T> T run(String operation, Supplier<T> body) {
    try {
      return body.get();
    } catch (DataAccessException e) {
      throw new JobStoreException(
          "database error while trying to " + operation + ": " + rootMessage(e), e);
    }
  }

  /**
   * The most telling message: the first {@code SQLException} in the chain (the driver's own words
   * for this statement), not the deepest cause, which can be an older error that aborted the
   * transaction.
   */
  private static String rootMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.sql.SQLException) {
        return t.getMessage();
      }
    }
    return e.getMessage();
  }

  private static JobRecord toRecord(Record r) {
    return new JobRecord(
        r.get(ID),
        r.get(TYPE),
        r.get(STATUS),
        r.get(PRIORITY),
        r.get(PAYLOAD_TEXT),
        r.get(RESULT_TEXT),
        r.get(ERROR_MESSAGE),
        r.get(ERRORS_TEXT),
        r.get(RETRY_COUNT),
        r.get(MAX_RETRIES),
        r.get(ATTEMPT),
        r.get(TIMEOUT_SECONDS),
        r.get(LOCKED_BY),
        instant(r.get(LEASE_EXPIRES_AT)),
        instant(r.get(CREATED_AT)),
        instant(r.get(UPDATED_AT)),
        instant(r.get(SCHEDULED_AT)),
        instant(r.get(RUN_AT)),
        instant(r.get(STARTED_AT)),
        instant(r.get(COMPLETED_AT)));
  }

  private static Field<OffsetDateTime> timestamp(String column) {
    return field(name(column), SQLDataType.TIMESTAMPWITHTIMEZONE);
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime value) {
    return value == null ? null : value.toInstant();
  }
}
