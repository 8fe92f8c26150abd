package dev.jobqueue.spring.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.JobQueueTestKit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample application tested the way a user would with the test kit: no workers run, the test
 * asserts what the service enqueued and drains it on its own thread.
 */
@DirtiesContext
@SpringBootTest(
    classes = SampleApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.NONE,
    properties = "jobqueue.run-workers=false")
class SpringTestKitIT {

  @Autowired private OrderService orders;
  @Autowired private JobQueueTestKit kit;
  @Autowired private JobQueueManager jobs;
  @Autowired private JdbcTemplate jdbc;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SampleDatabase.register(registry);
  }

  @BeforeAll
  static void tables() throws Exception {
    SampleDatabase.createTables();
  }

  @Test
  void theServiceEnqueuesAndTheDrainRunsItsJobsHere() {
    assertThat(jobs.config().schema()).startsWith("jobqueue_test_");
    long id = orders.placeOrder("kit@example.com", false);
    kit.assertEnqueued(OrderMailHandler.TYPE, new OrderMail(id, "kit@example.com"));
    kit.assertEnqueued(OrderAuditHandler.TYPE, new OrderMail(id, "kit@example.com"));

    var drained = kit.drain();
    drained.assertNoFailures();
    assertThat(drained.count(OrderMailHandler.TYPE, AttemptOutcome.SUCCEEDED)).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "select count(*) from "
                    + SampleApplication.SCHEMA
                    + ".sent_mail where order_id = ?",
                Long.class,
                id))
        .isEqualTo(1);
    kit.assertNotEnqueued(OrderMailHandler.TYPE);
  }
}
