package dev.jobqueue.internal.engine;

import dev.jobqueue.JobContext;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/** The {@link JobContext} of one attempt. */
final class ExecutionContext implements JobContext {
  private final Execution execution;
  private final String workerId;
  private final Completer completer;
  private final Function<Object, String> encodeResult;

  ExecutionContext(
      Execution execution,
      String workerId,
      Completer completer,
      Function<Object, String> encodeResult) {
    this.execution = execution;
    this.workerId = workerId;
    this.completer = completer;
    this.encodeResult = encodeResult;
  }

  @Override
  public String jobId() {
    return execution.id();
  }

  @Override
  public String jobType() {
    return execution.job.type();
  }

  @Override
  public int attempt() {
    return execution.job.retryCount() + 1;
  }

  @Override
  public int snoozeCount() {
    return execution.job.snoozeCount();
  }

  @Override
  public int maxRetries() {
    return execution.job.maxRetries();
  }

  @Override
  public Instant scheduledAt() {
    return execution.job.scheduledAt();
  }

  @Override
  public Optional<String> scheduleName() {
    return Optional.ofNullable(execution.job.scheduleName());
  }

  @Override
  public Optional<Instant> occurrenceAt() {
    return Optional.ofNullable(execution.job.occurrenceAt());
  }

  @Override
  public String workerId() {
    return workerId;
  }

  @Override
  public boolean isCancellationRequested() {
    // Not merely "the pool is stopping": during the graceful period a handler should finish.
    // Once the period is over, stop() preempts the attempt (released, not counted) first.
    // A lease that ran out by this JVM's clock counts at once, without waiting for the watchdog
    // to preempt the attempt: after a pause (GC, SIGSTOP) the handler may run before the
    // watchdog does, and another node may already run the job.
    return execution.isPreempted() || LeaseKeeper.expired(execution, System.nanoTime());
  }

  @Override
  public <T> T completeInTransaction(TransactionalWork<T> work) throws Exception {
    return completer.completeInTransaction(execution, work, encodeResult);
  }
}
