package dev.jobqueue.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test's browser without JavaScript: keeps the session cookie and the last page's CSRF token,
 * follows no redirect.
 */
public final class WebClient {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final Pattern SESSION = Pattern.compile("jobqueue_session=([^;]*)");

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private final String base;
  private final String authorization;
  private String session;
  private String csrf;

  /** A client of the dashboard at {@code base}, e.g. {@code http://localhost:8080/jobqueue}. */
  public WebClient(String base) {
    this(base, null);
  }

  /** A client sending HTTP Basic credentials with every request, for Spring Security. */
  public WebClient(String base, String user, String password) {
    this(
        base,
        "Basic "
            + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
  }

  private WebClient(String base, String authorization) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.authorization = authorization;
  }

  public HttpResponse<String> get(String path) {
    return send(request(path).GET());
  }

  /** A POST of the name/value pairs, urlencoded, as they are: no CSRF token added. */
  public HttpResponse<String> post(String path, String... pairs) {
    StringBuilder form = new StringBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      form.append(form.length() == 0 ? "" : "&")
          .append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return send(
        request(path)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form.toString())));
  }

  /** A POST with the CSRF token of the last page read. */
  public HttpResponse<String> postWithToken(String path, String... pairs) {
    String[] all = new String[pairs.length + 2];
    all[0] = "csrf";
    all[1] = csrf;
    System.arraycopy(pairs, 0, all, 2, pairs.length);
    return post(path, all);
  }

  /** Signs in through the login form; the response is the form's answer. */
  public HttpResponse<String> login(String user, String password) {
    get("/login");
    return postWithToken("/login", "username", user, "password", password);
  }

  public WebClient signedIn(String user, String password) {
    HttpResponse<String> response = login(user, password);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(303);
    get("/");
    return this;
  }

  public String session() {
    return session;
  }

  public String csrf() {
    return csrf;
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (session != null) {
      b.header("Cookie", "jobqueue_session=" + session);
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    response
        .headers()
        .allValues("Set-Cookie")
        .forEach(
            c -> {
              Matcher m = SESSION.matcher(c);
              if (m.find()) {
                session = m.group(1).isEmpty() ? null : m.group(1);
              }
            });
    Matcher m = CSRF.matcher(response.body());
    if (m.find()) {
      csrf = m.group(1);
    }
    return response;
  }
}
