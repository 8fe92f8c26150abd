package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.JobRecordColumns.COLUMNS;
import static dev.jobqueue.internal.store.JobRecordColumns.CREATED_AT;
import static dev.jobqueue.internal.store.JobRecordColumns.ID;
import static dev.jobqueue.internal.store.JobRecordColumns.PRIORITY;
import static dev.jobqueue.internal.store.JobRecordColumns.QUEUE;
import static dev.jobqueue.internal.store.JobRecordColumns.STATUS;
import static dev.jobqueue.internal.store.JobRecordColumns.TYPE;
import static dev.jobqueue.internal.store.Sql.instant;
import static dev.jobqueue.internal.store.Sql.run;
import static dev.jobqueue.internal.store.Sql.utc;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.one;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.table;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.Record2;
import org.jooq.Select;
import org.jooq.Table;

/**
 * The SQL of the operator tools ({@code dev.jobqueue.admin}): keyset pages and capped counts over
 * jobs, bulk selections, deletes, the nodes with the leader, the throughput chart, and the audit
 * log. Every query over jobs splits by status, as {@link JobRepository#find} does, so that each
 * part reads a partial index ({@link StatusBranches}).
 */
public final class AdminStore {

  /**
   * Validated filters of a search over jobs. Null components do not filter.
   *
   * @param statuses status wire names; empty for every status
   * @param type a job type, or null
   * @param queue a queue, or null
   * @param priority a priority rank, or null
   * @param createdAfter inclusive lower bound on {@code created_at}, or null
   * @param createdBefore exclusive upper bound on {@code created_at}, or null
   * @param payloadContainsJson a JSON object the payload must contain, or null
   * @param cursorCreatedAt with {@code cursorId}, where the page starts (after that job), or null
   * @param cursorId the id of the job the page starts after, or 0
   */
  public record Query(
      List<String> statuses,
      String type,
      String queue,
      Integer priority,
      Instant createdAfter,
      Instant createdBefore,
      String payloadContainsJson,
      Instant cursorCreatedAt,
      long cursorId) {
    /**
     * Copies the list.
     *
     * @param statuses status wire names
     * @param type a job type, or null
     * @param queue a queue, or null
     * @param priority a priority rank, or null
     * @param createdAfter lower bound, or null
     * @param createdBefore upper bound, or null
     * @param payloadContainsJson a JSON object, or null
     * @param cursorCreatedAt the cursor's time, or null
     * @param cursorId the cursor's id, or 0
     */
    public Query {
      statuses = List.copyOf(statuses);
    }
  }

  /**
   * A job a bulk action selected.
   *
   * @param id its id
   * @param status its status's wire name when selected
   */
  public record Selected(long id, String status) {}

  /**
   * A node's row, with the leader lease and the heartbeat's age by the database clock.
   *
   * @param nodeId the node
   * @param host its host
   * @param pid its process id
   * @param startedAt when it started
   * @param heartbeatAt its last heartbeat
   * @param heartbeatAgeMillis how long ago that was
   * @param leader whether it holds a valid leader lease
   * @param types its job types
   * @param maxWorkers its worker limit
   * @param activeWorkers busy workers
   * @param idleWorkers idle workers
   * @param stuckWorkers stuck workers
   * @param listening whether it listens for notifications
   */
  public record NodeRow(
      String nodeId,
      String host,
      long pid,
      Instant startedAt,
      Instant heartbeatAt,
      long heartbeatAgeMillis,
      boolean leader,
      List<String> types,
      int maxWorkers,
      int activeWorkers,
      int idleWorkers,
      int stuckWorkers,
      boolean listening) {}

  /**
   * One bucket of the throughput chart.
   *
   * @param start its start
   * @param processed attempts that ended in it
   * @param succeeded completed
   * @param failed failed for good
   * @param retried failed and scheduled again
   */
  public record Point(Instant start, long processed, long succeeded, long failed, long retried) {}

  /**
   * An audit log entry.
   *
   * @param id its id (0 when writing)
   * @param at when (null when writing: the database clock decides)
   * @param actor who
   * @param role the role's wire name
   * @param via the tool
   * @param action what
   * @param target on what, or null
   * @param jobCount how many jobs changed
   * @param jobIds their ids, or the first of them
   * @param details anything else
   */
  public record AuditRow(
      long id,
      Instant at,
      String actor,
      String role,
      String via,
      String action,
      String target,
      int jobCount,
      List<Long> jobIds,
      String details) {}

  private final DSLContext dsl;
  private final Table<Record> jobs;
  private final String qualifiedJobs;
  private final String qualifiedNodes;
  private final String qualifiedLeader;
  private final String qualifiedStats;
  private final String qualifiedAudit;

