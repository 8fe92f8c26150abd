package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.instant;
import static dev.jobqueue.internal.store.Sql.perPriority;
import static dev.jobqueue.internal.store.Sql.repeatEach;

import dev.jobqueue.JobPriority;
import dev.jobqueue.QueueLimits;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The claim statements, and the one that says when a queue's next job falls due. {@link
 * ExecutionStore} runs them. <strong>Not API.</strong>
 *
 * <p>A queue without limits is claimed in one statement: a {@code MATERIALIZED} CTE takes due rows
 * in claim order with {@code FOR UPDATE SKIP LOCKED}, and an {@code UPDATE ... FROM} it leases
 * them. The statement claims nothing from a queue that is paused or limited, so that a queue that
 * became limited is never claimed without its limits.
 *
 * <p>A limited queue is claimed in a transaction of two statements. The first locks the queue's row
 * ({@code FOR UPDATE}): claims of that queue take turns across all nodes. The second, which starts
 * after the lock is held and so sees every claim committed before, counts what runs and what
 * started, and claims only what every limit leaves room for. One statement cannot do both: in READ
 * COMMITTED a statement's snapshot is taken when it starts, before any lock it waits for, so it
 * would not see the claim committed by the node it waited for. Completions, failures and renewals
 * never touch the queue's row, so they do not wait for claims.
 */
public final class Claims {

  /** What a queue's row says about claiming it. */
  public enum QueueState {
    /** No limit applies: the one-statement claim. */
    OPEN,
    /** A limit applies: the locked two-statement claim. */
    LIMITED,
    /** Paused: nothing is claimed. */
    PAUSED
  }

  /**
   * What one claim did.
   *
   * @param jobs the claimed jobs, in claim order
   * @param state the queue's state as the claim found it
   */
  public record Result(List<ClaimedJob> jobs, QueueState state) {}

  /** How far past its room a limited claim looks for jobs whose key has room. */
  private static final int SCAN_FACTOR = 2;

  private static final String RETURNING =
      " returning j.id, j.type, j.payload::text, j.attempt, j.retry_count, j.max_retries,"
          + " j.timeout_seconds, j.priority, j.scheduled_at, j.run_at, c.given_back,"
          + " j.snooze_count, j.schedule_name, j.occurrence_at, j.trace_context";

  private static final String LEASE =
      " set status = 'running', attempt = j.attempt + 1, locked_by = ?,"
          + " lease_expires_at = now() + ?::bigint * interval '1 millisecond',"
          + " started_at = now(), updated_at = now()";

  /** A condition on a queue's row (alias q): a limit is set. */
  static final String HAS_LIMITS =
      "(q.max_running is not null or q.max_running_per_key is not null"
          + " or q.rate_limit is not null or q.key_rate_limit is not null)";

  private final String openSql;
  private final String lockSql;
  private final String limitedSql;
  private final String nextDueSql;

