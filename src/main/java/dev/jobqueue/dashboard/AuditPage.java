package dev.jobqueue.dashboard;

import dev.jobqueue.admin.AuditEntry;
import dev.jobqueue.admin.JobSearch;
import java.util.List;

/** The audit log, newest first, by pages of {@code limit} entries before the id {@code before}. */
final class AuditPage {
  private AuditPage() {}

  static Response page(Context context) {
    long before = Params.longValue(context, "before", 1, Long.MAX_VALUE, 0);
    int limit = Params.intValue(context, "limit", 1, JobSearch.MAX_LIMIT, 50);
    List<AuditEntry> entries = context.admin().auditLog(before, limit);
    Html h = new Html();
    h.raw("<table class=\"audit\"><thead><tr><th>When</th><th>Who</th><th>Role</th><th>Via</th>")
        .raw("<th>Action</th><th>Target</th><th>Jobs</th><th>Details</th></tr></thead><tbody>");
    for (AuditEntry e : entries) {
      h.raw("<tr>")
          .element("td", Formats.time(e.at()))
          .element("td", e.actor())
          .element("td", e.role().wireName())
          .element("td", e.via())
          .element("td", e.action())
          .element("td", e.target() == null ? "" : e.target())
          .element("td", e.jobCount())
          .element("td", e.details() == null ? "" : e.details())
          .raw("</tr>");
    }
    h.raw("</tbody></table>");
    if (entries.size() == limit) {
      h.raw("<p class=\"paging\"><a id=\"next-page\" href=\"")
          .text(
              context.link(
                  "/audit?limit=" + limit + "&before=" + entries.get(entries.size() - 1).id()))
          .raw("\">Older entries</a></p>");
    }
    return Response.html(200, Layout.page(context, "Audit log", "/audit", h.toString()));
  }
}