  /**
   * Creates the store over the tables in {@code schema}; see {@link JobRepository#admin()}.
   *
   * @param dsl the repository's connections
   * @param schema a checked schema name
   */
  AdminStore(DSLContext dsl, String schema) {
    Objects.requireNonNull(schema, "schema");
    this.dsl = Objects.requireNonNull(dsl, "dsl");
    this.jobs = table(name(schema, "jobs"));
    this.qualifiedJobs = Sql.qualified(schema, "jobs");
    this.qualifiedNodes = Sql.qualified(schema, "nodes");
    this.qualifiedLeader = Sql.qualified(schema, "leader");
    this.qualifiedStats = Sql.qualified(schema, "job_stats");
    this.qualifiedAudit = Sql.qualified(schema, "audit_log");
  }

  private static Condition filters(Query q) {
    Condition where = noCondition();
    if (q.type() != null) {
      where = where.and(TYPE.eq(q.type()));
    }
    if (q.queue() != null) {
      where = where.and(QUEUE.eq(q.queue()));
    }
    if (q.priority() != null) {
      where = where.and(PRIORITY.eq(q.priority().shortValue()));
    }
    if (q.createdAfter() != null) {
      where = where.and(CREATED_AT.ge(utc(q.createdAfter())));
    }
    if (q.createdBefore() != null) {
      where = where.and(CREATED_AT.lt(utc(q.createdBefore())));
    }
    if (q.payloadContainsJson() != null) {
      where = where.and(JobRecordColumns.payloadContains(q.payloadContainsJson()));
    }
    if (q.cursorCreatedAt() != null) {
      where = where.and(row(CREATED_AT, ID).lt(utc(q.cursorCreatedAt()), q.cursorId()));
    }
    return where;
  }

  /** One part per status asked for (every status when none is), each naming it as a literal. */
  private static List<Condition> branches(Query q) {
    List<Condition> parts = new ArrayList<>();
    for (String s : q.statuses().isEmpty() ? StatusBranches.ALL : q.statuses()) {
      parts.add(STATUS.eq(inline(s)));
    }
    return parts;
  }

  /**
   * Reads a page of jobs, newest first, after the query's cursor.
   *
   * @param query the filters and cursor
   * @param limit the most rows
   * @return the rows
   */
  public List<JobRecord> find(Query query, int limit) {
    Condition where = filters(query);
    return run(
        "read a page of jobs",
        () -> {
          Select<Record> union = null;
          for (Condition status : branches(query)) {
            Select<Record> branch =
                dsl.select(COLUMNS)
                    .from(jobs)
                    .where(where.and(status))
                    .orderBy(CREATED_AT.desc(), ID.desc())
                    .limit(inline(limit));
            union = union == null ? branch : union.unionAll(branch);
          }
          Table<Record> page = union.asTable("page");
          return dsl.selectFrom(page)
              .orderBy(page.field(CREATED_AT).desc(), page.field(ID).desc())
              .limit(inline(limit))
              .fetch(JobRecordColumns::toRecord);
        });
  }

  /**
   * Counts the jobs a query matches, reading at most {@code cap} index entries per status.
   *
   * @param query the filters (its cursor applies too)
   * @param cap where counting stops
   * @return the count, at most {@code cap}
   */
  public long count(Query query, long cap) {
    Condition where = filters(query);
    return run(
        "count jobs",
        () -> {
          Select<Record1<Integer>> union = null;
          for (Condition status : branches(query)) {
            Select<Record1<Integer>> branch =
                dsl.select(one()).from(jobs).where(where.and(status)).limit(inline(cap));
            union = union == null ? branch : union.unionAll(branch);
          }
          long n = dsl.fetchCount(union.asTable("counted"));
          return Math.min(n, cap);
        });
  }

  /**
   * Selects the jobs a query matches, for a bulk action, oldest id first.
   *
   * @param query the filters
   * @param limit the most rows
   * @return the jobs with their statuses
   */
  public List<Selected> select(Query query, int limit) {
    Condition where = filters(query);
    return run(
        "select jobs for a bulk action",
        () -> {
          Select<Record2<Long, String>> union = null;
          for (Condition status : branches(query)) {
            Select<Record2<Long, String>> branch =
                dsl.select(ID, STATUS)
                    .from(jobs)
                    .where(where.and(status))
                    .orderBy(CREATED_AT.desc(), ID.desc())
                    .limit(inline(limit));
            union = union == null ? branch : union.unionAll(branch);
          }
          Table<Record2<Long, String>> all = union.asTable("selected");
          return dsl.selectFrom(all)
              .orderBy(all.field(ID))
              .limit(inline(limit))
              .fetch(r -> new Selected(r.get(ID.getName(), Long.class), r.get(1, String.class)));
        });
  }

  /**
   * Reads the statuses of listed jobs; ids with no job are left out.
   *
   * @param ids the ids
   * @return the jobs found, by id
   */
  public List<Selected> selectIds(List<Long> ids) {
    return run(
        "read the status of listed jobs",
        () ->
            dsl.resultQuery(
                    "select id, status from "
                        + qualifiedJobs
                        + " where id = any (?::bigint[]) order by id",
                    (Object) ids.toArray(Long[]::new))
                .fetch(r -> new Selected(r.get(0, Long.class), r.get(1, String.class))));
  }

