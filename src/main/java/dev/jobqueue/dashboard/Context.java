package dev.jobqueue.dashboard;

import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.admin.Role;
import java.util.List;

/**
 * A request being served: the request, its session, and what the pages need to know about the
 * dashboard.
 *
 * @param request the request
 * @param session its session; for a public route, possibly null
 * @param dashboard the dashboard
 */
record Context(Request request, Session session, Dashboard dashboard) {

  JobQueueAdmin admin() {
    return dashboard.admin();
  }

  DashboardUser user() {
    return session.user().orElseThrow(() -> new HttpError(401, "sign in first"));
  }

  Actor actor() {
    return user().actor();
  }

  /** Whether the signed-in user's role includes this one: what decides which buttons a page has. */
  boolean may(Role role) {
    return session != null && session.user().map(u -> u.role().includes(role)).orElse(false);
  }

  void require(Role role) {
    if (!may(role)) {
      throw new HttpError(403, "this needs the " + role.wireName() + " role");
    }
  }

  /** A path within the dashboard, prefixed with where it is mounted. */
  String link(String path) {
    return request.basePath() + path;
  }

  /** A parameter's first value (the form's for a POST, else the query's), or null. */
  String param(String name) {
    List<String> values = params(name);
    return values.isEmpty() ? null : values.get(0);
  }

  /** Every value of a parameter: the form's for a POST, else the query's. */
  List<String> params(String name) {
    List<String> values = request.isPost() ? request.form().get(name) : request.query().get(name);
    return values == null ? List.of() : values;
  }

  /** The hidden field with the session's CSRF token, for every POST form. */
  String csrfField() {
    return new Html().hidden(Dispatcher.CSRF_FIELD, session.csrfToken()).toString();
  }
}
