package dev.jobqueue.spring.sample;

import dev.jobqueue.JobContext;
import dev.jobqueue.JobHandler;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.stereotype.Component;

/**
 * "Sends" an order's mail: records it with {@code JdbcTemplate} in the transaction that completes
 * the job, so the record and the completion commit together.
 */
@Component
public class OrderMailHandler implements JobHandler<OrderMail> {

  /** The job type. */
  public static final String TYPE = "order-mail";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Class<OrderMail> payloadType() {
    return OrderMail.class;
  }

  @Override
  public Object execute(OrderMail mail, JobContext context) throws Exception {
    return context.completeInTransaction(
        connection -> {
          JdbcTemplate jdbc = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
          jdbc.update(
              "insert into "
                  + SampleApplication.SCHEMA
                  + ".sent_mail(order_id, email, job_id)"
                  + " values (?, ?, ?)",
              mail.orderId(),
              mail.email(),
              context.jobId());
          return null;
        });
  }
}
