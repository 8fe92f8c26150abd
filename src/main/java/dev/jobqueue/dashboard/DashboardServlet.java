package dev.jobqueue.dashboard;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The dashboard in a Servlet 6 container, under any path: map it to {@code /jobqueue/*} (or any
 * other prefix) and every link stays under the context path plus that servlet path. Form bodies are
 * read through the container's parameters, so that filters in front of it (such as Spring
 * Security's) may read them first.
 *
 * <pre>{@code
 * ServletRegistration.Dynamic reg = context.addServlet("jobqueue", new DashboardServlet(dashboard));
 * reg.addMapping("/jobqueue/*");
 * }</pre>
 */
public final class DashboardServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient Dashboard dashboard;

  /**
   * A servlet serving a dashboard.
   *
   * @param dashboard the dashboard
   */
  public DashboardServlet(Dashboard dashboard) {
    this.dashboard = Objects.requireNonNull(dashboard, "dashboard must not be null");
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Request bare =
        new Request(
            req.getMethod().toUpperCase(Locale.ROOT),
            req.getContextPath() + req.getServletPath(),
            req.getPathInfo() == null ? "/" : req.getPathInfo(),
            Map.of(),
            Map.of(),
            req::getHeader,
            req.getRemoteAddr(),
            req.isSecure());
    Response response;
    try {
      response = dashboard.handle(withParameters(bare, req));
    } catch (HttpError e) {
      response = dashboard.refuse(bare, e);
    }
    resp.setStatus(response.status());
    for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
      // Set, not added: the dashboard's value replaces one a filter in front of it wrote.
      resp.setHeader(header.getKey(), header.getValue().get(0));
      for (String value : header.getValue().subList(1, header.getValue().size())) {
        resp.addHeader(header.getKey(), value);
      }
    }
    byte[] body = response.body();
    if (body.length > 0 && !req.getMethod().equalsIgnoreCase("HEAD")) {
      resp.setContentLength(body.length);
      resp.getOutputStream().write(body);
    }
  }

  /** The request with its parameters; an {@link HttpError} when they are malformed. */
  private static Request withParameters(Request bare, HttpServletRequest req) {
    Map<String, List<String>> form = new LinkedHashMap<>();
    if (bare.isPost() && FormData.isForm(req.getContentType())) {
      for (Map.Entry<String, String[]> p : req.getParameterMap().entrySet()) {
        form.put(p.getKey(), List.of(p.getValue()));
      }
    }
    return bare.withParameters(FormData.parse(req.getQueryString()), form);
  }
}