  Claims(String jobs, String queues, String starts) {
    // A job claimed before whose run_at is still older than that claim was given back by a rescue
    // or a release (a failure, retryJob and a new job set run_at to now or later): given_back.
    String givenBack = "coalesce(j.started_at > j.run_at, false) as given_back";
    this.openSql =
        "with c as materialized (select j.id, "
            + givenBack
            + " from "
            + jobs
            + " j where j.queue = ? and j.status = 'pending' and j.run_at <= now()"
            + " and j.type = any(?::text[]) and not exists (select 1 from "
            + queues
            + " q where q.name = ? and (q.paused or "
            + HAS_LIMITS
            + ")) order by "
            + ClaimOrder.SQL
            + " limit ? for update skip locked) update "
            + jobs
            + " j"
            + LEASE
            + " from c where j.id = c.id"
            + RETURNING;
    this.lockSql =
        "select q.paused, q.max_running, q.max_running_per_key, q.rate_limit, q.rate_window_ms,"
            + " q.key_rate_limit, q.key_rate_window_ms from "
            + queues
            + " q where q.name = ? for update";
    String runningKey = "coalesce(r.n, 0)";
    String recentKey = "coalesce(s.n, 0)";
    // Binds, in order: queue (running), queue + window (recent), types + per-type key limits,
    // queue-wide room (n, max running, rate, queue, window), queue, types, the per-key limit
    // default, key rate (twice), scan size, the same key limits for ranked rows, node, lease,
    // whether starts are logged, queue, the log's longest window.
    this.limitedSql =
        "with running as materialized (select concurrency_key as k, count(*) as n from "
            + jobs
            + " where queue = ? and status = 'running' and lease_expires_at > now()"
            + " group by concurrency_key),"
            + " recent as materialized (select key as k, count(*) as n from "
            + starts
            + " where queue = ? and key is not null"
            + " and started_at > now() - ?::bigint * interval '1 millisecond' group by key),"
            + " limits as (select * from unnest(?::text[], ?::integer[]) as t(type, key_limit)),"
            + " room as (select greatest(0, least(?::integer,"
            + " coalesce(?::integer - (select coalesce(sum(n), 0) from running)::integer,"
            + " 2147483647),"
            + " coalesce(?::integer - (select count(*) from "
            + starts
            + " where queue = ? and started_at > now() - ?::bigint * interval '1 millisecond')"
            + "::integer, 2147483647))) as n),"
            + " candidates as (select j.id, j.concurrency_key, j.priority, j.run_at, "
            + givenBack
            + ", coalesce(l.key_limit, ?::integer) as key_limit from "
            + jobs
            + " j left join limits l on l.type = j.type"
            + " left join running r on r.k = j.concurrency_key"
            + " left join recent s on s.k = j.concurrency_key"
            + " where j.queue = ? and j.status = 'pending' and j.run_at <= now()"
            + " and j.type = any(?::text[])"
            + " and (j.concurrency_key is null or ("
            + "(coalesce(l.key_limit, ?::integer) is null"
            + " or "
            + runningKey
            + " < coalesce(l.key_limit, ?::integer))"
            + " and (?::integer is null or "
            + recentKey
            + " < ?::integer)))"
            + " order by j.priority, j.run_at, j.id limit ?),"
            + " ranked as (select c.*, row_number() over (partition by c.concurrency_key"
            + " order by c.priority, c.run_at, c.id) as rn from candidates c),"
            + " c as materialized (select j.id, k.given_back, k.concurrency_key from "
            + jobs
            + " j join ranked k on k.id = j.id"
            + " left join running r on r.k = k.concurrency_key"
            + " left join recent s on s.k = k.concurrency_key"
            + " where k.concurrency_key is null or ("
            + "(k.key_limit is null or k.rn + "
            + runningKey
            + " <= k.key_limit)"
            + " and (?::integer is null or k.rn + "
            + recentKey
            + " <= ?::integer))"
            + " order by k.priority, k.run_at, k.id"
            + " limit (select n from room) for update of j skip locked),"
            + " claimed as (update "
            + jobs
            + " j"
            + LEASE
            + " from c where j.id = c.id"
            + RETURNING
            + ", c.concurrency_key),"
            + " logged as (insert into "
            + starts
            + " (queue, key) select ?::text, concurrency_key from claimed where ?::boolean),"
            + " pruned as (delete from "
            + starts
            + " where ?::boolean and queue = ?"
            + " and started_at < now() - ?::bigint * interval '1 millisecond')"
            + " select * from claimed";
    // min(run_at) per priority walks jobs_claim_idx from its start, so this stays cheap however
    // many pending jobs there are (a plain min over all priorities could not use the index).
    String minRunAt =
        "(select min(run_at) from "
            + jobs
            + " where queue = ? and status = 'pending' and priority = %d"
            + " and type = any(?::text[]))";
    this.nextDueSql =
        "select (extract(epoch from (least("
            + perPriority(minRunAt)
            + ") - now())) * 1000)::bigint, (select case when q.paused then 'PAUSED' when "
            + HAS_LIMITS
            + " then 'LIMITED' end from "
            + queues
            + " q where q.name = ?)";
  }

  /** The one-statement claim of a queue without limits; nothing while it is paused or limited. */
  List<ClaimedJob> claimOpen(
      DSLContext dsl, String queue, String node, String[] types, int limit, long leaseMillis) {
    return claimed(dsl.resultQuery(openSql, queue, types, queue, limit, node, leaseMillis).fetch());
  }

