package dev.jobqueue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * A stored schedule as read by {@link JobQueueManager#getSchedules()}: its definition, its state,
 * when it runs next, what it last enqueued, and its counts. All times are from the database clock.
 *
 * @param name the schedule's identity
 * @param type the type of the jobs it creates
 * @param queue the queue those jobs run in
 * @param cron the cron expression, or empty for an interval schedule
 * @param zone the zone a cron expression is matched in, or empty for an interval schedule
 * @param interval the interval, or empty for a cron schedule
 * @param missedRuns what happens to occurrences missed while no node ran
 * @param overlap what happens when the previous occurrence's job is still pending or running
 * @param declared whether the application declares it in code ({@link
 *     JobQueueManager.Builder#schedules(java.util.Collection)}), rather than adding it at run time
 * @param paused whether it is paused
 * @param nextRunAt its next occurrence, or empty when its expression has none left
 * @param waitingAt an occurrence kept back by {@link OverlapPolicy#QUEUE} until the previous job
 *     ends, or empty
 * @param lastRunAt the occurrence it last enqueued a job for, or empty
 * @param lastJobId the id of that job, or empty
 * @param runs how many jobs it enqueued, catch-ups included
 * @param catchUps how many of those were catch-ups of missed occurrences
 * @param skips how many occurrences it enqueued nothing for: missed ones its policy skipped,
 *     overlapping ones, and ones whose unique key was held
 * @param createdAt when it was first stored
 * @param updatedAt when its definition or state last changed
 */
public record ScheduleInfo(
    String name,
    String type,
    String queue,
    Optional<String> cron,
    Optional<ZoneId> zone,
    Optional<Duration> interval,
    MissedRunPolicy missedRuns,
    OverlapPolicy overlap,
    boolean declared,
    boolean paused,
    Optional<Instant> nextRunAt,
    Optional<Instant> waitingAt,
    Optional<Instant> lastRunAt,
    Optional<String> lastJobId,
    long runs,
    long catchUps,
    long skips,
    Instant createdAt,
    Instant updatedAt) {}
