package dev.jobqueue.internal.store;

import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import dev.jobqueue.JobStoreException;
import java.sql.Connection;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.SelectField;
import org.jooq.Table;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
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

  private static final Settings SETTINGS =
      new Settings().withExecuteLogging(false).withRenderSchema(true);

  private final DSLContext dsl;
  private final Table<?> jobs;
  private final String insertSql;

  /**
   * Creates a repository over the jobs table in {@code schema}.
   *
   * @param dataSource where connections come from
   * @param schema a checked schema name
   */
  public JobRepository(DataSource dataSource, String schema) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(schema, "schema");
    this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES, SETTINGS);
    this.jobs = table(name(schema, "jobs"));
    String qualified = "\"" + schema + "\".jobs";
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
            + " returning id";
  }

  /**
   * Inserts jobs in one statement on a pooled connection, committed on return.
   *
   * @param newJobs the jobs, in order
   * @return their ids, in the same order
   */
  public List<Long> insert(List<NewJob> newJobs) {
    return run("insert jobs", () -> insert(dsl, newJobs));
  }

  /**
   * Inserts jobs in one statement inside the caller's transaction. Nothing is committed or rolled
   * back here; the jobs become visible when the caller commits.
   *
   * @param connection the caller's connection
   * @param newJobs the jobs, in order
   * @return their ids, in the same order
   */
  public List<Long> insert(Connection connection, List<NewJob> newJobs) {
    Objects.requireNonNull(connection, "connection");
    return run(
        "insert jobs in the caller's transaction",
        () -> insert(DSL.using(connection, SQLDialect.POSTGRES, SETTINGS), newJobs));
  }

  private List<Long> insert(DSLContext ctx, List<NewJob> newJobs) {
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
            ctx.resultQuery(insertSql, types, priorities, payloads, maxRetries, timeouts, scheduled)
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
   * Cancels a job if, and only if, it is still pending.
   *
   * @param id the job id
   * @return true when the job was pending and is now cancelled
   */
  public boolean cancelPending(long id) {
    return run(
        "cancel job " + id,
        () ->
            dsl.update(jobs)
                    .set(STATUS, "cancelled")
                    .set(COMPLETED_AT, DSL.currentOffsetDateTime())
                    .set(UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(ID.eq(id))
                    .and(STATUS.eq("pending"))
                    .execute()
                == 1);
  }

  private static <T> T run(String operation, Supplier<T> body) {
    try {
      return body.get();
    } catch (DataAccessException e) {
      throw new JobStoreException(
          "database error while trying to " + operation + ": " + rootMessage(e), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage();
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
