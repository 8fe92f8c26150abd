package dev.jobqueue.testing;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.engine.SingleAttempt;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one call of a handler led to, classified as the engine would record the attempt: see {@link
 * JobQueueTestKit#runHandler(dev.jobqueue.JobHandler, Object, TestJobContext)}. Nothing was stored.
 *
 * <table>
 *   <caption>How a handler's ending maps to the outcome</caption>
 *   <tr><th>the handler</th><th>{@link #outcome()}</th></tr>
 *   <tr><td>returned (or committed {@code completeInTransaction})</td><td>SUCCEEDED, unless its
 *       result cannot be stored (then FAILED)</td></tr>
 *   <tr><td>threw, with retries left ({@code attempt <= maxRetries})</td><td>RETRIED</td></tr>
 *   <tr><td>threw on its last attempt, threw {@code NonRetryableJobException}, or returned a
 *       failed {@code JobResult}; or its payload did not convert</td><td>FAILED</td></tr>
 *   <tr><td>threw {@code SnoozeJobException}</td><td>SNOOZED, unless the job has used up its
 *       snoozes (then RETRIED or FAILED, as a failure)</td></tr>
 * </table>
 */
public final class HandlerRun {
  private final String type;
  private final AttemptOutcome outcome;
  private final String resultJson;
  private final String error;
  private final Throwable thrown;
  private final boolean retryable;
  private final long delayMillis;
  private final boolean completedInTransaction;

  HandlerRun(
      String type,
      AttemptOutcome outcome,
      String resultJson,
      String error,
      Throwable thrown,
      boolean retryable,
      long delayMillis,
      boolean completedInTransaction) {
    this.type = type;
    this.outcome = outcome;
    this.resultJson = resultJson;
    this.error = error;
    this.thrown = thrown;
    this.retryable = retryable;
    this.delayMillis = delayMillis;
    this.completedInTransaction = completedInTransaction;
  }

  /**
   * Runs a handler once: the payload encoded as {@code createJob} does (or taken as stored), the
   * attempt classified by the engine's rules.
   */
  static <P> HandlerRun run(
      JobHandler<P> handler,
      Object payload,
      String storedJson,
      TestJobContext context,
      JobQueueConfig config) {
    Objects.requireNonNull(handler, "handler must not be null");
    Objects.requireNonNull(context, "context must not be null");
    String json =
        storedJson != null
            ? storedJson
            : SingleAttempt.encodePayload(
                handler, Objects.requireNonNull(payload, "payload must not be null"), config);
    context.typeIfUnset(handler.type());
    SingleAttempt.Result result = SingleAttempt.run(handler, json, context, config);
    if (context.completedInTransaction()) {
      // As in the engine: the committed transaction completed the job, whatever followed.
      return new HandlerRun(
          handler.type(),
          AttemptOutcome.SUCCEEDED,
          SingleAttempt.encodeResult(context.transactionResult().orElse(null), config),
          null,
          null,
          false,
          0,
          true);
    }
    return new HandlerRun(
        handler.type(),
        result.outcome(),
        result.resultJson(),
        result.error(),
        result.thrown(),
        result.retryable(),
        result.delayMillis(),
        false);
  }

  /**
   * How the engine would record the attempt.
   *
   * @return the outcome
   */
  public AttemptOutcome outcome() {
    return outcome;
  }

  /**
   * The result the engine would store for a success, as JSON.
   *
   * @return the result, or empty when there is none (not a success, or the handler returned null)
   */
  public Optional<String> resultJson() {
    return Optional.ofNullable(resultJson);
  }

  /**
   * The stored result, read as {@code resultType}, as {@link dev.jobqueue.Job#resultAs(Class)}
   * would read it.
   *
   * @param resultType the class
   * @param <T> the class
   * @return the result, or empty when there is none
   * @throws dev.jobqueue.JobQueueException if it does not convert
   */
  public <T> Optional<T> resultAs(Class<T> resultType) {
    Objects.requireNonNull(resultType, "resultType must not be null");
    return resultJson().map(json -> Json.read(json, resultType, "result"));
  }

  /**
   * The error message the engine would store for a failure.
   *
   * @return the message, or empty for a success or a snooze
   */
  public Optional<String> error() {
    return Optional.ofNullable(error);
  }

  /**
   * What the handler threw (a {@code SnoozeJobException} is not reported here: see {@link
   * #snoozeDelay()}).
   *
   * @return the throwable, or empty when it threw nothing that failed the attempt
   */
  public Optional<Throwable> thrown() {
    return Optional.ofNullable(thrown);
  }

  /**
   * Whether the failure was of a kind that is retried while the budget lasts.
   *
   * @return false for a success, a snooze, or a failure that is never retried
   */
  public boolean retryable() {
    return retryable;
  }

  /**
   * The delay the engine would wait before the retry, by the retry rules (the configuration's, or
   * the handler's policy): the strategy's delay, before jitter shortens it.
   *
   * @return the delay, or empty unless the outcome is {@link AttemptOutcome#RETRIED}
   */
  public Optional<Duration> retryDelay() {
    return outcome == AttemptOutcome.RETRIED
        ? Optional.of(Duration.ofMillis(delayMillis))
        : Optional.empty();
  }

  /**
   * The snooze's delay.
   *
   * @return the delay, or empty unless the outcome is {@link AttemptOutcome#SNOOZED}
   */
  public Optional<Duration> snoozeDelay() {
    return outcome == AttemptOutcome.SNOOZED
        ? Optional.of(Duration.ofMillis(delayMillis))
        : Optional.empty();
  }

  /**
   * Whether the handler completed the job through {@code completeInTransaction}.
   *
   * @return true when its transaction committed
   */
  public boolean completedInTransaction() {
    return completedInTransaction;
  }

  /**
   * Asserts that the attempt succeeded.
   *
   * @return this run
   * @throws AssertionError describing the run otherwise, with what the handler threw as its cause
   */
  public HandlerRun assertSucceeded() {
    return assertOutcome(AttemptOutcome.SUCCEEDED);
  }

  /**
   * Asserts that the attempt failed and would be retried.
   *
   * @return this run
   * @throws AssertionError describing the run otherwise
   */
  public HandlerRun assertRetried() {
    return assertOutcome(AttemptOutcome.RETRIED);
  }

  /**
   * Asserts that the attempt failed the job for good.
   *
   * @return this run
   * @throws AssertionError describing the run otherwise
   */
  public HandlerRun assertFailed() {
    return assertOutcome(AttemptOutcome.FAILED);
  }

  /**
   * Asserts that the handler snoozed the job.
   *
   * @return this run
   * @throws AssertionError describing the run otherwise
   */
  public HandlerRun assertSnoozed() {
    return assertOutcome(AttemptOutcome.SNOOZED);
  }

  private HandlerRun assertOutcome(AttemptOutcome expected) {
    if (outcome != expected) {
      AssertionError failure =
          new AssertionError(
              "expected the handler of '" + type + "' to end " + expected + ", but " + this);
      if (thrown != null) {
        failure.initCause(thrown);
      }
      throw failure;
    }
    return this;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("the attempt ").append(outcome);
    switch (outcome) {
      case SUCCEEDED -> text.append(resultJson == null ? " with no result" : " with " + resultJson);
      case SNOOZED -> text.append(" for ").append(delayMillis).append(" ms");
      case RETRIED -> text.append(" (in ").append(delayMillis).append(" ms): ").append(error);
      case FAILED ->
          text.append(retryable ? " (no retry left): " : " (not retryable): ").append(error);
    }
    if (completedInTransaction) {
      text.append(", completed in its transaction");
    }
    return text.toString();
  }
}
