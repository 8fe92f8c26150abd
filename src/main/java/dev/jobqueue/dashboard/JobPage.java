package dev.jobqueue.dashboard;

import dev.jobqueue.Job;
import dev.jobqueue.JobError;
import dev.jobqueue.JobProgress;
import dev.jobqueue.JobStatus;
import dev.jobqueue.admin.Role;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One job: its state and timings, the lease holder, unique and concurrency keys, progress, the
 * payload and result as indented JSON, and the error of every failed attempt; with retry, cancel
 * and delete buttons for the roles that may use them. The page's script refreshes the state,
 * timings, lease and progress from {@code api/job}.
 */
final class JobPage {
  private JobPage() {}

  static Response page(Context context) {
    Job job = job(context);
    Map<String, Object> live = live(job);
    Html h = new Html();
    actions(context, h, job);
    h.raw("<div data-live=\"").text("api/job?id=" + job.id()).raw("\"><dl class=\"facts\">");
    liveFact(h, "State", "status", live);
    fact(h, "Type", job.type());
    fact(h, "Queue", job.queue());
    fact(h, "Priority", job.priority().wireName());
    liveFact(h, "Attempt", "attempt", live);
    fact(h, "Retries used", job.retryCount());
    fact(h, "Snoozes", job.snoozeCount());
    fact(h, "Timeout", job.timeoutSeconds() + " s");
    fact(h, "Created", Formats.time(job.createdAt()));
    fact(h, "Scheduled for", Formats.time(job.scheduledAt()));
    liveFact(h, "Runs at", "runAt", live);
    liveFact(h, "Started", "started", live);
    liveFact(h, "Completed", "completed", live);
    liveFact(h, "Updated", "updated", live);
    liveFact(h, "Lease holder", "lockedBy", live);
    liveFact(h, "Lease expires", "leaseExpires", live);
    fact(h, "Unique key", job.uniqueKey().orElse("–"));
    fact(h, "Concurrency key", job.concurrencyKey().orElse("–"));
    job.scheduleName().ifPresent(name -> fact(h, "Schedule", name));
    job.occurrenceAt().ifPresent(at -> fact(h, "Occurrence", Formats.time(at)));
    h.raw("</dl><h2>Progress</h2><p class=\"progress\"><progress max=\"100\"")
        .raw(" data-value=\"percent\" value=\"")
        .text(live.get("percent"))
        .raw("\"></progress> <span data-field=\"progress\">")
        .text(live.get("progress"))
        .raw("</span></p></div>");
    h.raw("<h2>Payload</h2><pre class=\"json\" id=\"payload\">")
        .text(Json.pretty(job.payloadJson()))
        .raw("</pre>");
    job.resultJson()
        .ifPresent(
            r ->
                h.raw("<h2>Result</h2><pre class=\"json\" id=\"result\">")
                    .text(Json.pretty(r))
                    .raw("</pre>"));
    errors(h, job);
    return Response.html(200, Layout.page(context, "Job " + job.id(), "/jobs", h.toString()));
  }

  /** What the page's script refreshes: the facts that change while the job runs, as text. */
  static Response api(Context context) {
    return Json.response(200, live(job(context)));
  }

  private static Job job(Context context) {
    String id = Params.jobId(context, "id");
    return context
        .admin()
        .job(id)
        .orElseThrow(() -> new HttpError(404, "there is no job with id " + id));
  }

  private static Map<String, Object> live(Job job) {
    Map<String, Object> live = new LinkedHashMap<>();
    live.put("status", job.status().wireName());
    live.put("attempt", job.attempt() + " of " + (job.maxRetries() + 1));
    live.put("runAt", Formats.time(job.runAt()));
    live.put("started", Formats.time(job.startedAt()));
    live.put("completed", Formats.time(job.completedAt()));
    live.put("updated", Formats.time(job.updatedAt()));
    live.put("lockedBy", job.lockedBy().orElse("–"));
    live.put("leaseExpires", Formats.time(job.leaseExpiresAt()));
    Optional<JobProgress> progress = job.progress();
    live.put("percent", progress.map(JobProgress::percent).orElse(0));
    live.put(
        "progress",
        progress
            .map(
                p ->
                    p.percent()
                        + " %"
                        + (p.message().isEmpty() ? "" : " · " + p.message())
                        + " · "
                        + Formats.time(p.reportedAt()))
            .orElse("none reported"));
    return live;
  }

  private static void fact(Html h, String name, Object value) {
    h.element("dt", name).element("dd", value);
  }

  private static void liveFact(Html h, String name, String key, Map<String, Object> live) {
    h.element("dt", name)
        .raw("<dd data-field=\"")
        .text(key)
        .raw("\">")
        .text(live.get(key))
        .raw("</dd>");
  }

  private static void errors(Html h, Job job) {
    if (job.errors().isEmpty()) {
      return;
    }
    h.raw("<h2>Errors</h2><table class=\"errors\"><thead><tr><th>Attempt</th><th>When</th>")
        .raw("<th>Error</th></tr></thead><tbody>");
    for (JobError e : job.errors()) {
      h.raw("<tr>")
          .element("td", e.attempt())
          .element("td", Formats.time(e.occurredAt()))
          .raw("<td><pre class=\"error-text\">")
          .text(e.message())
          .raw("</pre></td></tr>");
    }
    h.raw("</tbody></table>");
  }

  /** The buttons the user's role may use and the job's state allows, each to a confirmation. */
  private static void actions(Context context, Html h, Job job) {
    JobStatus s = job.status();
    boolean retry =
        context.may(Role.OPERATOR) && (s == JobStatus.FAILED || s == JobStatus.CANCELLED);
    boolean cancel =
        context.may(Role.OPERATOR) && (s == JobStatus.PENDING || s == JobStatus.RUNNING);
    boolean delete = context.may(Role.ADMIN) && s != JobStatus.RUNNING;
    if (!retry && !cancel && !delete) {
      return;
    }
    h.raw("<form method=\"post\" class=\"actions\" action=\"")
        .text(context.link("/jobs/confirm"))
        .raw("\">")
        .raw(context.csrfField())
        .hidden("scope", "selected")
        .hidden("ids", job.id());
    if (retry) {
      h.raw("<button type=\"submit\" name=\"action\" value=\"retry\">Retry…</button>");
    }
    if (cancel) {
      h.raw("<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel…</button>");
    }
    if (delete) {
      h.raw("<button type=\"submit\" name=\"action\" value=\"delete\" class=\"danger\">")
          .raw("Delete…</button>");
    }
    h.raw("</form>");
  }
}
