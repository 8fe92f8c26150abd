package dev.jobqueue.internal.store;

import java.util.Arrays;
import java.util.List;

/**
 * The columns every insert of new jobs writes, one array per column, in input order: the bind
 * values of the {@code unnest(...)} of both insert statements (plain and unique), and the shape of
 * those statements, so that the SQL and its binds are written once.
 */
final class JobColumns {
  /**
   * A column an insert writes besides the common ones.
   *
   * @param column the jobs column
   * @param value what is stored, from the unnest alias {@code u}
   * @param type the bind's array type
   * @param name the column's name in the unnest alias
   */
  record Extra(String column, String value, String type, String name) {}

  /**
   * The insert of new jobs, one row per array element, in input order (ORDER BY ord), so that the
   * identity values the rows draw ascend in input order too. The caller appends what follows (ON
   * CONFLICT, RETURNING).
   *
   * @param jobs the qualified jobs table
   * @param extras columns after the common ones, bound after them in {@link #binds}
   * @return the statement's start
   */
  static String insertSql(String jobs, Extra... extras) {
    StringBuilder columns =
        new StringBuilder(
            "type, priority, payload, max_retries, timeout_seconds, scheduled_at, run_at, queue,"
                + " concurrency_key, trace_context");
    StringBuilder values =
        new StringBuilder(
            "u.type, u.priority, u.payload::jsonb, u.max_retries, u.timeout_seconds,"
                + " coalesce(u.scheduled_at, now()), coalesce(u.scheduled_at, now()), u.queue,"
                + " u.ckey, u.trace_context");
    StringBuilder types =
        new StringBuilder(
            "?::text[], ?::smallint[], ?::text[], ?::integer[], ?::integer[], ?::timestamptz[],"
                + " ?::text[], ?::text[], ?::text[]");
    StringBuilder names =
        new StringBuilder(
            "type, priority, payload, max_retries, timeout_seconds, scheduled_at, queue, ckey,"
                + " trace_context");
    for (Extra extra : extras) {
      columns.append(", ").append(extra.column());
      values.append(", ").append(extra.value());
      types.append(", ").append(extra.type());
      names.append(", ").append(extra.name());
    }
    return "insert into "
        + jobs
        + " ("
        + columns
        + ") select "
        + values
        + " from unnest("
        + types
        + ") with ordinality as u("
        + names
        + ", ord) order by u.ord";
  }

  final String[] types;
  final Integer[] priorities;
  final String[] payloads;
  final Integer[] maxRetries;
  final Integer[] timeouts;
  final String[] scheduled;
  final String[] queues;
  final String[] concurrencyKeys;
  final String[] traceContexts;

  JobColumns(List<NewJob> jobs) {
    int n = jobs.size();
    types = new String[n];
    priorities = new Integer[n];
    payloads = new String[n];
    maxRetries = new Integer[n];
    timeouts = new Integer[n];
    scheduled = new String[n];
    queues = new String[n];
    concurrencyKeys = new String[n];
    traceContexts = new String[n];
    for (int i = 0; i < n; i++) {
      NewJob job = jobs.get(i);
      types[i] = job.type();
      priorities[i] = job.priority();
      payloads[i] = job.payloadJson();
      maxRetries[i] = job.maxRetries();
      timeouts[i] = job.timeoutSeconds();
      scheduled[i] = job.scheduledAt() == null ? null : job.scheduledAt().toString();
      queues[i] = job.queue();
      concurrencyKeys[i] = job.concurrencyKey();
      traceContexts[i] = job.traceContext();
    }
  }

  /**
   * The bind values of {@link #insertSql}: the common arrays, then {@code more} in order.
   *
   * @param more the extra columns' arrays, then whatever else the statement binds
   * @return every bind value, in order
   */
  Object[] binds(Object... more) {
    Object[] common = {
      types,
      priorities,
      payloads,
      maxRetries,
      timeouts,
      scheduled,
      queues,
      concurrencyKeys,
      traceContexts
    };
    Object[] all = Arrays.copyOf(common, common.length + more.length);
    System.arraycopy(more, 0, all, common.length, more.length);
    return all;
  }
}
