package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.inTransaction;
import static dev.jobqueue.internal.store.Sql.run;

import java.sql.Connection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The SQL of running jobs: the claim, every outcome (batched), lease renewal, release and rescue,
 * each fenced by id, claim token and node where it touches a running job. The hot path: every
 * statement here is one round trip for any number of jobs. Thread-safe. <strong>Not API.</strong>
 */
public final class ExecutionStore {

  private final DSLContext dsl;
  private final Claims claims;
  private final String completeSql;
  private final String completeOneSql;
  private final String failSql;
  private final String snoozeSql;
  private final String releaseSql;
  private final String extendSql;
  private final String progressSql;
  private final String anyExpiredSql;
  private final String expiredSql;
  private final String rescueSql;

  ExecutionStore(DSLContext dsl, String qualified, String qualifiedQueues, String qualifiedStarts) {
    this.dsl = dsl;
    this.claims = new Claims(qualified, qualifiedQueues, qualifiedStarts);
    String fence = " and j.locked_by = ? and j.status = 'running'";
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
    // A snooze spends no retry and records no error: back to pending after its delay, counted.
    this.snoozeSql =
        "with locked as (select j.id, u.delay from "
            + qualified
            + String.format(lockHeld, ", ?::bigint[]", ", delay")
            + " update "
            + qualified
            + " j set status = 'pending', run_at = now() + l.delay * interval '1 millisecond',"
            + " snooze_count = j.snooze_count + 1, locked_by = null, lease_expires_at = null,"
            + " updated_at = now() from locked l where j.id = l.id returning j.id";
    this.releaseSql =
        "with locked as (select j.id from "
            + qualified
            + String.format(lockHeld, "", "")
            + " update "
            + qualified
            + " j set status = 'pending', locked_by = null, lease_expires_at = null,"
            + " updated_at = now() from locked l where j.id = l.id returning j.id";
    // An expired lease is not renewed: its job's place under a queue's limits is free already,
    // and another node may hold the job by now (this node's watchdog has given it up, too).
    this.progressSql =
        "update "
            + qualified
            + " set progress_percent = ?, progress_message = ?, progress_at = now()"
            + " where id = ? and attempt = ? and locked_by = ? and status = 'running'";
    this.extendSql =
        "with locked as (select j.id from "
            + qualified
            + String.format(
                lockHeld.replace(
                    "j.status = 'running'", "j.status = 'running' and j.lease_expires_at > now()"),
                "",
                "")
            + " update "
            + qualified
            + " j set lease_expires_at = now() + ?::bigint * interval '1 millisecond'"
            + " from locked l where j.id = l.id returning j.id";
    // The common case, nothing expired, costs one statement and no transaction (jobs_lease_idx).
    this.anyExpiredSql =
        "select exists (select 1 from "
            + qualified
            + " where status = 'running' and lease_expires_at < now())";
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
  }

  /**
   * Claims up to {@code limit} due jobs of the given types in one queue, in claim order (priority,
   * run_at, id); see {@link Claims} for how. Rows other nodes have locked are skipped, never waited
   * for. A queue without limits is claimed in one statement, which claims nothing once the queue is
   * paused or limited; a limited one in a transaction that takes its turn with the other nodes'.
   *
   * @param queue the queue
   * @param node this node's id, stored in {@code locked_by}
   * @param types the types this node has handlers for
   * @param keyLimits per type, its handler's own per-key limit, or null for the queue's
   * @param limited whether the queue was limited at the last look
   * @param limit the most jobs to claim
   * @param startable the most jobs that start at once (free workers): a queue with a limit on its
   *     running jobs or on its starts claims no more than these, see {@link Claims}
   * @param leaseMillis how long the lease lasts before it must be renewed
   * @return the claimed jobs, in claim order, and the queue's state; {@link Claims.QueueState#OPEN}
   *     after a one-statement claim, whatever claimed nothing
   */
  public Claims.Result claimAvailable(
      String queue,
      String node,
      String[] types,
      Integer[] keyLimits,
      boolean limited,
      int limit,
      int startable,
      long leaseMillis) {
    if (limit <= 0 || types.length == 0) {
      return new Claims.Result(List.of(), Claims.QueueState.OPEN);
    }
    if (!limited) {
      return run(
          "claim jobs",
          () ->
              new Claims.Result(
                  claims.claimOpen(dsl, queue, node, types, limit, leaseMillis),
                  Claims.QueueState.OPEN));
    }
    return run(
        "claim jobs of limited queue " + queue,
        () ->
            inTransaction(
                dsl,
                cfg ->
                    claims.claimLimited(
                        cfg.dsl(), queue, node, types, keyLimits, limit, startable, leaseMillis)));
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
            DSL.using(connection, SQLDialect.POSTGRES, Sql.SETTINGS)
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
   * Records snoozed attempts, in one statement: each job goes back to pending after its delay, its
   * {@code snooze_count} one higher and its {@code retry_count} unchanged. Fenced like {@link
   * #completeMany}.
   *
   * @param node this node's id
   * @param snoozes the attempts and their delays
   * @return the ids that were written; the others were fenced out
   */
  public Set<Long> snoozeMany(String node, List<Snooze> snoozes) {
    int n = snoozes.size();
    if (n == 0) {
      return Set.of();
    }
    Long[] ids = new Long[n];
    Integer[] tokens = new Integer[n];
    Long[] delays = new Long[n];
    for (int i = 0; i < n; i++) {
      Snooze s = snoozes.get(i);
      ids[i] = s.id();
      tokens[i] = s.token();
      delays[i] = s.delayMillis();
    }
    return run(
        "record " + n + " snoozed attempts",
        () ->
            new HashSet<>(
                dsl.resultQuery(snoozeSql, ids, tokens, delays, node).fetch(0, Long.class)));
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
   * Stores the progress a running attempt reports. Fenced: it changes nothing once the attempt no
   * longer holds the job.
   *
   * @param node this node's id
   * @param held the job
   * @param percent 0 to 100
   * @param message a short message, or null
   * @return false when the attempt no longer holds the job
   */
  public boolean reportProgress(String node, HeldJob held, int percent, String message) {
    return run(
        "store the progress of job " + held.id(),
        () ->
            dsl.query(progressSql, (short) percent, message, held.id(), held.token(), node)
                    .execute()
                == 1);
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
            !Boolean.TRUE.equals(dsl.resultQuery(anyExpiredSql).fetchOne(0, Boolean.class))
                ? List.<RescuedJob>of()
                : inTransaction(
                    dsl,
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
   * How long until the queue's next pending job of these types falls due, by the database clock,
   * and whether the queue is paused or limited.
   *
   * @param queue the queue
   * @param types the types a node has handlers for
   * @return milliseconds (zero or negative when one is due now; empty when none is pending), and
   *     the queue's state
   */
  public Claims.Due nextDue(String queue, String[] types) {
    return run("find the next due job", () -> claims.nextDue(dsl, queue, types));
  }

  /**
   * When the calling thread last sent a statement through the store, by {@code System.nanoTime()}:
   * after its connection was obtained from the pool. A lease granted by that statement runs from no
   * earlier than this.
   *
   * @param fallback returned when this thread has sent nothing since
   * @return the later of the last send and {@code fallback}
   */
  public long sentSince(long fallback) {
    return Sql.sentSince(fallback);
  }
}
