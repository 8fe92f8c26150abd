package dev.jobqueue.internal.store;

import dev.jobqueue.MissedRunPolicy;
import dev.jobqueue.OverlapPolicy;
import dev.jobqueue.internal.schedule.Occurrences;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;

/**
 * A schedule as stored: its job already validated into the row each occurrence inserts, and when
 * its occurrences fall. <strong>Not API.</strong>
 *
 * @param name the schedule's identity
 * @param job the job each occurrence creates; its {@code scheduledAt} is null
 * @param cron the cron expression, or null for an interval schedule
 * @param zone the zone of the cron expression, or null for an interval schedule
 * @param interval the interval, or null for a cron schedule
 * @param anchor the interval's anchor as given, or null for "when first stored" (and for cron)
 * @param missedRuns the missed-run policy
 * @param overlap the overlap policy
 */
public record ScheduleDefinition(
    String name,
    NewJob job,
    String cron,
    ZoneId zone,
    Duration interval,
    Instant anchor,
    MissedRunPolicy missedRuns,
    OverlapPolicy overlap) {

  /**
   * Checks that exactly one of cron and interval is given.
   *
   * @param name the name
   * @param job the job
   * @param cron the expression, or null
   * @param zone the zone, or null
   * @param interval the interval, or null
   * @param anchor the anchor, or null
   * @param missedRuns the missed-run policy
   * @param overlap the overlap policy
   */
  public ScheduleDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(missedRuns, "missedRuns");
    Objects.requireNonNull(overlap, "overlap");
    if ((cron == null) == (interval == null)) {
      throw new IllegalArgumentException("a schedule has either a cron expression or an interval");
    }
  }

  /**
   * This definition with another anchor.
   *
   * @param anchor the anchor, or null
   * @return the definition
   */
  public ScheduleDefinition withAnchor(Instant anchor) {
    return new ScheduleDefinition(name, job, cron, zone, interval, anchor, missedRuns, overlap);
  }

  /**
   * The schedule's occurrences.
   *
   * @param storedAnchor the anchor the database holds, used when none was given
   * @return the occurrences
   */
  public Occurrences occurrences(Instant storedAnchor) {
    return cron != null
        ? Occurrences.cron(cron, zone)
        : Occurrences.every(interval, anchor != null ? anchor : storedAnchor);
  }

  /**
   * Whether {@code other} has the same occurrences: the same expression and zone, or the same
   * interval and given anchor.
   *
   * @param other another definition
   * @return true when the times are the same
   */
  public boolean sameTimes(ScheduleDefinition other) {
    return Objects.equals(cron, other.cron)
        && Objects.equals(zone, other.zone)
        && Objects.equals(interval, other.interval)
        && (anchor == null || Objects.equals(anchor, other.anchor));
  }
}
