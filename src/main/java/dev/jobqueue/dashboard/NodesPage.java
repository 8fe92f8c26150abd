package dev.jobqueue.dashboard;

import dev.jobqueue.admin.NodeView;
import java.util.List;

/** The nodes: live and silent ones, their workers (active, idle, stuck), heartbeat and leader. */
final class NodesPage {
  private NodesPage() {}

  static Response page(Context context) {
    List<NodeView> nodes = context.admin().nodes();
    Html h = new Html();
    h.raw("<p>Leader: <strong id=\"leader\">")
        .text(
            nodes.stream()
                .filter(NodeView::leader)
                .map(NodeView::nodeId)
                .findFirst()
                .orElse("none"))
        .raw("</strong></p>")
        .raw(
            "<table class=\"nodes\"><thead><tr><th>Node</th><th>Host</th><th>Pid</th><th>State</th>")
        .raw("<th>Active</th><th>Idle</th><th>Stuck</th><th>Max workers</th>")
        .raw("<th>Last heartbeat</th><th>Started</th><th>Wakes by</th><th>Types</th></tr></thead>")
        .raw("<tbody>");
    for (NodeView n : nodes) {
      h.raw("<tr>")
          .element("td", n.nodeId())
          .element("td", n.host())
          .element("td", n.pid())
          .element("td", n.live() ? (n.leader() ? "live, leader" : "live") : "silent")
          .element("td", n.activeWorkers())
          .element("td", n.idleWorkers())
          .element("td", n.stuckWorkers())
          .element("td", n.maxWorkers())
          .element(
              "td",
              Formats.time(n.heartbeatAt())
                  + " ("
                  + Formats.millis(n.heartbeatAgeMillis())
                  + " ago)")
          .element("td", Formats.time(n.startedAt()))
          .element("td", n.listening() ? "notification" : "polling")
          .element("td", String.join(", ", n.types()))
          .raw("</tr>");
    }
    h.raw("</tbody></table>");
    return Response.html(200, Layout.page(context, "Nodes", "/nodes", h.toString()));
  }
}
