package dev.jobqueue.spring.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.JobQueueManager;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.dashboard.WebClient;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The dashboard mounted by the auto-configuration in the sample application, at {@code /jobqueue}
 * in Boot's embedded Tomcat, signed in by Spring Security: the roles come from the users'
 * authorities, a user without one is refused, links and the cookie stay under the mount path, and
 * Actuator stays open.
 */
@DirtiesContext
@SpringBootTest(
    classes = SampleApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "jobqueue.dashboard.enabled=true",
      "jobqueue.poll-interval=200ms",
      "jobqueue.graceful-shutdown-timeout=2s"
    })
class SampleDashboardIT {

  @Autowired private JobQueueManager jobs;
  @LocalServerPort private int port;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SampleDatabase.register(registry);
  }

  @BeforeAll
  static void tables() throws Exception {
    SampleDatabase.createTables();
  }

  private WebClient as(String user) {
    return new WebClient("http://localhost:" + port + "/jobqueue", user, user + "-pw");
  }

  @Test
  void springSecurityGuardsTheMountAndActuatorStaysOpen() {
    WebClient anonymous = new WebClient("http://localhost:" + port + "/jobqueue");
    assertThat(anonymous.get("/").statusCode()).isEqualTo(401);
    assertThat(new WebClient("http://localhost:" + port).get("/actuator/health").statusCode())
        .isEqualTo(200);
  }

  @Test
  void theDashboardServesUnderItsMountPathWithTheRoleOfTheAuthority() {
    WebClient ada = as("ada");
    HttpResponse<String> overview = ada.get("");
    assertThat(overview.statusCode()).as(overview.body()).isEqualTo(200);
    assertThat(overview.body())
        .contains("href=\"/jobqueue/jobs\"", "src=\"/jobqueue/static/dashboard.js\"", ">admin<")
        .doesNotContain("Sign out");
    assertThat(overview.headers().firstValue("Set-Cookie").orElseThrow())
        .contains("Path=/jobqueue;", "HttpOnly", "SameSite=Strict");
    assertThat(overview.headers().allValues("Content-Security-Policy"))
        .singleElement()
        .asString()
        .startsWith("default-src 'none';");
    assertThat(overview.headers().allValues("X-Frame-Options")).containsExactly("DENY");
    assertThat(overview.headers().allValues("Cache-Control")).containsExactly("no-store");
    HttpResponse<String> css = ada.get("/static/dashboard.css");
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/css");
    assertThat(ada.get("/login").statusCode()).as("no login form of its own").isEqualTo(404);
  }

  @Test
  void aUserWithoutAJobQueueAuthorityIsRefused() {
    HttpResponse<String> response = as("nora").get("/");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("ROLE_JOBQUEUE_VIEWER");
  }

  @Test
  void anAdminPausesAQueueWithTheCsrfTokenAndAViewerMayNot() {
    WebClient vera = as("vera");
    assertThat(vera.get("/queues").body()).doesNotContain("/jobqueue/queues/pause");
    HttpResponse<String> refused = vera.post("/queues/pause", "queue", "default");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("needs the operator role");
    assertThat(paused("default")).isFalse();

    WebClient ada = as("ada");
    assertThat(ada.get("/queues").body()).contains("/jobqueue/queues/pause");
    assertThat(ada.post("/queues/pause", "queue", "default").statusCode()).isEqualTo(403);
    HttpResponse<String> pause = ada.postWithToken("/queues/pause", "queue", "default");
    assertThat(pause.statusCode()).isEqualTo(303);
    assertThat(pause.headers().firstValue("Location")).hasValue("/jobqueue/queues");
    assertThat(paused("default")).isTrue();
    assertThat(ada.postWithToken("/queues/resume", "queue", "default").statusCode()).isEqualTo(303);
    assertThat(paused("default")).isFalse();
  }

  private boolean paused(String queue) {
    return jobs.getQueues().stream()
        .filter(q -> q.name().equals(queue))
        .findFirst()
        .map(QueueInfo::paused)
        .orElse(false);
  }
}
