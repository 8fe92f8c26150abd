package dev.jobqueue.cli;

import dev.jobqueue.Job;
import dev.jobqueue.JobError;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.QueueLimits;
import dev.jobqueue.ScheduleInfo;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API's objects as ordered maps of plain values, for {@code --json}: absent values are null,
 * enums their lower-case wire names, durations whole milliseconds.
 */
final class Views {
  private Views() {}

  /** A job as {@code jobs list} shows it. */
  static Map<String, Object> jobSummary(Job job) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", job.id());
    v.put("type", job.type());
    v.put("queue", job.queue());
    v.put("status", job.status().wireName());
    v.put("priority", job.priority().wireName());
    v.put("createdAt", job.createdAt());
    v.put("runAt", job.runAt());
    v.put("retryCount", job.retryCount());
    v.put("maxRetries", job.maxRetries());
    v.put("errorMessage", job.errorMessage().orElse(null));
    return v;
  }

  /** A job with everything {@code jobs show} shows. */
  static Map<String, Object> jobDetails(Job job) {
    Map<String, Object> v = jobSummary(job);
    v.put("concurrencyKey", job.concurrencyKey().orElse(null));
    v.put("uniqueKey", job.uniqueKey().orElse(null));
    v.put("scheduleName", job.scheduleName().orElse(null));
    v.put("occurrenceAt", job.occurrenceAt().orElse(null));
    v.put("attempt", job.attempt());
    v.put("snoozeCount", job.snoozeCount());
    v.put("timeoutSeconds", job.timeoutSeconds());
    v.put("updatedAt", job.updatedAt());
    v.put("scheduledAt", job.scheduledAt());
    v.put("startedAt", job.startedAt().orElse(null));
    v.put("completedAt", job.completedAt().orElse(null));
    v.put("lockedBy", job.lockedBy().orElse(null));
    v.put("leaseExpiresAt", job.leaseExpiresAt().orElse(null));
    v.put(
        "progress",
        job.progress()
            .map(
                p -> {
                  Map<String, Object> progress = new LinkedHashMap<>();
                  progress.put("percent", p.percent());
                  progress.put("message", p.message());
                  progress.put("reportedAt", p.reportedAt());
                  return progress;
                })
            .orElse(null));
    v.put("payload", job.payload());
    v.put("result", job.resultAs(Object.class).orElse(null));
    v.put("errors", job.errors().stream().map(Views::error).toList());
    return v;
  }

  private static Map<String, Object> error(JobError error) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("attempt", error.attempt());
    v.put("occurredAt", error.occurredAt());
    v.put("message", error.message());
    return v;
  }

  static Map<String, Object> queue(QueueInfo queue) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", queue.name());
    v.put("paused", queue.paused());
    v.put("pausedAt", queue.pausedAt().orElse(null));
    v.put("pending", queue.pending());
    v.put("running", queue.running());
    v.put("limits", limits(queue.limits()));
    return v;
  }

  private static Map<String, Object> limits(QueueLimits limits) {
    Map<String, Object> v = new LinkedHashMap<>();
    limits.maxRunning().ifPresent(n -> v.put("maxRunning", n));
    limits.maxRunningPerKey().ifPresent(n -> v.put("maxRunningPerKey", n));
    limits.rate().ifPresent(n -> v.put("rate", n));
    limits.rateWindow().ifPresent(d -> v.put("rateWindowMillis", d.toMillis()));
    limits.ratePerKey().ifPresent(n -> v.put("ratePerKey", n));
    limits.ratePerKeyWindow().ifPresent(d -> v.put("ratePerKeyWindowMillis", d.toMillis()));
    return v;
  }

  /** A queue's limits as text: {@code maxRunning=2, rate=10/PT1M}, or {@code -}. */
  static String limitsText(QueueLimits limits) {
    if (!limits.isLimited()) {
      return "-";
    }
    String text = limits.toString();
    return text.substring(text.indexOf('[') + 1, text.length() - 1);
  }

  static Map<String, Object> schedule(ScheduleInfo s) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", s.name());
    v.put("type", s.type());
    v.put("queue", s.queue());
    v.put("cron", s.cron().orElse(null));
    v.put("zone", s.zone().map(Object::toString).orElse(null));
    v.put("intervalMillis", s.interval().map(Duration::toMillis).orElse(null));
    v.put("missedRuns", s.missedRuns().toString());
    v.put("overlap", s.overlap().wireName());
    v.put("declared", s.declared());
    v.put("paused", s.paused());
    v.put("nextRunAt", s.nextRunAt().orElse(null));
    v.put("waitingAt", s.waitingAt().orElse(null));
    v.put("lastRunAt", s.lastRunAt().orElse(null));
    v.put("lastJobId", s.lastJobId().orElse(null));
    v.put("runs", s.runs());
    v.put("catchUps", s.catchUps());
    v.put("skips", s.skips());
    return v;
  }

  /** When a schedule fires, as text: its cron expression and zone, or {@code every PT5M}. */
  static String every(ScheduleInfo s) {
    return s.cron()
        .map(cron -> cron + s.zone().map(z -> " (" + z + ")").orElse(""))
        .orElseGet(() -> "every " + s.interval().map(Duration::toString).orElse("?"));
  }

  static List<Map<String, Object>> jobSummaries(List<Job> jobs) {
    return jobs.stream().map(Views::jobSummary).toList();
  }
}
