package dev.jobqueue.dashboard;

import dev.jobqueue.admin.ActionDeniedException;
import dev.jobqueue.admin.Role;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a request: finds its route, signs the user in (or sends them to the login form), checks
 * the role the route needs and the CSRF token of every POST, and turns every failure into an error
 * page (or JSON for the API). Every response leaves with the security headers.
 */
final class Dispatcher {
  static final String COOKIE = "jobqueue_session";
  static final String CSRF_FIELD = "csrf";

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** A route's handler. */
  interface Handler {
    Response handle(Context context);
  }

  /** A route: its handler and the role it needs; null for a public route. */
  private record Route(Handler handler, Role role) {}

  private final Dashboard dashboard;
  private final Sessions sessions;
  private final Login login;
  private final Map<String, Route> routes = new HashMap<>();

  Dispatcher(Dashboard dashboard, Sessions sessions, LongSupplier nanoTime) {
    this.dashboard = dashboard;
    this.sessions = sessions;
    this.login = new Login(dashboard, sessions, new LoginThrottle(nanoTime));
    if (dashboard.authenticator().usesLoginForm()) {
      get("/login", null, login::form);
      post("/login", null, login::submit);
      post("/logout", Role.VIEWER, login::logout);
    }
    get("/static/dashboard.css", null, c -> StaticFiles.serve("dashboard.css"));
    get("/static/dashboard.js", null, c -> StaticFiles.serve("dashboard.js"));
    get("/", Role.VIEWER, OverviewPage::page);
    get("/api/overview", Role.VIEWER, OverviewPage::api);
    get("/jobs", Role.VIEWER, JobsPage::jobs);
    get("/failed", Role.VIEWER, JobsPage::failed);
    get("/api/jobs", Role.VIEWER, JobsPage::api);
    get("/job", Role.VIEWER, JobPage::page);
    get("/api/job", Role.VIEWER, JobPage::api);
    post("/jobs/confirm", Role.OPERATOR, BulkActions::confirm);
    post("/jobs/run", Role.OPERATOR, BulkActions::run);
    get("/queues", Role.VIEWER, QueuesPage::page);
    post("/queues/pause", Role.OPERATOR, QueuesPage::pause);
    post("/queues/resume", Role.OPERATOR, QueuesPage::resume);
    post("/queues/limits", Role.ADMIN, QueuesPage::limits);
    get("/schedules", Role.VIEWER, SchedulesPage::page);
    post("/schedules/pause", Role.OPERATOR, SchedulesPage::pause);
    post("/schedules/resume", Role.OPERATOR, SchedulesPage::resume);
    post("/schedules/run", Role.OPERATOR, SchedulesPage::run);
    get("/nodes", Role.VIEWER, NodesPage::page);
    get("/audit", Role.VIEWER, AuditPage::page);
  }

  private void get(String path, Role role, Handler handler) {
    routes.put("GET " + path, new Route(handler, role));
  }

  private void post(String path, Role role, Handler handler) {
    routes.put("POST " + path, new Route(handler, role));
  }

  Response handle(Request request) {
    Session cookie = request.cookie(COOKIE).flatMap(sessions::find).orElse(null);
    boolean delegated =
        !dashboard.authenticator().usesLoginForm() && !request.path().startsWith("/static/");
    Context context = new Context(request, delegated ? null : cookie, dashboard);
    Response response;
    try {
      Session session = delegated ? delegatedSession(cookie) : cookie;
      context = new Context(request, session, dashboard);
      response = route(context);
      if (session != cookie) {
        response.header("Set-Cookie", SessionCookie.set(context, session));
      }
    } catch (HttpError e) {
      response = error(context, e.status(), e.getMessage());
    } catch (ActionDeniedException | DashboardAccessDeniedException e) {
      response = error(context, 403, e.getMessage());
    } catch (IllegalArgumentException e) {
      response = error(context, 400, e.getMessage());
    } catch (IllegalStateException e) {
      response = error(context, 409, e.getMessage());
    } catch (RuntimeException e) {
      log.error("The dashboard failed to serve {} {}", request.method(), request.path(), e);
      response = error(context, 500, "the dashboard failed; the server's log says why");
    }
    return response.secured();
  }

  /**
   * For an authenticator that delegates to the application: the session of the application's user,
   * the cookie's when it is theirs, else a new one.
   */
  private Session delegatedSession(Session cookie) {
    Optional<DashboardUser> user = dashboard.authenticator().currentUser();
    if (user.isEmpty()) {
      throw new HttpError(401, "sign in to the application first");
    }
    return cookie != null && cookie.user().equals(user) ? cookie : sessions.create(user.get());
  }

  private Response route(Context context) {
    Request request = context.request();
    Route route = routes.get(request.method() + " " + request.path());
    if (route == null) {
      boolean known =
          routes.containsKey("GET " + request.path())
              || routes.containsKey("POST " + request.path());
      throw known
          ? new HttpError(405, request.method() + " is not allowed here")
          : new HttpError(404, "no such page: " + request.path());
    }
    if (route.role() != null) {
      if (context.session() == null || context.session().user().isEmpty()) {
        if (request.isApi() || request.isPost()) {
          throw new HttpError(401, "sign in first");
        }
        return Response.redirect(context.link("/login"));
      }
      context.require(route.role());
    }
    if (request.isPost()) {
      String token = context.param(CSRF_FIELD);
      if (context.session() == null || !context.session().csrfMatches(token)) {
        throw new HttpError(403, "the form's CSRF token is missing or wrong; reload the page");
      }
    }
    return route.handler().handle(context);
  }

  Response error(Context context, int status, String message) {
    if (context.request().isApi()) {
      return Json.response(status, Map.of("status", status, "error", message));
    }
    return Response.html(status, Layout.error(context, status, message));
  }
}
