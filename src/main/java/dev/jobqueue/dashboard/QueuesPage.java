package dev.jobqueue.dashboard;

import dev.jobqueue.QueueInfo;
import dev.jobqueue.QueueLimits;
import dev.jobqueue.admin.Role;
import java.time.Duration;

/**
 * The queues with their depth and limits; pause and resume for operators, the limits form for
 * admins.
 */
final class QueuesPage {
  private static final int MAX_COUNT = 1_000_000;
  private static final int MAX_WINDOW_SECONDS = (int) QueueLimits.MAX_WINDOW.toSeconds();

  private QueuesPage() {}

  static Response page(Context context) {
    Html h = new Html();
    h.raw("<table class=\"queues\"><thead><tr><th>Queue</th><th>State</th><th>Pending</th>")
        .raw("<th>Running</th><th>Limits</th>")
        .raw(context.may(Role.OPERATOR) ? "<th>Actions</th>" : "")
        .raw("</tr></thead><tbody>");
    for (QueueInfo q : context.admin().queues()) {
      h.raw("<tr data-queue=\"")
          .text(q.name())
          .raw("\">")
          .element("td", q.name())
          .element("td", q.paused() ? "paused since " + Formats.time(q.pausedAt()) : "active")
          .element("td", Formats.number(q.pending()))
          .element("td", Formats.number(q.running()))
          .element("td", q.limits().isLimited() ? q.limits() : "none");
      if (context.may(Role.OPERATOR)) {
        h.raw("<td>");
        button(
            context,
            h,
            q.paused() ? "/queues/resume" : "/queues/pause",
            q.name(),
            q.paused() ? "Resume" : "Pause");
        if (context.may(Role.ADMIN)) {
          limitsForm(context, h, q);
        }
        h.raw("</td>");
      }
      h.raw("</tr>");
    }
    h.raw("</tbody></table>");
    return Response.html(200, Layout.page(context, "Queues", "/queues", h.toString()));
  }

  private static void button(Context context, Html h, String path, String queue, String label) {
    h.raw("<form method=\"post\" class=\"inline\" action=\"")
        .text(context.link(path))
        .raw("\">")
        .raw(context.csrfField())
        .hidden("queue", queue)
        .raw("<button type=\"submit\">")
        .text(label)
        .raw("</button></form>");
  }

  private static void limitsForm(Context context, Html h, QueueInfo q) {
    QueueLimits l = q.limits();
    h.raw("<details><summary>Limits</summary><form method=\"post\" class=\"limits\" action=\"")
        .text(context.link("/queues/limits"))
        .raw("\">")
        .raw(context.csrfField())
        .hidden("queue", q.name());
    field(
        h,
        "Max running",
        "max_running",
        l.maxRunning().isPresent() ? l.maxRunning().getAsInt() : null);
    field(
        h,
        "Max running per key",
        "max_running_per_key",
        l.maxRunningPerKey().isPresent() ? l.maxRunningPerKey().getAsInt() : null);
    field(h, "Starts", "rate", l.rate().isPresent() ? l.rate().getAsInt() : null);
    field(h, "per seconds", "rate_window", l.rateWindow().map(Duration::toSeconds).orElse(null));
    field(
        h,
        "Starts per key",
        "rate_per_key",
        l.ratePerKey().isPresent() ? l.ratePerKey().getAsInt() : null);
    field(
        h,
        "per seconds",
        "rate_per_key_window",
        l.ratePerKeyWindow().map(Duration::toSeconds).orElse(null));
    h.raw("<button type=\"submit\">Set limits</button></form></details>");
  }

  private static void field(Html h, String label, String name, Object value) {
    h.raw("<label>")
        .text(label)
        .raw(" <input type=\"number\" min=\"1\" name=\"")
        .text(name)
        .raw("\" value=\"")
        .text(value == null ? "" : value)
        .raw("\"></label>");
  }

  static Response pause(Context context) {
    String queue = Params.required(context, "queue");
    context.admin().pauseQueue(context.actor(), queue);
    context.session().notice("Paused queue " + queue + ".");
    return Response.redirect(context.link("/queues"));
  }

  static Response resume(Context context) {
    String queue = Params.required(context, "queue");
    context.admin().resumeQueue(context.actor(), queue);
    context.session().notice("Resumed queue " + queue + ".");
    return Response.redirect(context.link("/queues"));
  }

  static Response limits(Context context) {
    String queue = Params.required(context, "queue");
    QueueLimits.Builder b = QueueLimits.builder();
    int maxRunning = Params.intValue(context, "max_running", 1, MAX_COUNT, 0);
    int perKey = Params.intValue(context, "max_running_per_key", 1, MAX_COUNT, 0);
    int rate = Params.intValue(context, "rate", 1, MAX_COUNT, 0);
    int window = Params.intValue(context, "rate_window", 1, MAX_WINDOW_SECONDS, 0);
    int ratePerKey = Params.intValue(context, "rate_per_key", 1, MAX_COUNT, 0);
    int keyWindow = Params.intValue(context, "rate_per_key_window", 1, MAX_WINDOW_SECONDS, 0);
    if (maxRunning > 0) {
      b.maxRunning(maxRunning);
    }
    if (perKey > 0) {
      b.maxRunningPerKey(perKey);
    }
    if ((rate > 0) != (window > 0) || (ratePerKey > 0) != (keyWindow > 0)) {
      throw new HttpError(400, "a rate needs both its count of starts and its window in seconds");
    }
    if (rate > 0) {
      b.rate(rate, Duration.ofSeconds(window));
    }
    if (ratePerKey > 0) {
      b.ratePerKey(ratePerKey, Duration.ofSeconds(keyWindow));
    }
    QueueLimits limits = b.build();
    context.admin().setQueueLimits(context.actor(), queue, limits);
    context.session().notice("Set the limits of queue " + queue + ": " + limits + ".");
    return Response.redirect(context.link("/queues"));
  }
}
