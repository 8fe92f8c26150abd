package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.run;

import java.time.Duration;
import org.jooq.DSLContext;

/**
 * The test kit's statements that move pending jobs' stored {@code run_at} towards the database's
 * {@code now()}, so that a retry, a snooze or a scheduled job falls due without waiting: the claim
 * still compares {@code run_at} with {@code now()}, so the database clock still decides. Nothing
 * else of a job changes: its {@code scheduled_at}, its counts and its errors stay. Thread-safe.
 * <strong>Not API.</strong>
 */
public final class DueTimes {

  private final DSLContext dsl;
  private final String oneSql;
  private final String allSql;
  private final String advanceSql;

  DueTimes(DSLContext dsl, String jobs) {
    this.dsl = dsl;
    String set = " set run_at = now(), updated_at = now()";
    this.oneSql =
        "update "
            + jobs
            + " set run_at = least(run_at, now()), updated_at = now()"
            + " where id = ? and status = 'pending'";
    this.allSql =
        "update "
            + jobs
            + set
            + " where status = 'pending' and run_at > now() and (?::text is null or type = ?)";
    this.advanceSql =
        "update "
            + jobs
            + " set run_at = greatest(run_at - ?::bigint * interval '1 millisecond', now()),"
            + " updated_at = now() where status = 'pending' and run_at > now()";
  }

  /**
   * Makes one pending job due now, if it is not due already.
   *
   * @param id the job's id
   * @return false when there is no pending job with that id
   */
  public boolean makeDue(long id) {
    return run("make job " + id + " due", () -> dsl.execute(oneSql, id)) == 1;
  }

  /**
   * Makes every pending job that is not due yet due now.
   *
   * @param type only jobs of this type, or null for every type
   * @return how many jobs were moved
   */
  public int makeAllDue(String type) {
    return run("make pending jobs due", () -> dsl.execute(allSql, type, type));
  }

  /**
   * Brings every pending job that is not due yet {@code by} closer: one due within {@code by} is
   * due now, the others come that much sooner.
   *
   * @param by how much sooner, positive
   * @return how many jobs were moved
   */
  public int advance(Duration by) {
    return run("advance pending jobs", () -> dsl.execute(advanceSql, by.toMillis()));
  }
}
