package dev.jobqueue.internal.store;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;

import java.util.List;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.SQLDataType;

/**
 * How a query over jobs splits by status so that each part reads a partial index: the live jobs
 * ({@code pending}, {@code running}: {@code jobs_live_created_idx}) in one part, each finished
 * status ({@code jobs_done_*_idx}) in its own. The statuses are rendered as literals: a bind value
 * would hide from the planner that a part's rows all lie in its index.
 */
final class StatusBranches {
  /** The statuses whose rows the live-jobs index holds. */
  static final List<String> LIVE = List.of("pending", "running");

  /** The statuses whose rows the finished-jobs indexes hold. */
  static final List<String> FINISHED = List.of("completed", "failed", "cancelled");

  /** The predicate of the finished-jobs indexes, as SQL. */
  static final String FINISHED_SQL = "status in ('completed', 'failed', 'cancelled')";

  private static final Field<String> STATUS = field(name("status"), SQLDataType.VARCHAR);

  private StatusBranches() {}

  /**
   * The parts of a query over jobs.
   *
   * @param status the one status asked for, or null for every status
   * @return one condition per part, each naming its statuses as literals
   */
  static List<Condition> of(String status) {
    if (status != null) {
      return List.of(STATUS.eq(inline(status)));
    }
    return List.of(
        STATUS.in(inline(LIVE.get(0)), inline(LIVE.get(1))),
        STATUS.eq(inline(FINISHED.get(0))),
        STATUS.eq(inline(FINISHED.get(1))),
        STATUS.eq(inline(FINISHED.get(2))));
  }
}
