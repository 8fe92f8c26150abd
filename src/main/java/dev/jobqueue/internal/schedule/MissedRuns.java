package dev.jobqueue.internal.schedule;

import dev.jobqueue.MissedRunPolicy;
import dev.jobqueue.MissedRunPolicy.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * What a schedule enqueues when its due occurrences are looked at: the arithmetic of the missed-run
 * policies, on instants the caller takes from the database clock. Pure; the scheduler applies the
 * plan in the transaction that advances the schedule. <strong>Not API.</strong>
 *
 * <p>An occurrence is <em>on time</em> while it is at most {@code missedAfter} old when it is
 * looked at, and enqueued whatever the policy. An older one was <em>missed</em> (no leader ran to
 * enqueue it), and the policy decides:
 *
 * <ul>
 *   <li>{@link Kind#SKIP}: none is run; each counts as skipped;
 *   <li>{@link Kind#ONCE}: the latest missed runs as one catch-up; the others count as skipped;
 *   <li>{@link Kind#ALL}: those at most {@code window} old run as catch-ups, the latest {@code cap}
 *       of them; the others count as skipped.
 * </ul>
 */
public final class MissedRuns {
  /** The most occurrences one plan walks through before it returns with the rest still due. */
  static final int MAX_WALK = 100_000;

  private MissedRuns() {}

  /** An occurrence to enqueue. */
  public record Run(Instant occurrence, boolean catchUp) {}

  /**
   * What one look at a schedule decided.
   *
   * @param runs the jobs to enqueue, oldest occurrence first
   * @param skipped missed occurrences not run
   * @param next the schedule's next occurrence, empty when it has none left; at or before {@code
   *     now} when the plan stopped after {@link #MAX_WALK} occurrences, so that the rest is looked
   *     at next
   */
  public record Plan(List<Run> runs, long skipped, Optional<Instant> next) {
    /**
     * How many of the runs are catch-ups.
     *
     * @return the count
     */
    public long catchUps() {
      return runs.stream().filter(Run::catchUp).count();
    }
  }

  /**
   * The plan for a schedule whose stored next occurrence is {@code due}.
   *
   * @param policy the schedule's missed-run policy
   * @param occurrences the schedule's times
   * @param due its next occurrence not yet looked at
   * @param now the database's time
   * @param missedAfter how late an occurrence may be and still count as on time
   * @return what to enqueue, what was skipped, and the schedule's next occurrence
   */
  public static Plan plan(
      MissedRunPolicy policy,
      Occurrences occurrences,
      Instant due,
      Instant now,
      Duration missedAfter) {
    Kind kind = policy.kind();
    int cap = policy.cap();
    Instant onTimeFrom = now.minus(missedAfter);
    Instant catchUpFrom = kind == Kind.ALL ? now.minus(policy.window()) : onTimeFrom;
    Instant keepFrom = catchUpFrom.isBefore(onTimeFrom) ? catchUpFrom : onTimeFrom;
    List<Run> onTime = new ArrayList<>();
    Deque<Instant> caughtUp = new ArrayDeque<>();
    Instant latestMissed = null;
    long skipped = 0;
    Optional<Instant> at = Optional.of(due);
    int walked = 0;
    while (at.isPresent() && !at.get().isAfter(now)) {
      Instant o = at.get();
      if (walked >= MAX_WALK && o.isBefore(keepFrom)) {
        // Everything walked so far is older than o, which is missed and too old to keep: none of
        // it can run. The rest of the walk is the next look's.
        return new Plan(List.of(), skipped + (latestMissed == null ? 0 : 1), at);
      }
      walked++;
      if (!o.isBefore(onTimeFrom)) {
        onTime.add(new Run(o, false));
      } else if (kind == Kind.SKIP) {
        skipped++;
      } else if (kind == Kind.ONCE) {
        if (latestMissed != null) {
          skipped++;
        }
        latestMissed = o;
      } else if (!o.isBefore(catchUpFrom)) {
        caughtUp.addLast(o);
        if (caughtUp.size() > cap) {
          caughtUp.removeFirst();
          skipped++;
        }
      } else {
        skipped++;
      }
      at = occurrences.next(o);
    }
    List<Run> runs = new ArrayList<>();
    if (latestMissed != null) {
      runs.add(new Run(latestMissed, true));
    }
    for (Instant o : caughtUp) {
      runs.add(new Run(o, true));
    }
    runs.addAll(onTime);
    return new Plan(List.copyOf(runs), skipped, at);
  }
}
