package dev.jobqueue.dashboard;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.JobStatus;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.admin.JobCount;
import dev.jobqueue.admin.NodeView;
import dev.jobqueue.admin.Overview;
import dev.jobqueue.admin.ThroughputPoint;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The overview: health with its reasons, jobs by state (counts capped at {@value #COUNT_CAP}),
 * queues with depth and lag, the throughput of the last {@link #WINDOW}, the nodes and the leader.
 * The page shows the figures when served; its script then refreshes them from {@code api/overview},
 * which carries the same figures as display text, and draws the chart.
 */
final class OverviewPage {
  static final int COUNT_CAP = 10_000;
  static final Duration WINDOW = Duration.ofHours(3);

  private OverviewPage() {}

  /** The figures, each as the text the page shows. */
  record Figures(
      String health,
      List<String> reasons,
      Map<String, String> counts,
      List<Map<String, Object>> queues,
      long bucketSeconds,
      List<ThroughputPoint> throughput,
      List<Map<String, Object>> nodes,
      String leader,
      String checkedAt) {}

  static Figures figures(Context context) {
    Overview overview = context.admin().overview(WINDOW);
    HealthCheckResult health = overview.health();
    Map<String, String> counts = new LinkedHashMap<>();
    for (Map.Entry<JobStatus, JobCount> e : context.admin().countByStatus(COUNT_CAP).entrySet()) {
      counts.put(e.getKey().wireName(), Formats.count(e.getValue()));
    }
    List<Map<String, Object>> queues =
        overview.queues().stream().map(q -> queueRow(q, health)).toList();
    List<Map<String, Object>> nodes = overview.nodes().stream().map(OverviewPage::nodeRow).toList();
    return new Figures(
        health.status().wireName(),
        health.reasons(),
        counts,
        queues,
        overview.bucket().toSeconds(),
        overview.throughput(),
        nodes,
        overview.leader().orElse("none"),
        Formats.time(health.checkedAt()));
  }

  private static Map<String, Object> queueRow(QueueInfo q, HealthCheckResult health) {
    HealthCheckResult.QueueHealth h = health.queues().get(q.name());
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", q.name());
    row.put("state", q.paused() ? "paused" : "active");
    row.put("pending", Formats.number(q.pending()));
    row.put("running", Formats.number(q.running()));
    row.put("lag", h == null ? "–" : Formats.millis(h.lagMillis()));
    return row;
  }

  private static Map<String, Object> nodeRow(NodeView n) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("node", n.nodeId());
    row.put("state", n.live() ? (n.leader() ? "live, leader" : "live") : "silent");
    row.put("workers", n.activeWorkers() + " / " + n.maxWorkers());
    row.put("stuck", Integer.toString(n.stuckWorkers()));
    row.put("heartbeat", Formats.millis(n.heartbeatAgeMillis()) + " ago");
    return row;
  }

  static Response api(Context context) {
    return Json.response(200, figures(context));
  }

  static Response page(Context context) {
    Figures f = figures(context);
    Html h = new Html();
    h.raw("<div data-live=\"api/overview\"><section class=\"cards\">")
        .raw("<div class=\"card health\"><h2>Health</h2><p class=\"big\" data-field=\"health\">")
        .text(f.health())
        .raw("</p><ul class=\"reasons\" data-list=\"reasons\">");
    f.reasons().forEach(r -> h.element("li", r));
    h.raw("</ul></div>");
    f.counts()
        .forEach(
            (status, count) ->
                h.raw("<div class=\"card\"><h2>")
                    .text(capitalized(status))
                    .raw("</h2><p class=\"big\" data-field=\"counts.")
                    .text(status)
                    .raw("\">")
                    .text(count)
                    .raw("</p></div>"));
    h.raw("</section><section><h2>Throughput, last ")
        .text(WINDOW.toHours())
        .raw(" hours</h2><svg id=\"throughput\" class=\"chart\" viewBox=\"0 0 720 180\"")
        .raw(" role=\"img\" aria-label=\"attempts ended per ")
        .text(f.bucketSeconds() / 60)
        .raw(" minute(s)\"></svg><p class=\"legend\"><span class=\"succeeded\">succeeded</span>")
        .raw(" <span class=\"retried\">retried</span> <span class=\"failed\">failed</span></p>")
        .raw("</section>");
    table(h, "Queues", "queues", List.of("name", "state", "pending", "running", "lag"), f.queues());
    h.raw("<section><h2>Nodes</h2><p>Leader: <span data-field=\"leader\">")
        .text(f.leader())
        .raw("</span></p></section>");
    table(h, "", "nodes", List.of("node", "state", "workers", "stuck", "heartbeat"), f.nodes());
    h.raw("<p class=\"updated\">Checked <span data-field=\"checkedAt\">")
        .text(f.checkedAt())
        .raw("</span></p></div>");
    return Response.html(200, Layout.page(context, "Overview", "/", h.toString()));
  }

  /** A table the script refills from the API's list of the same name. */
  private static void table(
      Html h, String title, String list, List<String> columns, List<Map<String, Object>> rows) {
    h.raw("<section>");
    if (!title.isEmpty()) {
      h.element("h2", title);
    }
    h.raw("<table><thead><tr>");
    columns.forEach(c -> h.element("th", capitalized(c)));
    h.raw("</tr></thead><tbody data-rows=\"")
        .text(list)
        .raw("\" data-columns=\"")
        .text(String.join(",", columns))
        .raw("\">");
    for (Map<String, Object> row : rows) {
      h.raw("<tr>");
      columns.forEach(c -> h.element("td", row.get(c)));
      h.raw("</tr>");
    }
    h.raw("</tbody></table></section>");
  }

  static String capitalized(String word) {
    return word.isEmpty()
        ? word
        : word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
  }
}