  /**
   * Deletes a job that is not running.
   *
   * @param id the job id
   * @return false when there is no such job, or it is running
   */
  public boolean delete(long id) {
    return run(
        "delete job " + id,
        () ->
            dsl.query("delete from " + qualifiedJobs + " where id = ? and status <> 'running'", id)
                    .execute()
                == 1);
  }

  /**
   * Reads every node's row, with whether it holds the leader lease.
   *
   * @return the rows
   */
  public List<NodeRow> nodes() {
    return run(
        "read the nodes",
        () ->
            dsl.resultQuery(
                    "select n.node_id, n.host, n.pid, n.started_at, n.heartbeat_at,"
                        + " (extract(epoch from now() - n.heartbeat_at) * 1000)::bigint,"
                        + " exists (select 1 from "
                        + qualifiedLeader
                        + " l where l.name = ? and l.node_id = n.node_id and l.expires_at > now()),"
                        + " n.types::text[], n.max_workers, n.active_workers, n.idle_workers,"
                        + " n.stuck_workers, n.listening from "
                        + qualifiedNodes
                        + " n order by n.node_id",
                    LeaderStore.DEFAULT_NAME)
                .fetch(
                    r ->
                        new NodeRow(
                            r.get(0, String.class),
                            r.get(1, String.class),
                            r.get(2, Long.class),
                            instant(r.get(3, OffsetDateTime.class)),
                            instant(r.get(4, OffsetDateTime.class)),
                            Math.max(0, r.get(5, Long.class)),
                            r.get(6, Boolean.class),
                            Arrays.asList(r.get(7, String[].class)),
                            r.get(8, Integer.class),
                            r.get(9, Integer.class),
                            r.get(10, Integer.class),
                            r.get(11, Integer.class),
                            r.get(12, Boolean.class))));
  }

  /**
   * Sums the statistics table into buckets ending with the current one.
   *
   * @param windowMillis how far back
   * @param bucketMillis each bucket's width, a whole number of minutes
   * @return one point per bucket, oldest first, empty ones included
   */
  public List<Point> throughput(long windowMillis, long bucketMillis) {
    long buckets = Math.max(1, windowMillis / bucketMillis);
    // Both numbers are computed longs, not input: inlined so that the series needs no cast.
    String sql =
        "with last as (select (floor(extract(epoch from now()) * 1000 / "
            + bucketMillis
            + ") * "
            + bucketMillis
            + ")::bigint as ms), buckets as (select generate_series(ms - "
            + (buckets - 1) * bucketMillis
            + ", ms, "
            + bucketMillis
            + ") as ms from last)"
            + " select b.ms, coalesce(sum(s.processed), 0)::bigint,"
            + " coalesce(sum(s.succeeded), 0)::bigint, coalesce(sum(s.failed), 0)::bigint,"
            + " coalesce(sum(s.retried), 0)::bigint from buckets b left join "
            + qualifiedStats
            + " s on s.minute >= to_timestamp(b.ms / 1000.0)"
            + " and s.minute < to_timestamp((b.ms + "
            + bucketMillis
            + ") / 1000.0) group by b.ms order by b.ms";
    return run(
        "read the throughput",
        () ->
            dsl.resultQuery(sql)
                .fetch(
                    r ->
                        new Point(
                            Instant.ofEpochMilli(r.get(0, Long.class)),
                            r.get(1, Long.class),
                            r.get(2, Long.class),
                            r.get(3, Long.class),
                            r.get(4, Long.class))));
  }

  /**
   * Writes an audit entry.
   *
   * @param entry the entry; its id and time are ignored
   */
  public void audit(AuditRow entry) {
    run(
        "write the audit log",
        () ->
            dsl.query(
                    "insert into "
                        + qualifiedAudit
                        + " (actor, role, via, action, target, job_count, job_ids, details)"
                        + " values (?, ?, ?, ?, ?, ?, ?::bigint[], ?)",
                    entry.actor(),
                    entry.role(),
                    entry.via(),
                    entry.action(),
                    entry.target(),
                    entry.jobCount(),
                    entry.jobIds().toArray(Long[]::new),
                    entry.details())
                .execute());
  }

  /**
   * Reads the audit log, newest first.
   *
   * @param beforeId only entries with a smaller id; 0 for the newest
   * @param limit the most entries
   * @return the entries
   */
  public List<AuditRow> auditLog(long beforeId, int limit) {
    return run(
        "read the audit log",
        () ->
            dsl.resultQuery(
                    "select id, at, actor, role, via, action, target, job_count, job_ids, details"
                        + " from "
                        + qualifiedAudit
                        + " where ? = 0 or id < ? order by id desc limit ?",
                    beforeId,
                    beforeId,
                    limit)
                .fetch(
                    r ->
                        new AuditRow(
                            r.get(0, Long.class),
                            instant(r.get(1, OffsetDateTime.class)),
                            r.get(2, String.class),
                            r.get(3, String.class),
                            r.get(4, String.class),
                            r.get(5, String.class),
                            r.get(6, String.class),
                            r.get(7, Integer.class),
                            Arrays.asList(r.get(8, Long[].class)),
                            r.get(9, String.class))));
  }
}
