package dev.jobqueue.spring.sample;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobQueueManager;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Places orders: the order row and its mail job commit together, or neither does. */
@Service
public class OrderService {

  private final JdbcTemplate jdbc;
  private final JobQueueManager jobs;

  OrderService(JdbcTemplate jdbc, JobQueueManager jobs) {
    this.jdbc = jdbc;
    this.jobs = jobs;
  }

  /**
   * Stores an order and enqueues its confirmation mail and its audit entry.
   *
   * @param email the customer's address
   * @param declined whether the payment fails after both were written, rolling everything back
   * @return the order's id
   */
  @Transactional
  public long placeOrder(String email, boolean declined) {
    Long id =
        jdbc.queryForObject(
            "insert into " + SampleApplication.SCHEMA + ".orders(email) values (?) returning id",
            Long.class,
            email);
    jobs.createJob(CreateJobOptions.of(OrderMailHandler.TYPE, new OrderMail(id, email)));
    jobs.createJob(CreateJobOptions.of(OrderAuditHandler.TYPE, new OrderMail(id, email)));
    if (declined) {
      throw new IllegalStateException("payment declined for order " + id);
    }
    return id;
  }
}
