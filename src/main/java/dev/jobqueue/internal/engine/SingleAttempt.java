package dev.jobqueue.internal.engine;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobContext;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.JobInputValidator;
import dev.jobqueue.internal.retry.Retries;
import dev.jobqueue.internal.store.ClaimedJob;
import java.util.List;

/**
 * One attempt of one handler, outside any node and without a database, for the test kit: the
 * payload is encoded as {@code createJob} encodes it and read back as a worker reads it, the
 * handler's return value or exception is mapped by the {@link Executor}'s outcome mapping, and the
 * {@link Retries} rules (the configuration's, with the handler's policy) decide what a failure or a
 * snooze would lead to. Nothing is stored. <strong>Not API.</strong>
 */
public final class SingleAttempt {

  /**
   * What the attempt led to.
   *
   * @param outcome how the engine would record it: a retryable failure with retries left is {@link
   *     AttemptOutcome#RETRIED}, a snooze beyond the snooze cap is a failure
   * @param resultJson the stored result of a success, or null
   * @param error the error message the engine would store for a failure, or null
   * @param thrown what the handler threw, or null
   * @param retryable whether the failure was retryable (false for a success or a snooze)
   * @param delayMillis the snooze's delay; for a retry, the strategy's delay before jitter shortens
   *     it; otherwise 0
   */
  public record Result(
      AttemptOutcome outcome,
      String resultJson,
      String error,
      Throwable thrown,
      boolean retryable,
      long delayMillis) {}

  private SingleAttempt() {}

  /**
   * Encodes a payload for {@code handler} as {@code createJob} does: converted to the handler's
   * payload class, checked by its {@code validate}, and written as the stored JSON.
   *
   * @param handler the handler
   * @param payload the payload, as an application passes it to {@code createJob}
   * @param config the limits that apply (the largest payload)
   * @return the JSON a worker would read
   * @throws dev.jobqueue.JobValidationException as {@code createJob} would throw it
   */
  public static String encodePayload(JobHandler<?> handler, Object payload, JobQueueConfig config) {
    JobInputValidator validator =
        new JobInputValidator(config, new JobHandlerRegistry().register(handler));
    return validator
        .toNewJobs(List.of(CreateJobOptions.of(handler.type(), payload)), false)
        .get(0)
        .payloadJson();
  }

  /**
   * Encodes a handler's result as the engine stores it.
   *
   * @param value the value, or null
   * @param config the limits that apply (the largest result)
   * @return the JSON, or null for a null value
   * @throws dev.jobqueue.NonRetryableJobException if the value cannot be stored
   */
  public static String encodeResult(Object value, JobQueueConfig config) {
    return executor(config).encodeResult(value);
  }

  /**
   * Runs one attempt on the calling thread.
   *
   * @param handler the handler
   * @param payloadJson the stored payload, as a worker reads it
   * @param context the attempt's context: its type, attempt, budget and snooze count decide what a
   *     failure or snooze leads to
   * @param config the retry rules and limits that apply, before the handler's policy
   * @param <P> the payload class
   * @return what the attempt led to
   */
  public static <P> Result run(
      JobHandler<P> handler, String payloadJson, JobContext context, JobQueueConfig config) {
    ClaimedJob job =
        new ClaimedJob(
            0,
            context.jobType(),
            payloadJson,
            context.attempt(),
            context.attempt() - 1,
            context.maxRetries(),
            0,
            0,
            context.scheduledAt(),
            context.scheduledAt(),
            false,
            context.snoozeCount(),
            context.scheduleName().orElse(null),
            context.occurrenceAt().orElse(null));
    Outcome outcome = executor(config).outcomeOf(handler, job, context);
    Retries rules = new Retries(config, () -> 0.0).withPolicy(JobInputValidator.policyOf(handler));
    if (outcome instanceof Outcome.Succeeded success) {
      return new Result(AttemptOutcome.SUCCEEDED, success.resultJson(), null, null, false, 0);
    }
    if (outcome instanceof Outcome.Snoozed snooze) {
      if (rules.snoozeAllowed(job.snoozeCount())) {
        return new Result(AttemptOutcome.SNOOZED, null, null, null, false, snooze.delayMillis());
      }
      outcome = Executor.snoozeCapReached(job.snoozeCount(), rules.maxSnoozes());
    }
    Outcome.Failed failure = (Outcome.Failed) outcome;
    Retries.Decision decision =
        rules.afterFailure(job.retryCount(), job.maxRetries(), failure.retryable());
    return new Result(
        decision.retry() ? AttemptOutcome.RETRIED : AttemptOutcome.FAILED,
        null,
        failure.error(),
        failure.cause(),
        failure.retryable(),
        decision.delayMillis());
  }

  private static Executor executor(JobQueueConfig config) {
    return new Executor(
        new JobHandlerRegistry(),
        null,
        null,
        null,
        List.of(),
        null,
        "test",
        config.maxPayloadBytes(),
        dev.jobqueue.internal.Tracing.NONE);
  }
}
