package dev.jobqueue.dashboard;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frame of every page: head with the static style sheet and script, navigation, the signed-in
 * user with the logout button, the notice left by the last action, then the page's own body.
 */
final class Layout {
  private static final Map<String, String> NAVIGATION = new LinkedHashMap<>();

  static {
    NAVIGATION.put("/", "Overview");
    NAVIGATION.put("/jobs", "Jobs");
    NAVIGATION.put("/failed", "Failed");
    NAVIGATION.put("/queues", "Queues");
    NAVIGATION.put("/schedules", "Schedules");
    NAVIGATION.put("/nodes", "Nodes");
    NAVIGATION.put("/audit", "Audit log");
  }

  private Layout() {}

  /** A page with navigation, for a signed-in user. */
  static String page(Context context, String title, String active, String body) {
    Html h = new Html();
    h.raw("<header><a class=\"brand\" href=\"").text(context.link("/")).raw("\">jobqueue</a><nav>");
    NAVIGATION.forEach(
        (path, label) ->
            h.raw("<a href=\"")
                .text(context.link(path))
                .raw(path.equals(active) ? "\" class=\"active\">" : "\">")
                .text(label)
                .raw("</a>"));
    h.raw("</nav>");
    DashboardUser user = context.user();
    h.raw("<span class=\"user\">")
        .text(user.name())
        .raw(" <span class=\"role\">")
        .text(user.role().wireName())
        .raw("</span></span>");
    if (context.dashboard().authenticator().usesLoginForm()) {
      h.raw("<form class=\"logout\" method=\"post\" action=\"")
          .text(context.link("/logout"))
          .raw("\">")
          .raw(context.csrfField())
          .raw("<button type=\"submit\">Sign out</button></form>");
    }
    h.raw("</header><main>");
    context
        .session()
        .takeNotice()
        .ifPresent(n -> h.raw("<p class=\"notice\" role=\"status\">").text(n).raw("</p>"));
    h.raw("<h1>").text(title).raw("</h1>").raw(body).raw("</main>");
    return document(context, title, h.toString());
  }

  /** A page without navigation: the login form, or an error before anyone signed in. */
  static String bare(Context context, String title, String body) {
    return document(context, title, "<main>" + body + "</main>");
  }

  static String error(Context context, int status, String message) {
    Html h = new Html();
    h.raw("<section class=\"error\"><p class=\"status\">")
        .text(status)
        .raw("</p><p class=\"problem\" id=\"error-message\">")
        .text(message)
        .raw("</p><p><a href=\"")
        .text(context.link("/"))
        .raw("\">Back to the overview</a></p></section>");
    String title = "Error " + status;
    boolean signedIn = context.session() != null && context.session().user().isPresent();
    return signedIn ? page(context, title, "", h.toString()) : bare(context, title, h.toString());
  }

  private static String document(Context context, String title, String body) {
    String base = context.request().basePath();
    long refresh = context.dashboard().refreshInterval().toMillis();
    return new Html()
        .raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .text(title)
        .raw(" · jobqueue</title><link rel=\"stylesheet\" href=\"")
        .text(base + "/static/dashboard.css")
        .raw("\"><script defer src=\"")
        .text(base + "/static/dashboard.js")
        .raw("\"></script></head><body data-base=\"")
        .text(base)
        .raw("\" data-refresh=\"")
        .text(refresh)
        .raw("\">")
        .raw(body)
        .raw("</body></html>")
        .toString();
  }
}
