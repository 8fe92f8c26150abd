package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.instant;
import static dev.jobqueue.internal.store.Sql.run;

import dev.jobqueue.QueueInfo;
import dev.jobqueue.QueueLimits;
import dev.jobqueue.internal.notify.Notifications;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The SQL of the {@code queues} table: a queue's paused state and its cluster-wide limits, stored
 * so that every node applies the same ones. A queue without a row runs unpaused and unlimited.
 * Every value is a bind parameter. Thread-safe. <strong>Not API.</strong>
 */
public final class QueueStore {

  private static final String LIMIT_COLUMNS =
      "max_running, max_running_per_key, rate_limit, rate_window_ms, key_rate_limit,"
          + " key_rate_window_ms";

  private final DSLContext dsl;
  private final String channel;
  private final String setLimitsSql;
  private final String declareSql;
  private final String pauseSql;
  private final String listSql;
  private final String limitsSql;

  QueueStore(DSLContext dsl, String schema, String channel) {
    this.dsl = dsl;
    this.channel = channel;
    String queues = Sql.qualified(schema, "queues");
    String jobs = Sql.qualified(schema, "jobs");
    String values =
        " values (?, ?::integer, ?::integer, ?::integer, ?::bigint, ?::integer, ?::bigint)";
    String upsert =
        "insert into "
            + queues
            + " (name, "
            + LIMIT_COLUMNS
            + ")"
            + values
            + " on conflict (name) do ";
    this.setLimitsSql =
        upsert
            + "update set max_running = excluded.max_running,"
            + " max_running_per_key = excluded.max_running_per_key,"
            + " rate_limit = excluded.rate_limit, rate_window_ms = excluded.rate_window_ms,"
            + " key_rate_limit = excluded.key_rate_limit,"
            + " key_rate_window_ms = excluded.key_rate_window_ms, updated_at = now()";
    this.declareSql = upsert + "nothing";
    // One statement: the state and the message that wakes (or tells) the nodes commit together.
    this.pauseSql =
        "with changed as (insert into "
            + queues
            + " (name, paused, paused_at) values (?, ?, case when ? then now() end)"
            + " on conflict (name) do update set paused = excluded.paused,"
            + " paused_at = case when excluded.paused then coalesce("
            + queues
            + ".paused_at, now()) end, updated_at = now() returning name)"
            + " select count(*) from changed, pg_notify(?, ?)";
    // One part per status, so that each reads its partial index (jobs_claim_idx for the pending
    // jobs, jobs_running_key_idx for the running ones) instead of the whole table: "status in
    // ('pending', 'running')" matches neither index's predicate.
    this.listSql =
        "with counts as (select queue, sum(pending)::bigint as pending,"
            + " sum(running)::bigint as running from (select queue, count(*) as pending,"
            + " 0::bigint as running from "
            + jobs
            + " where status = 'pending' group by queue union all select queue, 0::bigint,"
            + " count(*) from "
            + jobs
            + " where status = 'running' group by queue) per_status group by queue)"
            + " select coalesce(q.name, c.queue), coalesce(q.paused, false), q.paused_at, "
            + prefixed("q.")
            + ", coalesce(c.pending, 0), coalesce(c.running, 0) from "
            + queues
            + " q full join counts c on c.queue = q.name order by 1";
    this.limitsSql = "select " + LIMIT_COLUMNS + " from " + queues + " where name = ?";
  }

  private static String prefixed(String prefix) {
    return prefix + LIMIT_COLUMNS.replace(", ", ", " + prefix);
  }

  /**
   * Stores a queue's limits, replacing those it had.
   *
   * @param queue a checked queue name
   * @param limits the limits; {@link QueueLimits#none()} removes them
   */
  public void setLimits(String queue, QueueLimits limits) {
    run(
        "set the limits of queue " + queue,
        () -> dsl.query(setLimitsSql, binds(queue, limits)).execute());
  }

  /**
   * Makes sure a queue has a row, leaving an existing one as it is.
   *
   * @param queue a checked queue name
   */
  public void declare(String queue) {
    run(
        "declare queue " + queue,
        () -> dsl.query(declareSql, binds(queue, QueueLimits.none())).execute());
  }

  /**
   * Pauses or resumes a queue, durably, and notifies every node in the same statement.
   *
   * @param queue a checked queue name
   * @param paused true to pause
   */
  public void setPaused(String queue, boolean paused) {
    String message = paused ? Notifications.paused(queue) : Notifications.resumed(queue);
    run(
        (paused ? "pause" : "resume") + " queue " + queue,
        () -> dsl.resultQuery(pauseSql, queue, paused, paused, channel, message).fetch());
  }

  /**
   * Every queue that has a row or holds pending or running jobs, by name.
   *
   * @return the queues
   */
  public List<QueueInfo> list() {
    return run(
        "list the queues",
        () -> {
          List<QueueInfo> queues = new ArrayList<>();
          for (Record r : dsl.resultQuery(listSql).fetch()) {
            OffsetDateTime pausedAt = r.get(2, OffsetDateTime.class);
            queues.add(
                new QueueInfo(
                    r.get(0, String.class),
                    r.get(1, Boolean.class),
                    Optional.ofNullable(pausedAt == null ? null : instant(pausedAt)),
                    limits(r, 3),
                    r.get(9, Long.class),
                    r.get(10, Long.class)));
          }
          return queues;
        });
  }

  /**
   * A queue's stored limits.
   *
   * @param queue a checked queue name
   * @return the limits; {@link QueueLimits#none()} when it has no row
   */
  public QueueLimits limits(String queue) {
    return run(
        "read the limits of queue " + queue,
        () -> {
          Record r = dsl.resultQuery(limitsSql, queue).fetchOne();
          return r == null ? QueueLimits.none() : limits(r, 0);
        });
  }

  /** The limits stored in six columns of {@code r} from {@code first} on. */
  static QueueLimits limits(Record r, int first) {
    QueueLimits.Builder limits = QueueLimits.builder();
    Integer maxRunning = r.get(first, Integer.class);
    if (maxRunning != null) {
      limits.maxRunning(maxRunning);
    }
    Integer perKey = r.get(first + 1, Integer.class);
    if (perKey != null) {
      limits.maxRunningPerKey(perKey);
    }
    Integer rate = r.get(first + 2, Integer.class);
    if (rate != null) {
      limits.rate(rate, Duration.ofMillis(r.get(first + 3, Long.class)));
    }
    Integer keyRate = r.get(first + 4, Integer.class);
    if (keyRate != null) {
      limits.ratePerKey(keyRate, Duration.ofMillis(r.get(first + 5, Long.class)));
    }
    return limits.build();
  }

  private static Object[] binds(String queue, QueueLimits limits) {
    return new Object[] {
      queue,
      limits.maxRunning().isPresent() ? limits.maxRunning().getAsInt() : null,
      limits.maxRunningPerKey().isPresent() ? limits.maxRunningPerKey().getAsInt() : null,
      limits.rate().isPresent() ? limits.rate().getAsInt() : null,
      limits.rateWindow().map(Duration::toMillis).orElse(null),
      limits.ratePerKey().isPresent() ? limits.ratePerKey().getAsInt() : null,
      limits.ratePerKeyWindow().map(Duration::toMillis).orElse(null)
    };
  }
}
