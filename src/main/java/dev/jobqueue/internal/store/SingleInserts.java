package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.instant;

import dev.jobqueue.JobPriority;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * The two statements that insert one job: plain, and claimed on insert by a node with an idle
 * worker for it. They are plain JDBC with one scalar bind per column, because a single insert is
 * all round trip and commit: the array binds and the statement building of the batch insert cost a
 * single {@code createJob} a measurable share of its time. <strong>Not API.</strong>
 *
 * <p>The claimed insert leases the new job to the node in the statement (and so in the commit) that
 * creates it, when the job could not run sooner any other way: its queue is neither paused nor
 * limited, and no due pending job of a type the node serves waits ahead of it in the claim order.
 * Otherwise it inserts the job as pending, as the plain insert does. Either way the job is stored
 * once, in one statement: nothing the caller was told can be lost between two.
 */
final class SingleInserts {
  private static final String COLUMNS =
      "type, priority, payload, max_retries, timeout_seconds, scheduled_at, run_at, queue,"
          + " concurrency_key, trace_context";

  private static final String VALUES =
      "?, ?, ?::jsonb, ?, ?, coalesce(?::timestamptz, now()), coalesce(?::timestamptz, now()), ?, ?, ?";

  /** One notification at most, and only when asked (see Notifier for the debouncing). */
  private static final String NOTIFY = "(select count(*) from pg_notify(?, ?) where ?::boolean)";

  private final String plainSql;
  private final String claimedSql;

  SingleInserts(String jobs, String queues) {
    this.plainSql =
        "insert into "
            + jobs
            + " ("
            + COLUMNS
            + ") values ("
            + VALUES
            + ") returning id, "
            + NOTIFY;
    // Due pending jobs ahead of the new one: one index range per priority rank at or before its
    // own (jobs_claim_idx), since a single range over several ranks could not stop at run_at.
    StringBuilder anyAhead = new StringBuilder();
    for (JobPriority priority : JobPriority.values()) {
      anyAhead
          .append(anyAhead.length() == 0 ? "" : " or ")
          .append("(")
          .append(priority.rank())
          .append(" <= ? and exists (select 1 from ")
          .append(jobs)
          .append(" p where p.queue = ? and p.status = 'pending' and p.priority = ")
          .append(priority.rank())
          .append(" and p.run_at <= now() and p.type = any(?::text[])))");
    }
    this.claimedSql =
        "with c as (select not exists (select 1 from "
            + queues
            + " q where q.name = ? and (q.paused or "
            + Claims.HAS_LIMITS
            + ")) and not ("
            + anyAhead
            + ") as claim),"
            + " i as (insert into "
            + jobs
            + " ("
            + COLUMNS
            + ", status, attempt, locked_by, lease_expires_at, started_at) select "
            + VALUES
            + ", case when c.claim then 'running' else 'pending' end,"
            + " case when c.claim then 1 else 0 end, case when c.claim then ? end,"
            + " case when c.claim then now() + ?::bigint * interval '1 millisecond' end,"
            + " case when c.claim then now() end from c"
            + " returning id, status = 'running', scheduled_at, run_at)"
            + " select i.*, (select count(*) from pg_notify(?, ?) where ?::boolean and not c.claim)"
            + " from i, c";
  }

  /**
   * Inserts one job as pending.
   *
   * @param dsl where the connection comes from (a pooled one, or the caller's)
   * @param job the job
   * @param channel the notification channel
   * @param payload the notification's payload
   * @param notify whether to notify
   * @return the job's id
   */
  long insert(DSLContext dsl, NewJob job, String channel, String payload, boolean notify) {
    return dsl.connectionResult(
        connection -> {
          try (PreparedStatement statement = connection.prepareStatement(plainSql)) {
            int next = bindJob(statement, job, 1);
            statement.setString(next, channel);
            statement.setString(next + 1, payload);
            statement.setBoolean(next + 2, notify);
            try (ResultSet rows = statement.executeQuery()) {
              rows.next();
              return rows.getLong(1);
            }
          }
        });
  }

  /**
   * Inserts one job, leased to {@code node} when nothing claimable waits ahead of it and its queue
   * is open, else pending (notified when asked). Autocommitted on a pooled connection.
   *
   * @param dsl the pooled connections
   * @param job a job due now, without a unique key or a concurrency key
   * @param types the types the node serves in the job's queue
   * @param node the node
   * @param leaseMillis the lease
   * @param channel the notification channel
   * @param payload the notification's payload
   * @param notify whether to notify when the job is left pending
   * @return the job as claimed, or only its id when it was left pending
   */
  JobRepository.ClaimedOnInsert insertClaimed(
      DSLContext dsl,
      NewJob job,
      String[] types,
      String node,
      long leaseMillis,
      String channel,
      String payload,
      boolean notify) {
    return dsl.connectionResult(
        connection -> {
          try (PreparedStatement statement = connection.prepareStatement(claimedSql)) {
            int i = 1;
            statement.setString(i++, job.queue());
            Array typeArray = connection.createArrayOf("text", types);
            for (int rank = 0; rank < JobPriority.values().length; rank++) {
              statement.setInt(i++, job.priority());
              statement.setString(i++, job.queue());
              statement.setArray(i++, typeArray);
            }
            i = bindJob(statement, job, i);
            statement.setString(i++, node);
            statement.setLong(i++, leaseMillis);
            statement.setString(i++, channel);
            statement.setString(i++, payload);
            statement.setBoolean(i, notify);
            try (ResultSet rows = statement.executeQuery()) {
              rows.next();
              long id = rows.getLong(1);
              if (!rows.getBoolean(2)) {
                return new JobRepository.ClaimedOnInsert(id, Optional.empty());
              }
              return new JobRepository.ClaimedOnInsert(
                  id,
                  Optional.of(
                      new ClaimedJob(
                          id,
                          job.type(),
                          job.payloadJson(),
                          1,
                          0,
                          job.maxRetries(),
                          job.timeoutSeconds(),
                          job.priority(),
                          instant(rows.getObject(3, OffsetDateTime.class)),
                          instant(rows.getObject(4, OffsetDateTime.class)),
                          false,
                          0,
                          null,
                          null,
                          job.traceContext())));
            }
          }
        });
  }

  private static int bindJob(PreparedStatement statement, NewJob job, int first)
      throws SQLException {
    int i = first;
    statement.setString(i++, job.type());
    statement.setInt(i++, job.priority());
    statement.setString(i++, job.payloadJson());
    statement.setInt(i++, job.maxRetries());
    statement.setInt(i++, job.timeoutSeconds());
    String at = job.scheduledAt() == null ? null : job.scheduledAt().toString();
    statement.setString(i++, at);
    statement.setString(i++, at);
    statement.setString(i++, job.queue());
    statement.setString(i++, job.concurrencyKey());
    statement.setString(i++, job.traceContext());
    return i;
  }
}
