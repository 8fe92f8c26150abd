package dev.jobqueue.dashboard;

import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.admin.Role;
import java.util.List;

/** The schedules with their next and last runs; pause, resume and run now for operators. */
final class SchedulesPage {
  private SchedulesPage() {}

  static Response page(Context context) {
    boolean act = context.may(Role.OPERATOR);
    Html h = new Html();
    h.raw("<table class=\"schedules\"><thead><tr><th>Schedule</th><th>Type</th><th>Queue</th>")
        .raw("<th>When</th><th>State</th><th>Next run</th><th>Last run</th><th>Last job</th>")
        .raw("<th>Runs</th>")
        .raw(act ? "<th>Actions</th>" : "")
        .raw("</tr></thead><tbody>");
    for (ScheduleInfo s : context.admin().schedules()) {
      String when =
          s.cron()
              .map(c -> c + s.zone().map(z -> " (" + z + ")").orElse(""))
              .orElseGet(() -> s.interval().map(i -> "every " + i).orElse("–"));
      h.raw("<tr>")
          .element("td", s.name())
          .element("td", s.type())
          .element("td", s.queue())
          .element("td", when)
          .element("td", s.paused() ? "paused" : "active")
          .element("td", Formats.time(s.nextRunAt()))
          .element("td", Formats.time(s.lastRunAt()))
          .raw("<td>");
      s.lastJobId()
          .ifPresent(
              id ->
                  h.raw("<a href=\"")
                      .text(context.link("/job?id=" + id))
                      .raw("\">")
                      .text(id)
                      .raw("</a>"));
      h.raw("</td>").element("td", Formats.number(s.runs()));
      if (act) {
        h.raw("<td>");
        button(
            context,
            h,
            s.paused() ? "/schedules/resume" : "/schedules/pause",
            s.name(),
            s.paused() ? "Resume" : "Pause");
        if (!s.paused()) {
          button(context, h, "/schedules/run", s.name(), "Run now");
        }
        h.raw("</td>");
      }
      h.raw("</tr>");
    }
    h.raw("</tbody></table>");
    return Response.html(200, Layout.page(context, "Schedules", "/schedules", h.toString()));
  }

  private static void button(Context context, Html h, String path, String name, String label) {
    h.raw("<form method=\"post\" class=\"inline\" action=\"")
        .text(context.link(path))
        .raw("\">")
        .raw(context.csrfField())
        .hidden("schedule", name)
        .raw("<button type=\"submit\">")
        .text(label)
        .raw("</button></form>");
  }

  static Response pause(Context context) {
    String name = Params.required(context, "schedule");
    found(context.admin().pauseSchedule(context.actor(), name), name);
    context.session().notice("Paused schedule " + name + ".");
    return Response.redirect(context.link("/schedules"));
  }

  static Response resume(Context context) {
    String name = Params.required(context, "schedule");
    found(context.admin().resumeSchedule(context.actor(), name), name);
    context.session().notice("Resumed schedule " + name + ".");
    return Response.redirect(context.link("/schedules"));
  }

  static Response run(Context context) {
    String name = Params.required(context, "schedule");
    List<String> ids = context.admin().runScheduleNow(context.actor(), name);
    context
        .session()
        .notice(
            ids.isEmpty()
                ? "Schedule " + name + " enqueued nothing (its overlap policy, or no run left)."
                : "Schedule " + name + " enqueued job " + String.join(", ", ids) + ".");
    return Response.redirect(context.link("/schedules"));
  }

  private static void found(boolean found, String name) {
    if (!found) {
      throw new HttpError(404, "there is no schedule named '" + name + "'");
    }
  }
}
