package dev.jobqueue;

import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Executes jobs of one type.
 *
 * <p>A handler declares the class its payload converts to. {@code createJob} converts the caller's
 * payload to that class with Jackson (never with polymorphic default typing), runs {@link
 * #validate(Object, ValidationErrors)}, and stores the converted payload as JSON. A worker later
 * converts the stored JSON back to {@code P} and calls {@link #execute(Object, JobContext)}.
 *
 * <p>Implementations must be thread-safe: one instance serves every worker.
 *
 * <pre>{@code
 * record Welcome(String userId, String email) {}
 *
 * JobHandler<Welcome> welcome = JobHandler.of("welcome-email", Welcome.class,
 *     (payload, ctx) -> {
 *       mailer.send(payload.email(), "Welcome!");
 *       return null; // no result to store
 *     });
 * }</pre>
 *
 * @param <P> the payload class
 */
public interface JobHandler<P> {

  /**
   * The job type this handler executes, for example {@code "email-notification"}. It must match
   * {@code [A-Za-z0-9][A-Za-z0-9._:-]{0,127}}.
   *
   * @return the type name
   */
  String type();

  /**
   * The class a payload converts to. It must be a concrete class or record that Jackson can read
   * from a JSON object.
   *
   * @return the payload class
   */
  Class<P> payloadType();

  /**
   * Runs one attempt of a job.
   *
   * <p>Returning normally completes the job and stores the returned value as its JSON result
   * ({@code null} stores no result). Throwing an exception fails the attempt; the job is retried
   * according to its retry budget and the retry strategy (the {@link #policy()}'s, else the
   * configured one). Two exceptions mean something else:
   *
   * <ul>
   *   <li>a {@link NonRetryableJobException} fails the job at once, whatever retries are left (as
   *       does returning {@link JobResult#failure(String)});
   *   <li>a {@link SnoozeJobException} puts the job off for its delay without spending a retry: it
   *       goes back to pending, counted in {@link JobContext#snoozeCount()}; once the job has
   *       snoozed its {@code maxSnoozes}, a further snooze fails the attempt instead.
   * </ul>
   *
   * @param payload the job's payload, converted to {@code P}
   * @param context the job's id, attempt and cancellation signal
   * @return the result to store, or {@code null}
   * @throws Exception to fail this attempt
   */
  Object execute(P payload, JobContext context) throws Exception;

  /**
   * Checks a payload at {@code createJob}, after it converted to {@code P}. Record each problem in
   * {@code errors}; if any is recorded, the job is refused with a {@link JobValidationException}
   * and nothing is stored.
   *
   * <p>The default accepts every payload that converts.
   *
   * @param payload the converted payload
   * @param errors where to record problems
   */
  default void validate(P payload, ValidationErrors errors) {}

  /**
   * How this handler's jobs run where they differ from the configuration: their queue, retries,
   * timeout, snoozes and per-key limit. Read once, when the handler is registered; a {@code
   * policy()} that throws or returns null fails the registration. The queue, retry budget and
   * timeout are stored with each job when it is created; the retry strategy and delays and the
   * snooze cap apply when one of its attempts ends.
   *
   * <p>The default overrides nothing.
   *
   * @return the policy
   */
  default JobPolicy policy() {
    return JobPolicy.defaults();
  }

  /**
   * The body of a handler built with {@link JobHandler#of}.
   *
   * @param <P> the payload class
   */
  @FunctionalInterface
  interface Execution<P> {
    /**
     * Runs one attempt; see {@link JobHandler#execute(Object, JobContext)}.
     *
     * @param payload the converted payload
     * @param context the job's context
     * @return the result to store, or {@code null}
     * @throws Exception to fail this attempt
     */
    Object execute(P payload, JobContext context) throws Exception;
  }

  /**
   * Builds a handler from a lambda, with no validation beyond conversion.
   *
   * @param type the job type
   * @param payloadType the payload class
   * @param execution the handler body
   * @param <P> the payload class
   * @return a handler
   */
  static <P> JobHandler<P> of(String type, Class<P> payloadType, Execution<P> execution) {
    return of(type, payloadType, execution, (payload, errors) -> {});
  }

  /**
   * Builds a handler from a lambda and a validation function.
   *
   * @param type the job type
   * @param payloadType the payload class
   * @param execution the handler body
   * @param validation records problems with a payload; see {@link #validate(Object,
   *     ValidationErrors)}
   * @param <P> the payload class
   * @return a handler
   */
  static <P> JobHandler<P> of(
      String type,
      Class<P> payloadType,
      Execution<P> execution,
      BiConsumer<? super P, ValidationErrors> validation) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payloadType, "payloadType");
    Objects.requireNonNull(execution, "execution");
    Objects.requireNonNull(validation, "validation");
    return new JobHandler<>() {
      @Override
      public String type() {
        return type;
      }

      @Override
      public Class<P> payloadType() {
        return payloadType;
      }

      @Override
      public Object execute(P payload, JobContext context) throws Exception {
        return execution.execute(payload, context);
      }

      @Override
      public void validate(P payload, ValidationErrors errors) {
        validation.accept(payload, errors);
      }

      @Override
      public String toString() {
        return "JobHandler[" + type + ", " + payloadType.getName() + "]";
      }
    };
  }
}
