package dev.jobqueue.dashboard;

import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.Role;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The login form, signing in and out. The form's POST carries the CSRF token of a session made for
 * it; signing in replaces that session with a new one (a new id), so that an id known before the
 * login is worth nothing after it. Failures are limited by {@link LoginThrottle} and, like
 * successes and logouts, written to the audit log.
 */
final class Login {
  private final Dashboard dashboard;
  private final Sessions sessions;
  private final LoginThrottle throttle;

  Login(Dashboard dashboard, Sessions sessions, LoginThrottle throttle) {
    this.dashboard = dashboard;
    this.sessions = sessions;
    this.throttle = throttle;
  }

  Response form(Context context) {
    if (context.session() != null && context.session().user().isPresent()) {
      return Response.redirect(context.link("/"));
    }
    Session session = context.session() != null ? context.session() : sessions.create(null);
    Context withSession = new Context(context.request(), session, dashboard);
    Response response = Response.html(200, page(withSession, null));
    if (session != context.session()) {
      response.header("Set-Cookie", SessionCookie.set(withSession, session));
    }
    return response;
  }

  Response submit(Context context) {
    String name = Optional.ofNullable(context.param("username")).orElse("").trim();
    if (name.length() > Actor.MAX_NAME_LENGTH) {
      name = name.substring(0, Actor.MAX_NAME_LENGTH); // longer than any user's: it fails
    }
    String password = Optional.ofNullable(context.param("password")).orElse("");
    String address = clientAddress(context.request());
    Optional<Duration> locked = throttle.lockedFor(name, address);
    if (locked.isPresent()) {
      long seconds = Math.max(1, (locked.get().toMillis() + 999) / 1000);
      return Response.html(
              429, page(context, "Too many failed logins; try again in " + seconds + " s."))
          .header("Retry-After", Long.toString(seconds));
    }
    char[] secret = password.toCharArray();
    Optional<DashboardUser> user;
    try {
      user = dashboard.authenticator().checkPassword(name, secret);
    } finally {
      Arrays.fill(secret, '\0');
    }
    if (user.isEmpty()) {
      throttle.failed(name, address);
      dashboard.admin().record(attempted(name), "login.failed", "from " + address);
      return Response.html(401, page(context, "Wrong user name or password."));
    }
    throttle.succeeded(name);
    sessions.remove(context.session());
    Session session = sessions.create(user.get());
    dashboard.admin().record(user.get().actor(), "login", "from " + address);
    return Response.redirect(context.link("/"))
        .header("Set-Cookie", SessionCookie.set(context, session));
  }

  Response logout(Context context) {
    sessions.remove(context.session());
    dashboard.admin().record(context.actor(), "logout", "");
    return Response.redirect(context.link("/login"))
        .header("Set-Cookie", SessionCookie.clear(context));
  }

  /** The actor a refused login is recorded under: the name as typed. */
  private static Actor attempted(String name) {
    return new Actor(name.isBlank() ? "(blank)" : name, Role.VIEWER, "dashboard");
  }

  private String clientAddress(Request request) {
    if (dashboard.trustForwardedHeaders()) {
      Optional<String> forwarded = request.header("X-Forwarded-For");
      if (forwarded.isPresent() && !forwarded.get().isBlank()) {
        return forwarded.get().split(",")[0].trim();
      }
    }
    return request.remoteAddress();
  }

  private static String page(Context context, String problem) {
    Html h = new Html();
    h.raw("<section class=\"login\"><h1>jobqueue</h1>");
    if (problem != null) {
      h.raw("<p class=\"problem\" role=\"alert\">").text(problem).raw("</p>");
    }
    h.raw("<form method=\"post\" action=\"")
        .text(context.link("/login"))
        .raw("\">")
        .raw(context.csrfField())
        .raw("<label>User name <input name=\"username\" autocomplete=\"username\" required")
        .raw(" autofocus></label>")
        .raw("<label>Password <input type=\"password\" name=\"password\"")
        .raw(" autocomplete=\"current-password\" required></label>")
        .raw("<button type=\"submit\">Sign in</button></form></section>");
    return Layout.bare(context, "Sign in", h.toString());
  }
}
