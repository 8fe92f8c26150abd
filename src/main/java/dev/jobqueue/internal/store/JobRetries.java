package dev.jobqueue.internal.store;

import dev.jobqueue.internal.notify.Notifications;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * The SQL of {@code retryJob}: a failed or cancelled job back to pending, in one transaction.
 *
 * <p>A job with a unique key that it did not hold in its final state must take the key again. It
 * takes it from a holder in a state the job does not count (which gives it up, as on insert), but
 * not from a pending or running holder, nor one in a state it counts: then nothing changes, and the
 * result names the holder. A completed holder counts whenever the job counts completed jobs: the
 * window was the creating call's choice and is not stored. A job inserted with the key while the
 * retry runs makes its update fail on the unique index; the transaction is then run again, and
 * finds that job.
 */
final class JobRetries {

  /** The SQLSTATE of a unique violation: on these statements only {@code jobs_unique_idx}. */
  private static final String UNIQUE_VIOLATION = "23505";

  private final String selectSql;
  private final String holderSql;
  private final String releaseSql;
  private final String retrySql;
  private final String channel;

  JobRetries(String jobs, String channel) {
    this.channel = channel;
    this.selectSql =
        "select type, unique_key, unique_states, status from "
            + jobs
            + " where id = ? and status in ('failed', 'cancelled') for update";
    this.holderSql =
        "select id, status from "
            + jobs
            + " where type = ? and unique_key = ? and status = any (unique_states) for update";
    this.releaseSql =
        "update " + jobs + " set unique_key = null, unique_states = null where id = ?";
    this.retrySql =
        "update "
            + jobs
            + " set status = 'pending', retry_count = 0, run_at = now(), completed_at = null,"
            + " result = null, locked_by = null, lease_expires_at = null, updated_at = now()"
            + " where id = ?"
            + " returning (select count(*) from pg_notify(?, ?))";
  }

  /**
   * Retries a job.
   *
   * @param dsl the pooled connections
   * @param id the job id
   * @return what happened
   */
  RetryResult retry(DSLContext dsl, long id) {
    for (int round = 1; ; round++) {
      try {
        return Sql.inTransaction(dsl, configuration -> retryOnce(DSL.using(configuration), id));
      } catch (DataAccessException e) {
        if (round == UniqueInserts.ROUNDS || !UNIQUE_VIOLATION.equals(e.sqlState())) {
          throw e;
        }
      }
    }
  }

  private RetryResult retryOnce(DSLContext ctx, long id) {
    Record row = ctx.resultQuery(selectSql, id).fetchOne();
    if (row == null) {
      return RetryResult.NOT_RETRYABLE;
    }
    String key = row.get(1, String.class);
    List<String> states = key == null ? List.of() : List.of(row.get(2, String[].class));
    if (key != null && !states.contains(row.get(3, String.class))) {
      Record holder = ctx.resultQuery(holderSql, row.get(0, String.class), key).fetchOne();
      if (holder != null) {
        long holderId = holder.get(0, Long.class);
        String status = holder.get(1, String.class);
        if (status.equals("pending") || status.equals("running") || states.contains(status)) {
          return new RetryResult(false, key, holderId, status);
        }
        ctx.query(releaseSql, holderId).execute();
      }
    }
    ctx.resultQuery(retrySql, id, channel, Notifications.NEW_JOBS).fetch();
    return RetryResult.RETRIED;
  }
}
