package dev.jobqueue.dashboard;

import dev.jobqueue.Job;
import dev.jobqueue.JobError;
import dev.jobqueue.JobProgress;
import dev.jobqueue.JobStatus;
import dev.jobqueue.admin.Role;
import java.util.Optional;

/**
 * One job: its state and timings, the lease holder, unique and concurrency keys, progress, the
 * payload and result as indented JSON, and the error of every failed attempt; with retry, cancel
 * and delete buttons for the roles that may use them.
 */
final class JobPage {
  private JobPage() {}

  static Response page(Context context) {
    String id = Params.jobId(context, "id");
    Job job =
        context
            .admin()
            .job(id)
            .orElseThrow(() -> new HttpError(404, "there is no job with id " + id));
    Html h = new Html();
    actions(context, h, job);
    h.raw("<dl class=\"facts\">");
    fact(h, "State", job.status().wireName());
    fact(h, "Type", job.type());
    fact(h, "Queue", job.queue());
    fact(h, "Priority", job.priority().wireName());
    fact(h, "Attempt", job.attempt() + " of " + (job.maxRetries() + 1));
    fact(h, "Retries used", job.retryCount());
    fact(h, "Snoozes", job.snoozeCount());
    fact(h, "Timeout", job.timeoutSeconds() + " s");
    fact(h, "Created", Formats.time(job.createdAt()));
    fact(h, "Scheduled for", Formats.time(job.scheduledAt()));
    fact(h, "Runs at", Formats.time(job.runAt()));
    fact(h, "Started", Formats.time(job.startedAt()));
    fact(h, "Completed", Formats.time(job.completedAt()));
    fact(h, "Updated", Formats.time(job.updatedAt()));
    fact(h, "Lease holder", job.lockedBy().orElse("–"));
    fact(h, "Lease expires", Formats.time(job.leaseExpiresAt()));
    fact(h, "Unique key", job.uniqueKey().orElse("–"));
    fact(h, "Concurrency key", job.concurrencyKey().orElse("–"));
    job.scheduleName().ifPresent(name -> fact(h, "Schedule", name));
    job.occurrenceAt().ifPresent(at -> fact(h, "Occurrence", Formats.time(at)));
    h.raw("</dl>");
    progress(h, job.progress());
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

  private static void fact(Html h, String name, Object value) {
    h.element("dt", name).element("dd", value);
  }

  private static void progress(Html h, Optional<JobProgress> progress) {
    progress.ifPresent(
        p ->
            h.raw("<h2>Progress</h2><p class=\"progress\"><progress max=\"100\" value=\"")
                .text(p.percent())
                .raw("\">")
                .text(p.percent())
                .raw(" %</progress> <span>")
                .text(p.percent())
                .raw(" %</span> <span class=\"message\">")
                .text(p.message())
                .raw("</span> <span class=\"when\">")
                .text(Formats.time(p.reportedAt()))
                .raw("</span></p>"));
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
