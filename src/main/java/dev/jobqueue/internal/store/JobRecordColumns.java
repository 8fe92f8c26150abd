package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.instant;
import static dev.jobqueue.internal.store.Sql.timestamp;
import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;

import java.time.OffsetDateTime;
import java.util.List;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectField;
import org.jooq.impl.SQLDataType;

/** The jobs table's columns as {@link JobRepository} reads them, and their mapping to a record. */
final class JobRecordColumns {

  static final Field<Long> ID = field(name("id"), SQLDataType.BIGINT);
  static final Field<String> TYPE = field(name("type"), SQLDataType.VARCHAR);
  static final Field<String> STATUS = field(name("status"), SQLDataType.VARCHAR);
  static final Field<Short> PRIORITY = field(name("priority"), SQLDataType.SMALLINT);
  static final Field<Object> PAYLOAD = field(name("payload"));

  static final Field<String> PAYLOAD_TEXT =
      field("{0}::text", SQLDataType.VARCHAR, PAYLOAD).as("payload");
  static final Field<String> RESULT_TEXT =
      field("{0}::text", SQLDataType.VARCHAR, field(name("result"))).as("result");
  static final Field<String> ERROR_MESSAGE = field(name("error_message"), SQLDataType.VARCHAR);
  static final Field<String> ERRORS_TEXT =
      field("{0}::text", SQLDataType.VARCHAR, field(name("errors"))).as("errors");
  static final Field<Integer> RETRY_COUNT = field(name("retry_count"), SQLDataType.INTEGER);
  static final Field<Integer> MAX_RETRIES = field(name("max_retries"), SQLDataType.INTEGER);
  static final Field<Integer> ATTEMPT = field(name("attempt"), SQLDataType.INTEGER);
  static final Field<Integer> TIMEOUT_SECONDS = field(name("timeout_seconds"), SQLDataType.INTEGER);
  static final Field<String> LOCKED_BY = field(name("locked_by"), SQLDataType.VARCHAR);
  static final Field<OffsetDateTime> LEASE_EXPIRES_AT = timestamp("lease_expires_at");
  static final Field<OffsetDateTime> CREATED_AT = timestamp("created_at");
  static final Field<OffsetDateTime> UPDATED_AT = timestamp("updated_at");
  static final Field<OffsetDateTime> SCHEDULED_AT = timestamp("scheduled_at");
  static final Field<OffsetDateTime> RUN_AT = timestamp("run_at");
  static final Field<OffsetDateTime> STARTED_AT = timestamp("started_at");
  static final Field<OffsetDateTime> COMPLETED_AT = timestamp("completed_at");
  static final Field<String> QUEUE = field(name("queue"), SQLDataType.VARCHAR);
  static final Field<String> CONCURRENCY_KEY = field(name("concurrency_key"), SQLDataType.VARCHAR);
  static final Field<Integer> SNOOZE_COUNT = field(name("snooze_count"), SQLDataType.INTEGER);
  static final Field<String> UNIQUE_KEY = field(name("unique_key"), SQLDataType.VARCHAR);
  static final Field<String> SCHEDULE_NAME = field(name("schedule_name"), SQLDataType.VARCHAR);
  static final Field<OffsetDateTime> OCCURRENCE_AT = timestamp("occurrence_at");
  static final Field<Short> PROGRESS_PERCENT =
      field(name("progress_percent"), SQLDataType.SMALLINT);
  static final Field<String> PROGRESS_MESSAGE =
      field(name("progress_message"), SQLDataType.VARCHAR);
  static final Field<OffsetDateTime> PROGRESS_AT = timestamp("progress_at");

  /**
   * The payload contains a JSON object: the one payload filter of {@code getJobs} and the operator
   * searches. The object is a literal, not a bind: with a bind, the plan cached after five runs
   * assumes a default share of matching rows and walks the created_at index, reading every row when
   * few match. The text is always Jackson's serialization of a parsed JSON object (JobSearch and
   * the filters' validation make it so); jOOQ doubles its quotes, and Jackson never writes a
   * backslash before a quote, so it stays one literal whatever standard_conforming_strings is.
   */
  static Condition payloadContains(String json) {
    return condition("{0} @> {1}::jsonb", PAYLOAD, inline(json));
  }

  static final List<SelectField<?>> COLUMNS =
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
          COMPLETED_AT,
          QUEUE,
          CONCURRENCY_KEY,
          SNOOZE_COUNT,
          UNIQUE_KEY,
          SCHEDULE_NAME,
          OCCURRENCE_AT,
          PROGRESS_PERCENT,
          PROGRESS_MESSAGE,
          PROGRESS_AT);

  private JobRecordColumns() {}

  /** The row of {@link #COLUMNS} as a record. */
  static JobRecord toRecord(Record r) {
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
        instant(r.get(COMPLETED_AT)),
        r.get(QUEUE),
        r.get(CONCURRENCY_KEY),
        r.get(SNOOZE_COUNT),
        r.get(UNIQUE_KEY),
        r.get(SCHEDULE_NAME),
        instant(r.get(OCCURRENCE_AT)),
        r.get(PROGRESS_PERCENT) == null ? null : r.get(PROGRESS_PERCENT).intValue(),
        r.get(PROGRESS_MESSAGE),
        instant(r.get(PROGRESS_AT)));
  }
}
