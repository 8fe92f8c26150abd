package dev.jobqueue.internal.schedule;

import dev.jobqueue.MissedRunPolicy;
import dev.jobqueue.OverlapPolicy;
import dev.jobqueue.internal.schedule.MissedRuns.Plan;
import dev.jobqueue.internal.schedule.MissedRuns.Run;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one look at a due schedule decides: the missed-run plan ({@link MissedRuns}), then the
 * overlap policy. Pure; the scheduler applies it in the transaction that advances the schedule.
 * <strong>Not API.</strong>
 *
 * <p>Under {@link OverlapPolicy#SKIP} and {@link OverlapPolicy#QUEUE} a schedule has at most one
 * job pending or running: of the occurrences of one look, the first runs when the previous job has
 * ended; under {@code QUEUE} the latest of the others waits for it, and the rest count as skips.
 *
 * @param runs the occurrences to enqueue, oldest first
 * @param skips the occurrences that enqueue nothing
 * @param next the schedule's next occurrence not yet looked at, or null when it has none left
 * @param waiting the occurrence kept back until the previous job ends, or null
 */
public record Look(List<Run> runs, long skips, Instant next, Instant waiting) {

  /**
   * Decides a look.
   *
   * @param missedRuns the missed-run policy
   * @param overlap the overlap policy
   * @param occurrences the schedule's times
   * @param nextRunAt its stored next occurrence, or null
   * @param waitingAt the occurrence it keeps back, or null
   * @param previousActive whether the job of its last occurrence is pending or running
   * @param now the database's time
   * @param missedAfter how late an occurrence may be and still count as on time
   * @return the decision
   */
  public static Look decide(
      MissedRunPolicy missedRuns,
      OverlapPolicy overlap,
      Occurrences occurrences,
      Instant nextRunAt,
      Instant waitingAt,
      boolean previousActive,
      Instant now,
      Duration missedAfter) {
    List<Run> candidates = new ArrayList<>();
    if (waitingAt != null) {
      candidates.add(new Run(waitingAt, false));
    }
    long skips = 0;
    Instant next = nextRunAt;
    if (nextRunAt != null && !nextRunAt.isAfter(now)) {
      Plan plan = MissedRuns.plan(missedRuns, occurrences, nextRunAt, now, missedAfter);
      candidates.addAll(plan.runs());
      skips += plan.skipped();
      next = plan.next().orElse(null);
    }
    int n = candidates.size();
    if (overlap == OverlapPolicy.ALLOW || n == 0) {
      return new Look(List.copyOf(candidates), skips, next, null);
    }
    Run latest = candidates.get(n - 1);
    if (overlap == OverlapPolicy.SKIP) {
      return previousActive
          ? new Look(List.of(), skips + n, next, null)
          : new Look(List.of(candidates.get(0)), skips + n - 1, next, null);
    }
    if (previousActive) {
      return new Look(List.of(), skips + n - 1, next, latest.occurrence());
    }
    return n == 1
        ? new Look(List.of(latest), skips, next, null)
        : new Look(List.of(candidates.get(0)), skips + n - 2, next, latest.occurrence());
  }

  /**
   * How many of the runs are catch-ups.
   *
   * @return the count
   */
  public long catchUps() {
    return runs.stream().filter(Run::catchUp).count();
  }
}
