package dev.jobqueue.internal.engine;

import dev.jobqueue.JobContext;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link JobContext} of one attempt. */
final class ExecutionContext implements JobContext {
  /** At most one progress write per job per this interval. */
  static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final Logger log = LoggerFactory.getLogger(ExecutionContext.class);

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

  private final Object progressLock = new Object();
  private long progressWrittenNanos;
  private boolean progressWritten;
  private Integer heldPercent;
  private String heldMessage;

  @Override
  public void reportProgress(int percent, String message) {
    JobContext.super.reportProgress(percent, message); // Checks the values.
    synchronized (progressLock) {
      long now = System.nanoTime();
      if (progressWritten && now - progressWrittenNanos < PROGRESS_INTERVAL_NANOS) {
        heldPercent = percent; // Written by a later report, or at the attempt's end.
        heldMessage = message;
        return;
      }
      heldPercent = null;
      heldMessage = null;
      progressWritten = true;
      progressWrittenNanos = now;
    }
    write(percent, message);
  }

  /** Writes a report held back by the rate limit, when the attempt ends. */
  void flushProgress() {
    Integer percent;
    String message;
    synchronized (progressLock) {
      percent = heldPercent;
      message = heldMessage;
      heldPercent = null;
      heldMessage = null;
    }
    if (percent != null) {
      write(percent, message);
    }
  }

  private void write(int percent, String message) {
    try {
      completer.reportProgress(execution, percent, message);
    } catch (RuntimeException e) {
      // Progress is for operators: a failed write must not fail the attempt.
      log.warn("Could not store the progress of job {}: {}", execution.id(), e.getMessage());
    }
  }

  @Override
  public <T> T completeInTransaction(TransactionalWork<T> work) throws Exception {
    return completer.completeInTransaction(execution, work, encodeResult);
  }
}
