package dev.jobqueue.spring.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobQueueManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample application against the test database, through Spring Boot's own auto-configuration: a
 * rolled-back order leaves no job, a committed one runs its jobs; health is served by Actuator over
 * HTTP with the {@code jobqueue} component; the Micrometer meters are served by Actuator's metrics
 * endpoint; Boot's Flyway stayed off; and the context got a schema of its own.
 */
@DirtiesContext
@SpringBootTest(
    classes = SampleApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.endpoints.web.exposure.include=health,metrics",
      "management.endpoint.health.show-details=always",
      "jobqueue.poll-interval=200ms",
      "jobqueue.graceful-shutdown-timeout=2s",
      "jobqueue.health-max-queue-lag=1s"
    })
class SpringBootSampleIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired private OrderService orders;
  @Autowired private JdbcTemplate jdbc;
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

  @Test
  void aRolledBackOrderLeavesNoJobAndACommittedOneRunsItsJobs() {
    assertThatThrownBy(() -> orders.placeOrder("declined@example.com", true))
        .hasMessageContaining("payment declined");
    long placed = orders.placeOrder("paid@example.com", false);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> count("sent_mail", "order_id = " + placed) == 1);
    await().atMost(Duration.ofSeconds(20)).until(() -> count("audit", "order_id = " + placed) == 1);
    assertThat(count("orders", "email = 'declined@example.com'")).isZero();
    String schema = jobs.config().schema();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from " + schema + ".jobs where payload->>'email' = ?",
                Long.class,
                "declined@example.com"))
        .as("jobs of the rolled-back order")
        .isZero();
    assertThat(
            jdbc.queryForList(
                "select status from " + schema + ".jobs where payload->>'email' = ?",
                String.class,
                "paid@example.com"))
        .containsExactly("completed", "completed");
    assertThat(count("sent_mail", "email = 'declined@example.com'")).isZero();
  }

  @Test
  void actuatorServesTheJobQueuesHealth() throws Exception {
    HttpResponse<String> response = get("/actuator/health");
    JsonNode body = JSON.readTree(response.body());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode component = body.path("components").path("jobqueue");
    assertThat(component.path("status").asText()).as(response.body()).isEqualTo("UP");
    assertThat(component.path("details").path("workers").path("total").asInt()).isPositive();
    assertThat(component.path("details").has("cluster")).isTrue();
  }

  @Test
  void aDegradedJobQueueIsAStatusOfItsOwnServedWithHttp200() throws Exception {
    String stuck =
        jobs.createJob(
            CreateJobOptions.builder(OrderMailHandler.TYPE, new OrderMail(0, "nobody@example.com"))
                .queue("unserved")
                .build());
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> JSON.readTree(get("/actuator/health").body()).path("status").asText(),
              "DEGRADED"::equals);
      HttpResponse<String> response = get("/actuator/health");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode component = JSON.readTree(response.body()).path("components").path("jobqueue");
      assertThat(component.path("status").asText()).isEqualTo("DEGRADED");
      assertThat(component.path("details").path("reasons").toString()).contains("unserved");
    } finally {
      jobs.cancelJob(stuck);
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> JSON.readTree(get("/actuator/health").body()).path("status").asText(),
            "UP"::equals);
  }

  @Test
  void actuatorServesTheMicrometerMeters() throws Exception {
    orders.placeOrder("metered@example.com", false);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> count("sent_mail", "email = 'metered@example.com'") == 1);
    HttpResponse<String> created = get("/actuator/metrics/jobqueue.jobs.created");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(JSON.readTree(created.body()).path("measurements").get(0).path("value").asDouble())
        .isGreaterThanOrEqualTo(2.0);
    HttpResponse<String> workers = get("/actuator/metrics/jobqueue.workers.idle");
    assertThat(workers.statusCode()).as(workers.body()).isEqualTo(200);
  }

  @Test
  void bootsFlywayStayedOffAndTheContextHasASchemaOfItsOwn() {
    assertThat(
            jdbc.queryForObject(
                "select to_regclass('public.flyway_schema_history')::text", String.class))
        .as("Boot's Flyway history table")
        .isNull();
    assertThat(jobs.config().schema()).startsWith("jobqueue_test_");
  }

  private long count(String table, String where) {
    return jdbc.queryForObject(
        "select count(*) from " + SampleApplication.SCHEMA + "." + table + " where " + where,
        Long.class);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
