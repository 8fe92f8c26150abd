package dev.jobqueue.internal.engine;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.FieldError;
import dev.jobqueue.JobContext;
import dev.jobqueue.JobEventListener;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobPolicy;
import dev.jobqueue.JobResult;
import dev.jobqueue.NonRetryableJobException;
import dev.jobqueue.SnoozeJobException;
import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.PayloadCodec;
import dev.jobqueue.internal.StatsRecorder;
import dev.jobqueue.internal.Tracing;
import dev.jobqueue.internal.retry.Retries;
import dev.jobqueue.internal.store.ClaimedJob;
import dev.jobqueue.internal.store.Failure;
import dev.jobqueue.internal.store.JobRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one attempt of a job on the calling worker thread and maps what the handler did to an {@link
 * Outcome}, then to the write that records it: a success goes to the completer, a failure goes to
 * the completer with the retry decision, a snooze goes to the completer unless the job has used up
 * its snoozes (then it is a failure). It also records the timeouts the watchdog finds. Thread-safe.
 */
final class Executor {
  private static final Logger log = LoggerFactory.getLogger(Executor.class);

  private final JobHandlerRegistry registry;
  private final Completer completer;
  private final Retries retries;
  private final StatsRecorder stats;
  private final List<JobEventListener> listeners;
  private final HeldJobs held;
  private final String nodeId;
  private final int maxPayloadBytes;
  private final Tracing tracing;

  Executor(
      JobHandlerRegistry registry,
      Completer completer,
      Retries retries,
      StatsRecorder stats,
      List<JobEventListener> listeners,
      HeldJobs held,
      String nodeId,
      int maxPayloadBytes,
      Tracing tracing) {
    this.registry = registry;
    this.completer = completer;
    this.retries = retries;
    this.stats = stats;
    this.listeners = List.copyOf(listeners);
    this.held = held;
    this.nodeId = nodeId;
    this.maxPayloadBytes = maxPayloadBytes;
    this.tracing = tracing;
  }

  /**
   * Runs {@code execution} on {@code worker}'s thread, unless it was preempted while queued.
   *
   * @return how the attempt ended, or null when this worker wrote no outcome (preempted, or fenced
   *     out inside the handler's transaction)
   */
  AttemptOutcome execute(Worker worker, Execution execution) {
    if (!execution.start(worker, Thread.currentThread())) {
      return null; // Preempted while queued; whoever preempted it settled it.
    }
    worker.begin(execution);
    putMdc(execution);
    ClaimedJob job = execution.job;
    Tracing.Attempt trace =
        tracing.attempt(
            job.id(),
            job.type(),
            execution.local.name(),
            job.retryCount() + 1,
            job.token(),
            job.traceContext());
    try {
      Ended ended = run(worker, execution);
      trace.end(ended.result(), ended.error(), ended.cause());
      return ended.outcome();
    } catch (RuntimeException | Error e) {
      trace.end(Tracing.Result.FAILED, e.toString(), e);
      throw e;
    } finally {
      clearMdc();
    }
  }

  /**
   * How an attempt ended, for its trace.
   *
   * @param result the result
   * @param error the stored error, or null
   * @param cause what the handler threw, or null
   * @param outcome the outcome this worker recorded, or null when it recorded none
   */
  private record Ended(
      Tracing.Result result, String error, Throwable cause, AttemptOutcome outcome) {
    static final Ended COMPLETED =
        new Ended(Tracing.Result.COMPLETED, null, null, AttemptOutcome.SUCCEEDED);
    static final Ended COMMITTING = new Ended(Tracing.Result.COMPLETED, null, null, null);
    static final Ended SNOOZED =
        new Ended(Tracing.Result.SNOOZED, null, null, AttemptOutcome.SNOOZED);
    static final Ended CANCELLED = new Ended(Tracing.Result.CANCELLED, null, null, null);
    static final Ended LEASE_LOST = new Ended(Tracing.Result.LEASE_LOST, null, null, null);
    static final Ended RELEASED = new Ended(Tracing.Result.RELEASED, null, null, null);
  }

