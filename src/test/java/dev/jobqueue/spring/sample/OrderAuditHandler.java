package dev.jobqueue.spring.sample;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.table;

import dev.jobqueue.JobContext;
import dev.jobqueue.JobHandler;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/** Writes an order's audit entry with jOOQ, in the transaction that completes the job. */
@Component
public class OrderAuditHandler implements JobHandler<OrderMail> {

  /** The job type. */
  public static final String TYPE = "order-audit";

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
        connection ->
            DSL.using(connection, SQLDialect.POSTGRES)
                .insertInto(table(SampleApplication.SCHEMA + ".audit"))
                .columns(field("order_id"), field("job_id"))
                .values(mail.orderId(), context.jobId())
                .execute());
  }
}
