package dev.jobqueue.dashboard;

import dev.jobqueue.Job;
import dev.jobqueue.JobPriority;
import dev.jobqueue.JobStatus;
import dev.jobqueue.admin.JobCount;
import dev.jobqueue.admin.JobPage;
import dev.jobqueue.admin.JobSearch;
import dev.jobqueue.admin.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Jobs page (every job, filtered) and the Failed page (failed jobs, with bulk retry, cancel and
 * delete of the selected or of every matching job), and {@code api/jobs}. Pages are read by keyset
 * ({@code cursor}), and counts stop at {@link dev.jobqueue.admin.JobQueueAdmin#DEFAULT_COUNT_CAP}.
 */
final class JobsPage {
  private JobsPage() {}

  static Response jobs(Context context) {
    return list(context, "Jobs", "/jobs", Set.of());
  }

  static Response failed(Context context) {
    return list(context, "Failed jobs", "/failed", Set.of(JobStatus.FAILED));
  }

  static Response api(Context context) {
    JobSearch search = SearchForm.read(context, true, Set.of());
    JobPage page = context.admin().findJobs(search);
    JobCount count = context.admin().countJobs(search);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("count", Map.of("value", count.value(), "atLeast", count.atLeast()));
    body.put("jobs", page.jobs().stream().map(JobsPage::summary).toList());
    body.put("nextCursor", page.nextCursor().map(Object::toString).orElse(null));
    return Json.response(200, body);
  }

  private static Map<String, Object> summary(Job job) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", job.id());
    m.put("type", job.type());
    m.put("queue", job.queue());
    m.put("status", job.status().wireName());
    m.put("priority", job.priority().wireName());
    m.put("attempt", job.attempt());
    m.put("createdAt", job.createdAt());
    m.put("runAt", job.runAt());
    m.put("error", job.errorMessage().orElse(null));
    return m;
  }

  private static Response list(Context context, String title, String path, Set<JobStatus> fixed) {
    JobSearch search = SearchForm.read(context, true, fixed);
    JobPage page = context.admin().findJobs(search);
    JobCount count = context.admin().countJobs(search);
    boolean bulk = !fixed.isEmpty() && context.may(Role.OPERATOR);
    Html h = new Html();
    filters(context, h, path, fixed.isEmpty());
    h.raw("<p class=\"count\"><span id=\"job-count\">")
        .text(Formats.count(count))
        .raw("</span> ")
        .text(count.value() == 1 && !count.atLeast() ? "job" : "jobs")
        .raw("</p>");
    if (bulk) {
      h.raw("<form method=\"post\" id=\"bulk\" action=\"")
          .text(context.link("/jobs/confirm"))
          .raw("\">")
          .raw(context.csrfField());
      fixed.forEach(s -> h.hidden("status", s.wireName()));
      SearchForm.hidden(context, h, fixed.isEmpty());
      bulkButtons(context, h);
    }
    table(context, h, page.jobs(), bulk, !fixed.isEmpty());
    if (bulk) {
      h.raw("</form>");
    }
    page.nextCursor()
        .ifPresent(
            cursor -> {
              String query = SearchForm.query(context, fixed.isEmpty());
              h.raw("<p class=\"paging\"><a id=\"next-page\" href=\"")
                  .text(
                      context.link(path)
                          + "?"
                          + (query.isEmpty() ? "" : query + "&")
                          + "limit="
                          + search.limit()
                          + "&cursor="
                          + SearchForm.encode(cursor.toString()))
                  .raw("\">Next page</a></p>");
            });
    return Response.html(200, Layout.page(context, title, path, h.toString()));
  }

  private static void bulkButtons(Context context, Html h) {
    h.raw("<div class=\"bulk\"><label>Apply to <select name=\"scope\">")
        .raw("<option value=\"selected\">the selected jobs</option>")
        .raw("<option value=\"matching\">every job matching the filters</option></select></label>")
        .raw("<button type=\"submit\" name=\"action\" value=\"retry\">Retry…</button>")
        .raw("<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel…</button>");
    if (context.may(Role.ADMIN)) {
      h.raw("<button type=\"submit\" name=\"action\" value=\"delete\" class=\"danger\">")
          .raw("Delete…</button>");
    }
    h.raw("</div>");
  }

  private static void filters(Context context, Html h, String path, boolean withStatus) {
    h.raw("<form method=\"get\" class=\"filters\" action=\"").text(context.link(path)).raw("\">");
    if (withStatus) {
      h.raw("<label>State <select name=\"status\"><option value=\"\">any</option>");
      String chosen = SearchForm.value(context, "status");
      for (JobStatus s : JobStatus.values()) {
        option(h, s.wireName(), s.wireName().equals(chosen));
      }
      h.raw("</select></label>");
    }
    input(context, h, "Type", "type", "text");
    input(context, h, "Queue", "queue", "text");
    h.raw("<label>Priority <select name=\"priority\"><option value=\"\">any</option>");
    String priority = SearchForm.value(context, "priority");
    for (JobPriority p : JobPriority.values()) {
      option(h, p.wireName(), p.wireName().equals(priority));
    }
    h.raw("</select></label>");
    input(context, h, "Created after (UTC)", "created_after", "datetime-local");
    input(context, h, "Created before (UTC)", "created_before", "datetime-local");
    input(context, h, "Payload contains (JSON)", "payload", "text");
    h.raw("<button type=\"submit\">Filter</button></form>");
  }

  private static void option(Html h, String value, boolean selected) {
    h.raw("<option value=\"")
        .text(value)
        .raw(selected ? "\" selected>" : "\">")
        .text(value)
        .raw("</option>");
  }

  private static void input(Context context, Html h, String label, String name, String type) {
    String value = SearchForm.value(context, name);
    h.raw("<label>")
        .text(label)
        .raw(" <input type=\"")
        .text(type)
        .raw("\" name=\"")
        .text(name)
        .raw("\" value=\"")
        .text(value == null ? "" : value)
        .raw("\"></label>");
  }

  private static void table(
      Context context, Html h, List<Job> jobs, boolean selectable, boolean withError) {
    h.raw("<table class=\"jobs\"><thead><tr>");
    if (selectable) {
      h.raw("<th><input type=\"checkbox\" id=\"select-all\" aria-label=\"select all\"></th>");
    }
    for (String c : List.of("Id", "Type", "Queue", "State", "Priority", "Attempt", "Created")) {
      h.element("th", c);
    }
    if (withError) {
      h.element("th", "Error");
    }
    h.raw("</tr></thead><tbody>");
    for (Job job : jobs) {
      h.raw("<tr>");
      if (selectable) {
        h.raw("<td><input type=\"checkbox\" name=\"ids\" value=\"")
            .text(job.id())
            .raw("\" aria-label=\"select job ")
            .text(job.id())
            .raw("\"></td>");
      }
      h.raw("<td><a href=\"")
          .text(context.link("/job?id=" + job.id()))
          .raw("\">")
          .text(job.id())
          .raw("</a></td>")
          .element("td", job.type())
          .element("td", job.queue())
          .raw("<td><span class=\"status ")
          .text(job.status().wireName())
          .raw("\">")
          .text(job.status().wireName())
          .raw("</span></td>")
          .element("td", job.priority().wireName())
          .element("td", job.attempt() + " of " + (job.maxRetries() + 1))
          .element("td", Formats.time(job.createdAt()));
      if (withError) {
        h.raw("<td class=\"error-text\">").text(job.errorMessage().orElse("")).raw("</td>");
      }
      h.raw("</tr>");
    }
    if (jobs.isEmpty()) {
      h.raw("<tr><td colspan=\"9\" class=\"empty\">No jobs match.</td></tr>");
    }
    h.raw("</tbody></table>");
  }
}
