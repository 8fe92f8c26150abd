package dev.jobqueue.testing;

import dev.jobqueue.JobContext;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobPolicy;
import java.util.function.Supplier;

/** Handlers for tests, built around others. */
public final class Handlers {

  private Handlers() {}

  /**
   * {@code handler} with a fixed {@code policy()}.
   *
   * @param handler the handler
   * @param policy its policy
   * @param <P> the payload class
   * @return the handler with the policy
   */
  public static <P> JobHandler<P> withPolicy(JobHandler<P> handler, JobPolicy policy) {
    return withPolicy(handler, () -> policy);
  }

  /**
   * {@code handler} with a {@code policy()} that {@code policy} answers, on every call.
   *
   * @param handler the handler
   * @param policy answers each call of {@code policy()}
   * @param <P> the payload class
   * @return the handler with the policy
   */
  public static <P> JobHandler<P> withPolicy(JobHandler<P> handler, Supplier<JobPolicy> policy) {
    return new JobHandler<>() {
      @Override
      public String type() {
        return handler.type();
      }

      @Override
      public Class<P> payloadType() {
        return handler.payloadType();
      }

      @Override
      public Object execute(P payload, JobContext context) throws Exception {
        return handler.execute(payload, context);
      }

      @Override
      public JobPolicy policy() {
        return policy.get();
      }
    };
  }
}
