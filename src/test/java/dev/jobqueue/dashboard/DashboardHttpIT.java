package dev.jobqueue.dashboard;

import static dev.jobqueue.dashboard.DashboardFixture.HOSTILE;
import static dev.jobqueue.dashboard.DashboardFixture.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.admin.AuditEntry;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.testing.JobQueueExtension;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard over HTTP on the standalone server: sign-in and its cookie, CSRF, roles, the
 * security headers, hostile parameters, escaping, and the limit on failed logins.
 */
class DashboardHttpIT {

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static JobQueueManager manager;
  private static JobQueueAdmin admin;
  private static DashboardServer server;
  private static String failedId;
  private static String hostileTypeId;

  @BeforeAll
  static void start() throws Exception {
    manager =
        jobqueue.start(
            "dashboard-http",
            jobqueue.fastConfig().maxWorkers(2).build(),
            DashboardFixture.handler());
    admin = JobQueueAdmin.of(manager);
    failedId = DashboardFixture.failedJob(manager, "http-failed");
    hostileTypeId = DashboardFixture.completedJob(manager, "http-done");
    try (Connection c = jobqueue.db().dataSource().getConnection();
        PreparedStatement update =
            c.prepareStatement("update " + jobqueue.schema() + ".jobs set type = ? where id = ?")) {
      update.setString(1, "t" + HOSTILE);
      update.setLong(2, Long.parseLong(hostileTypeId));
      update.executeUpdate();
    }
    Dashboard dashboard = Dashboard.builder(admin).authenticator(DashboardFixture.USERS).build();
    server =
        DashboardServer.start(
            dashboard, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static WebClient client() {
    return new WebClient(server.url());
  }

  @Test
  void withoutAnAuthenticatorTheDashboardRefusesToStart() {
    assertThatThrownBy(() -> Dashboard.builder(admin).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refuses to start without an authenticator");
  }

  @Test
  void anonymousPagesRedirectToTheLoginFormAndTheApiAnswers401() throws Exception {
    WebClient anonymous = client();
    for (String page : List.of("/", "/jobs", "/failed", "/job?id=1", "/queues", "/audit")) {
      HttpResponse<String> response = anonymous.get(page);
      assertThat(response.statusCode()).as(page).isEqualTo(303);
      assertThat(response.headers().firstValue("Location")).as(page).hasValue("/login");
    }
    HttpResponse<String> api = anonymous.get("/api/overview");
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(api.body()).path("error").asText()).contains("sign in");
    assertThat(anonymous.post("/queues/pause", "queue", "default").statusCode()).isEqualTo(401);
  }

  @Test
  void signingInSetsAStrictHttpOnlyCookieWithANewIdAndSigningOutEndsTheSession() {
    WebClient web = client();
    HttpResponse<String> form = web.get("/login");
    String before = web.session();
    assertThat(form.headers().firstValue("Set-Cookie").orElseThrow())
        .matches("jobqueue_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict");
    HttpResponse<String> login =
        web.postWithToken("/login", "username", "vera", "password", PASSWORD);
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Set-Cookie").orElseThrow())
        .contains("HttpOnly", "SameSite=Strict", "Path=/")
        .doesNotContain("Secure");
    assertThat(web.session()).isNotEqualTo(before);
    assertThat(web.get("/").statusCode()).isEqualTo(200);

    HttpResponse<String> logout = web.postWithToken("/logout");
    assertThat(logout.statusCode()).isEqualTo(303);
    assertThat(logout.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
    assertThat(admin.auditLog(0, 50))
        .extracting(AuditEntry::action, AuditEntry::actor)
        .contains(
            org.assertj.core.groups.Tuple.tuple("login", "vera"),
            org.assertj.core.groups.Tuple.tuple("logout", "vera"));
  }

  @Test
  void behindATrustedHttpsProxyTheCookieIsSecure() {
    Dashboard dashboard =
        Dashboard.builder(admin)
            .authenticator(DashboardFixture.USERS)
            .trustForwardedHeaders(true)
            .build();
    try (DashboardServer proxied =
        DashboardServer.start(
            dashboard, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      HttpResponse<String> plain = new WebClient(proxied.url()).get("/login");
      assertThat(plain.headers().firstValue("Set-Cookie").orElseThrow()).doesNotContain("Secure");
      Request https =
          new Request(
              "GET",
              "",
              "/login",
              Map.of(),
              Map.of(),
              name -> name.equals("X-Forwarded-Proto") ? "https" : null,
              "127.0.0.1",
              false);
      assertThat(dashboard.handle(https).headers().get("Set-Cookie").get(0)).endsWith("; Secure");
    }
  }

  @Test
  void aPostWithoutOrWithAWrongCsrfTokenIsRefusedAndChangesNothing() {
    WebClient web = client().signedIn("otto", PASSWORD);
    assertThat(web.post("/queues/pause", "queue", "default").statusCode()).isEqualTo(403);
    HttpResponse<String> wrong =
        web.post("/queues/pause", "csrf", web.csrf() + "x", "queue", "default");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(wrong.body()).contains("CSRF token");
    assertThat(paused("default")).isFalse();

    assertThat(web.postWithToken("/queues/pause", "queue", "default").statusCode()).isEqualTo(303);
    assertThat(paused("default")).isTrue();
    assertThat(web.postWithToken("/queues/resume", "queue", "default").statusCode()).isEqualTo(303);
    assertThat(paused("default")).isFalse();
  }

  @Test
  void aViewerSeesNoActionButtonsAndItsPostsAreRefusedAndChangeNothing() {
    WebClient web = client().signedIn("vera", PASSWORD);
    assertThat(web.get("/failed").body())
        .contains(failedId)
        .doesNotContain("Retry…", "/jobs/confirm");
    assertThat(web.get("/job?id=" + failedId).body()).doesNotContain("Retry…", "Delete…");
    assertThat(web.get("/queues").body()).doesNotContain("Pause", "/queues/limits");

    HttpResponse<String> retry =
        web.postWithToken("/jobs/run", "action", "retry", "scope", "selected", "ids", failedId);
    assertThat(retry.statusCode()).isEqualTo(403);
    assertThat(web.postWithToken("/queues/pause", "queue", "default").statusCode()).isEqualTo(403);
    assertThat(admin.job(failedId).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    assertThat(paused("default")).isFalse();
  }

  @Test
  void anOperatorMayNotDeleteNorSetLimitsButAnAdminSeesBothButtons() {
    WebClient otto = client().signedIn("otto", PASSWORD);
    assertThat(otto.get("/failed").body()).contains("Retry…").doesNotContain("Delete…");
    assertThat(
            otto.postWithToken(
                    "/jobs/confirm", "action", "delete", "scope", "selected", "ids", failedId)
                .statusCode())
        .isEqualTo(403);
    assertThat(
            otto.postWithToken("/queues/limits", "queue", "default", "max_running", "3")
                .statusCode())
        .isEqualTo(403);
    WebClient ada = client().signedIn("ada", PASSWORD);
    assertThat(ada.get("/failed").body()).contains("Delete…");
    assertThat(ada.get("/queues").body()).contains("/queues/limits");
  }

  @Test
  void aBulkRetryShowsTheDryRunCountFirstThenRetries() {
    String id = DashboardFixture.failedJob(manager, "http-bulk");
    WebClient web = client().signedIn("otto", PASSWORD);
    web.get("/failed");
    HttpResponse<String> confirm =
        web.postWithToken("/jobs/confirm", "action", "retry", "scope", "selected", "ids", id);
    assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
    assertThat(confirm.body())
        .contains("This will retry <strong id=\"dry-run-count\">1</strong> job");
    assertThat(admin.job(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);

    DashboardFixture.BROKEN.remove("http-bulk");
    HttpResponse<String> run =
        web.postWithToken("/jobs/run", "action", "retry", "scope", "selected", "ids", id);
    assertThat(run.statusCode()).isEqualTo(303);
    assertThat(run.headers().firstValue("Location")).hasValue("/job?id=" + id);
    DashboardFixture.awaitStatus(manager, id, JobStatus.COMPLETED);
    assertThat(web.get("/job?id=" + id).body()).contains("Retried 1 of 1 selected jobs");
  }

  @Test
  void hostileParametersAreRefusedWith400NamingTheParameterAndValue() throws Exception {
    WebClient web = client().signedIn("vera", PASSWORD);
    Map<String, String> cases =
        Map.of(
            "/jobs?limit=999999999", "'limit'",
            "/jobs?limit=-1", "'-1'",
            "/job?id=%27%3B%20drop%20table%20jobs%3B--", "'id'",
            "/jobs?cursor=garbage", "'cursor'",
            "/jobs?status=bogus", "'bogus'",
            "/jobs?payload=%5B1%5D", "'payload'",
            "/jobs?created_after=yesterday", "'created_after'",
            "/audit?before=-5", "'before'");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> response = web.get(c.getKey());
      assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
      assertThat(response.body()).as(c.getKey()).contains(Html.escape(c.getValue()));
      assertSecurityHeaders(response, c.getKey());
    }
    HttpResponse<String> api = web.get("/api/jobs?limit=abc");
    assertThat(api.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(api.body());
    assertThat(error.path("error").asText()).contains("'limit'", "'abc'");
    assertThat(manager.getJob(failedId)).isPresent();
  }

  @Test
  void everyKindOfResponseCarriesTheSecurityHeaders() {
    WebClient web = client();
    List<HttpResponse<String>> responses =
        new java.util.ArrayList<>(
            List.of(
                web.get("/login"),
                web.get("/static/dashboard.css"),
                web.get("/static/dashboard.js"),
                web.get("/nowhere"),
                web.get("/"),
                web.get("/api/overview")));
    web.signedIn("vera", PASSWORD);
    responses.addAll(
        List.of(
            web.get("/"),
            web.get("/api/overview"),
            web.get("/api/jobs"),
            web.get("/jobs?limit=0"),
            web.get("/job?id=999999"),
            web.post("/jobs", "csrf", web.csrf()),
            web.post("/queues/pause", "queue", "q".repeat(DashboardServer.MAX_BODY_BYTES)),
            web.post("/queues/pause", "queue", "default")));
    for (HttpResponse<String> response : responses) {
      assertSecurityHeaders(response, response.uri() + " " + response.statusCode());
    }
    assertThat(responses)
        .extracting(HttpResponse::statusCode)
        .contains(200, 303, 400, 401, 403, 404, 405, 413);
  }

  private static void assertSecurityHeaders(HttpResponse<String> response, String what) {
    assertThat(response.headers().firstValue("Content-Security-Policy"))
        .as(what)
        .hasValue(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    assertThat(response.headers().firstValue("X-Content-Type-Options"))
        .as(what)
        .hasValue("nosniff");
    assertThat(response.headers().firstValue("X-Frame-Options")).as(what).hasValue("DENY");
    assertThat(response.headers().firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
    assertThat(response.headers().firstValue("Cache-Control")).as(what).hasValue("no-store");
  }

  @Test
  void valuesFromTheDatabaseAreEscapedOnEveryPage() {
    WebClient web = client().signedIn("ada", PASSWORD);
    String escaped = Html.escape(HOSTILE);
    for (String page :
        List.of("/job?id=" + failedId, "/job?id=" + hostileTypeId, "/jobs", "/failed")) {
      String body = web.get(page).body();
      assertThat(body).as(page).contains(escaped).doesNotContain("<script>window", "<img src=x");
    }
    String detail = web.get("/job?id=" + failedId).body();
    assertThat(detail).contains("key-" + escaped, "unique-http-failed" + escaped);
    client().login(HOSTILE, "wrong");
    assertThat(web.get("/audit").body()).contains(escaped).doesNotContain("<script>window");
  }

  @Test
  void afterFiveFailedLoginsTheUserIsLockedOutWith429AndRetryAfter() {
    WebClient web = client();
    for (int i = 0; i < LoginThrottle.USER_FAILURES; i++) {
      assertThat(web.login("tess", "wrong " + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> locked = web.login("tess", PASSWORD);
    assertThat(locked.statusCode()).isEqualTo(429);
    assertSecurityHeaders(locked, "429");
    assertThat(Long.parseLong(locked.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, LoginThrottle.FIRST_LOCK.toSeconds());
    assertThat(admin.auditLog(0, 100))
        .filteredOn(e -> e.action().equals("login.failed") && e.actor().equals("tess"))
        .hasSize(LoginThrottle.USER_FAILURES);
  }

  @Test
  void theApiServesTheOverviewAndPagesOfJobsByCursor() throws Exception {
    WebClient web = client().signedIn("vera", PASSWORD);
    JsonNode overview = JSON.readTree(web.get("/api/overview").body());
    assertThat(overview.path("health").asText()).isNotEmpty();
    assertThat(overview.path("counts").path("failed").asText()).isNotEqualTo("0");
    assertThat(overview.path("throughput").size()).isEqualTo(180);
    JsonNode job = JSON.readTree(web.get("/api/job?id=" + failedId).body());
    assertThat(job.path("status").asText()).isEqualTo("failed");
    assertThat(job.path("attempt").asText()).isEqualTo("1 of 1");
    HttpResponse<String> malformed = web.get("/api/job?id=x1");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(malformed.body()).path("error").asText()).contains("'id'", "'x1'");
    JsonNode first = JSON.readTree(web.get("/api/jobs?limit=1").body());
    assertThat(first.path("jobs").size()).isEqualTo(1);
    String cursor = first.path("nextCursor").asText();
    JsonNode second = JSON.readTree(web.get("/api/jobs?limit=1&cursor=" + cursor).body());
    assertThat(second.path("jobs").get(0).path("id").asText())
        .isNotEqualTo(first.path("jobs").get(0).path("id").asText());
  }

  private static boolean paused(String queue) {
    return admin.queues().stream()
        .filter(q -> q.name().equals(queue))
        .findFirst()
        .map(QueueInfo::paused)
        .orElse(false);
  }
}