  /**
   * The locked claim of a limited queue; call it inside a transaction.
   *
   * @param keyLimits per type (in the order of {@code types}): its own per-key limit, or null for
   *     the queue's
   * @param limit the most jobs to claim, with those queued ahead of free workers
   * @param startable the free workers: with a limit on the queue's running jobs, or on starts, no
   *     more than these are claimed, since a claimed job counts as running (and as started) from
   *     its claim; one waiting in this node's queue would hold a place another node could use, or
   *     start later than it was counted. Per-key limits alone claim up to {@code limit}.
   */
  Result claimLimited(
      DSLContext tx,
      String queue,
      String node,
      String[] types,
      Integer[] keyLimits,
      int limit,
      int startable,
      long leaseMillis) {
    Record row = tx.resultQuery(lockSql, queue).fetchOne();
    if (row != null && Boolean.TRUE.equals(row.get(0, Boolean.class))) {
      return new Result(List.of(), QueueState.PAUSED);
    }
    QueueLimits limits = row == null ? QueueLimits.none() : QueueStore.limits(row, 1);
    boolean typeLimits = false;
    for (Integer keyLimit : keyLimits) {
      typeLimits |= keyLimit != null;
    }
    if (!limits.isLimited() && !typeLimits) {
      return new Result(List.of(), QueueState.OPEN);
    }
    Integer maxRunning = boxed(limits.maxRunning().isPresent(), limits.maxRunning().orElse(0));
    Integer perKey =
        boxed(limits.maxRunningPerKey().isPresent(), limits.maxRunningPerKey().orElse(0));
    Integer rate = boxed(limits.rate().isPresent(), limits.rate().orElse(0));
    Integer keyRate = boxed(limits.ratePerKey().isPresent(), limits.ratePerKey().orElse(0));
    long rateWindow = limits.rateWindow().map(Duration::toMillis).orElse(0L);
    long keyWindow = limits.ratePerKeyWindow().map(Duration::toMillis).orElse(0L);
    boolean logStarts = rate != null || keyRate != null;
    int take = logStarts || maxRunning != null ? Math.min(limit, startable) : limit;
    if (take <= 0) {
      return new Result(List.of(), QueueState.LIMITED);
    }
    int scan = (int) Math.min(Integer.MAX_VALUE, (long) take * SCAN_FACTOR + 64);
    List<Record> rows =
        tx.resultQuery(
                limitedSql,
                queue,
                queue,
                keyWindow,
                types,
                keyLimits,
                take,
                maxRunning,
                rate,
                queue,
                rateWindow,
                perKey,
                queue,
                types,
                perKey,
                perKey,
                keyRate,
                keyRate,
                scan,
                keyRate,
                keyRate,
                node,
                leaseMillis,
                queue,
                logStarts,
                logStarts,
                queue,
                Math.max(rateWindow, keyWindow))
            .fetch();
    return new Result(claimed(rows), QueueState.LIMITED);
  }

  /**
   * When the queue's next pending job of these types falls due, and the queue's state.
   *
   * @return milliseconds (zero or negative when one is due now, empty when none is pending) and the
   *     state
   */
  Due nextDue(DSLContext dsl, String queue, String[] types) {
    Object[] binds = new Object[JobPriority.values().length * 2 + 1];
    Object[] perPriority = repeatEach(JobPriority.values().length, queue, types);
    System.arraycopy(perPriority, 0, binds, 0, perPriority.length);
    binds[binds.length - 1] = queue;
    Record row = dsl.resultQuery(nextDueSql, binds).fetchOne();
    String state = row.get(1, String.class);
    return new Due(
        Optional.ofNullable(row.get(0, Long.class)),
        state == null ? QueueState.OPEN : QueueState.valueOf(state));
  }

  /**
   * When a queue's next job falls due, and its state.
   *
   * @param millis milliseconds until it is due, or empty when none is pending
   * @param state the queue's state
   */
  public record Due(Optional<Long> millis, QueueState state) {}

  private static Integer boxed(boolean present, int value) {
    return present ? value : null;
  }

  private static List<ClaimedJob> claimed(List<Record> rows) {
    List<ClaimedJob> claimed = new ArrayList<>(rows.size());
    for (Record r : rows) {
      claimed.add(
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
              r.get(10, Boolean.class),
              r.get(11, Integer.class),
              r.get(12, String.class),
              instant(r.get(13, OffsetDateTime.class)),
              r.get(14, String.class)));
    }
    // UPDATE … RETURNING has no order: restore the claim's (cheaper here than in SQL).
    claimed.sort(ClaimOrder.CLAIMED);
    return claimed;
  }
}
