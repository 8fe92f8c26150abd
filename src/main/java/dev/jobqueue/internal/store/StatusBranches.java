package dev.jobqueue.internal.store;

import static org.jooq.impl.DSL.inline;

import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;

/**
 * How a query over jobs splits by status so that each part reads a partial index: pending jobs
 * ({@code jobs_pending_created_idx}), running ones ({@code jobs_running_key_idx}, never more rows
 * than the nodes' workers hold), and each finished status ({@code jobs_done_*_idx}). The statuses
 * are rendered as literals: a bind value would hide from the planner that a part's rows all lie in
 * its index.
 */
final class StatusBranches {
  /** Every status, by its wire name; one part each. */
  static final List<String> ALL = List.of("pending", "running", "completed", "failed", "cancelled");

  /** The predicate of the finished-jobs indexes, as SQL. */
  static final String FINISHED_SQL = "status in ('completed', 'failed', 'cancelled')";

  private StatusBranches() {}

  /**
   * The parts of a query over jobs.
   *
   * @param status the one status asked for, or null for every status
   * @return one condition per part, each naming its status as a literal
   */
  static List<Condition> of(String status) {
    List<Condition> parts = new ArrayList<>();
    for (String s : status == null ? ALL : List.of(status)) {
      parts.add(JobRecordColumns.STATUS.eq(inline(s)));
    }
    return parts;
  }
}
