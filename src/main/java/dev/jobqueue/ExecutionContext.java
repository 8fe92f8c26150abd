package dev.jobqueue;

import dev.jobqueue.internal.store.Completion;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/** The {@link JobContext} of one attempt. */
final class ExecutionContext implements JobContext {
  private final WorkerPool pool;
  private final Execution execution;
  private final String workerId;

  ExecutionContext(WorkerPool pool, Execution execution, String workerId) {
    this.pool = pool;
    this.execution = execution;
    this.workerId = workerId;
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
  public int maxRetries() {
    return execution.job.maxRetries();
  }

  @Override
  public Instant scheduledAt() {
    return execution.job.scheduledAt();
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
    return execution.isPreempted() || System.nanoTime() - execution.leaseExpiresNanos() > 0;
  }

  @Override
  public <T> T completeInTransaction(TransactionalWork<T> work) throws Exception {
    if (!execution.isRunning()) {
      throw lost();
    }
    try (Connection connection = pool.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      try {
        T value = work.execute(connection);
        String resultJson = pool.encodeResult(value);
        if (!execution.beginCommit()) {
          connection.rollback();
          throw lost();
        }
        boolean written;
        try {
          written =
              pool.repository()
                  .completeInTransaction(
                      connection,
                      pool.getNodeId(),
                      new Completion(execution.job.id(), execution.job.token(), resultJson));
          if (written) {
            connection.commit();
          }
        } catch (SQLException | RuntimeException e) {
          execution.commitFailed();
          throw e;
        }
        if (!written) {
          connection.rollback();
          execution.lostOnCommit();
          throw lost();
        }
        execution.committed();
        return value;
      } catch (Exception | Error e) {
        rollbackQuietly(connection);
        throw e;
      }
    }
  }

  private LeaseLostException lost() {
    return new LeaseLostException(
        "job "
            + execution.id()
            + " (claim "
            + execution.job.token()
            + ") is no longer held by this attempt: it was cancelled, timed out, or taken over");
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException ignored) {
      // The connection is going back to the pool, which rolls back what is left.
    }
  }
}