  private Ended run(Worker worker, Execution execution) {
    Outcome outcome;
    ExecutionContext context =
        new ExecutionContext(execution, workerId(worker), completer, this::encodeResult);
    try {
      log.debug("Worker {} processing job {}", worker.id(), execution.id());
      outcome = outcomeOf(registry.find(execution.job.type()).orElse(null), execution.job, context);
    } finally {
      Thread.interrupted(); // Do not carry a timeout's interrupt into the next job.
      context.flushProgress();
      worker.end();
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - execution.startedNanos());
    if (!execution.finish()) {
      if (execution.state() == Execution.DONE) {
        boolean committed = execution.committedInTransaction();
        if (committed) {
          finished(execution, AttemptOutcome.SUCCEEDED, millis);
        }
        held.settle(execution); // Completed (or fenced out) inside the handler's transaction.
        return committed ? Ended.COMPLETED : Ended.LEASE_LOST;
      }
      return preempted(execution); // The preemption wrote (or skipped) the outcome.
    }
    if (outcome instanceof Outcome.Succeeded success) {
      log.debug("Worker {} completed job {} in {}ms", worker.id(), execution.id(), millis);
      completer.succeeded(execution, success.resultJson());
      finished(execution, AttemptOutcome.SUCCEEDED, millis);
      return Ended.COMPLETED;
    } else if (outcome instanceof Outcome.Failed failure) {
      return recordFailure(execution, failure, millis);
    } else {
      return recordSnooze(execution, (Outcome.Snoozed) outcome, millis);
    }
  }

  /**
   * How a preempted attempt ended; the preempting thread sets the reason just after the state. A
   * commit of the handler's own transaction still in flight on another thread (the handler returned
   * without waiting for it) has no outcome yet: the trace reports it completed, without waiting.
   */
  private static Ended preempted(Execution execution) {
    if (execution.state() != Execution.PREEMPTED) {
      return Ended.COMMITTING;
    }
    Execution.Preemption reason;
    while ((reason = execution.preemption()) == null) {
      Thread.onSpinWait(); // Set right after the state changed: a few instructions away.
    }
    return switch (reason) {
      case TIMEOUT -> new Ended(Tracing.Result.TIMED_OUT, timeoutError(execution), null, null);
      case CANCELLED -> Ended.CANCELLED;
      case LOST -> Ended.LEASE_LOST;
      case RELEASED -> Ended.RELEASED;
    };
  }

  private static String timeoutError(Execution execution) {
    return "timed out after " + execution.job.timeoutSeconds() + " s";
  }

  /**
   * The outcome mapping: what a handler's return value or exception means for the job.
   *
   * <ul>
   *   <li>no handler, or a stored payload that no longer converts: failed, not retryable;
   *   <li>a {@link NonRetryableJobException}: failed, not retryable; a {@link SnoozeJobException}:
   *       snoozed for its delay; any other throwable: failed, retryable;
   *   <li>a failed {@link JobResult}: failed, not retryable;
   *   <li>any other value (a successful {@code JobResult}'s data): succeeded with it as the result,
   *       unless it cannot be stored (then failed, not retryable).
   * </ul>
   */
  <P> Outcome outcomeOf(JobHandler<P> handler, ClaimedJob job, JobContext context) {
    if (handler == null) {
      return new Outcome.Failed("no handler is registered for type " + job.type(), false, null);
    }
    P payload;
    try {
      payload = Json.readLenient(job.payloadJson(), handler.payloadType());
    } catch (RuntimeException e) {
      return new Outcome.Failed(
          "stored payload no longer converts to "
              + handler.payloadType().getName()
              + ": "
              + e.getMessage(),
          false,
          null);
    }
    Object value;
    try {
      value = handler.execute(payload, context);
    } catch (NonRetryableJobException e) {
      return new Outcome.Failed(describe(e), false, e);
    } catch (SnoozeJobException e) {
      return new Outcome.Snoozed(e.delay().toMillis());
    } catch (Throwable e) {
      return new Outcome.Failed(describe(e), true, e);
    }
    if (value instanceof JobResult result) {
      if (!result.isSuccess()) {
        return new Outcome.Failed(result.error().orElse("failed"), false, null);
      }
      value = result.data().orElse(null);
    }
    try {
      return new Outcome.Succeeded(encodeResult(value));
    } catch (NonRetryableJobException e) {
      return new Outcome.Failed(e.getMessage(), false, null);
    }
  }

  /** Encodes a handler's result, or explains why it cannot be stored. */
  String encodeResult(Object value) {
    if (value == null) {
      return null;
    }
    List<FieldError> errors = new ArrayList<>();
    String json = PayloadCodec.encodeValue(value, maxPayloadBytes, "result", errors);
    if (json == null) {
      throw new NonRetryableJobException(
          "the handler's result cannot be stored: "
              + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    }
    return json;
  }

  /** The watchdog preempted a running attempt for its timeout: record it as a failed attempt. */
  void timedOut(Execution execution, long nowNanos) {
    String error = timeoutError(execution);
    putMdc(execution);
    try {
      log.warn("Job {} {}; its attempt was interrupted", execution.id(), error);
      recordFailure(
          execution,
          new Outcome.Failed(error, true, null),
          TimeUnit.NANOSECONDS.toMillis(nowNanos - execution.startedNanos()));
    } finally {
      clearMdc();
    }
  }

  /** Logs a failed attempt once, with its stack trace, and queues its write. */
  private Ended recordFailure(Execution execution, Outcome.Failed failure, long millis) {
    ClaimedJob job = execution.job;
    Retries.Decision decision =
        rulesFor(job).afterFailure(job.retryCount(), job.maxRetries(), failure.retryable());
    if (decision.retry()) {
      log.warn(
          "Job {} attempt {} failed, retrying in {} ms: {}",
          execution.id(),
          job.retryCount() + 1,
          decision.delayMillis(),
          failure.error(),
          failure.cause());
    } else {
      log.error(
          "Job {} failed{}: {}",
          execution.id(),
          failure.retryable()
              ? " after " + (job.retryCount() + 1) + " attempt(s)"
              : " without retry",
          failure.error(),
          failure.cause());
    }
    completer.failed(
        execution,
        new Failure(
            job.id(), job.token(), failure.error(), decision.retry(), decision.delayMillis()));
    finished(execution, decision.retry() ? AttemptOutcome.RETRIED : AttemptOutcome.FAILED, millis);
    return new Ended(
        decision.retry() ? Tracing.Result.FAILED_WILL_RETRY : Tracing.Result.FAILED,
        failure.error(),
        failure.cause(),
        decision.retry() ? AttemptOutcome.RETRIED : AttemptOutcome.FAILED);
  }

  /**
   * Queues a snooze's write; a job that has used up its snoozes fails the attempt instead, as a
   * retryable failure. Either way no other outcome of this attempt is written.
   */
  private Ended recordSnooze(Execution execution, Outcome.Snoozed snooze, long millis) {
    ClaimedJob job = execution.job;
    Retries rules = rulesFor(job);
    if (!rules.snoozeAllowed(job.snoozeCount())) {
      return recordFailure(
          execution, snoozeCapReached(job.snoozeCount(), rules.maxSnoozes()), millis);
    }
    log.debug(
        "Job {} snoozed for {} ms (snooze {} of at most {})",
        execution.id(),
        snooze.delayMillis(),
        job.snoozeCount() + 1,
        rules.maxSnoozes());
    completer.snoozed(execution, snooze.delayMillis());
    finished(execution, AttemptOutcome.SNOOZED, millis);
    return Ended.SNOOZED;
  }

  /** What a snooze beyond the cap is instead: a retryable failure. */
  static Outcome.Failed snoozeCapReached(int snoozeCount, int maxSnoozes) {
    return new Outcome.Failed(
        "snooze cap reached: the job has already snoozed "
            + snoozeCount
            + " times (maxSnoozes = "
            + maxSnoozes
            + ")",
        true,
        null);
  }

  /** The retry rules of a job: the configuration's, with its handler's policy applied. */
  private Retries rulesFor(ClaimedJob job) {
    return retries.withPolicy(registry.policy(job.type()).orElse(JobPolicy.defaults()));
  }

  /** Counts a finished attempt and tells the listeners. */
  private void finished(Execution execution, AttemptOutcome outcome, long millis) {
    String queue = execution.local.name();
    stats.record(queue, execution.job.type(), outcome, millis);
    for (JobEventListener listener : listeners) {
      try {
        listener.attemptFinished(queue, execution.job.type(), outcome, Duration.ofMillis(millis));
      } catch (RuntimeException e) {
        log.warn("Job event listener {} failed: {}", listener, e.toString());
      }
    }
  }

  private String workerId(Worker worker) {
    return nodeId + "/" + worker.id();
  }

  /** The MDC keys every log line about a running job carries. */
  private void putMdc(Execution execution) {
    MDC.put("jobId", execution.id());
    MDC.put("jobType", execution.job.type());
    Worker worker = execution.worker();
    if (worker != null) {
      MDC.put("workerId", workerId(worker));
    }
  }

  private static void clearMdc() {
    MDC.remove("jobId");
    MDC.remove("jobType");
    MDC.remove("workerId");
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    String text =
        message == null || message.isBlank()
            ? e.getClass().getName()
            : e.getClass().getSimpleName() + ": " + message;
    return text.length() > JobRepository.MAX_ERROR_CHARS
        ? text.substring(0, JobRepository.MAX_ERROR_CHARS)
        : text;
  }
}
