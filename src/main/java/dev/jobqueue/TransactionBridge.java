package dev.jobqueue;

import java.sql.Connection;

/**
 * Lets {@link JobQueueManager#createJob(CreateJobOptions)} and the other enqueue methods without a
 * {@link Connection} join the transaction the calling thread is in, the way a framework's
 * transaction manager keeps it. Set one with {@link JobQueueManager.Builder#transactionBridge}; the
 * Spring Boot integration sets {@code dev.jobqueue.spring.SpringTransactionBridge} for you.
 *
 * <p>When {@link #currentConnection()} returns a connection, the jobs are inserted on it, exactly
 * as if it had been passed to {@link JobQueueManager#createJob(Connection, CreateJobOptions)}: they
 * exist only if that transaction commits, the library neither commits, rolls back nor closes it,
 * and this node's workers are woken {@linkplain #afterCommit(Runnable) after the commit}. When it
 * returns null, the jobs are committed on a connection of the library's own, as without a bridge.
 *
 * <p>Implementations must be thread-safe; the library calls them on the thread that enqueues.
 */
public interface TransactionBridge {

  /**
   * The connection of the transaction the calling thread is in on the library's database, if it is
   * in one.
   *
   * @return that connection, or null to commit the jobs on their own
   */
  Connection currentConnection();

  /**
   * Gives back a connection {@link #currentConnection()} returned, once the jobs are inserted on it
   * (or failed to be). It must not close a connection that belongs to the transaction.
   *
   * @param connection the connection
   */
  void release(Connection connection);

  /**
   * Runs an action once the calling thread's current transaction has committed, and never if it
   * rolls back. Called only while a connection from {@link #currentConnection()} is held. The
   * action wakes this node's workers and tells the {@link JobEventListener}s about the jobs
   * created; it does not throw.
   *
   * @param action what to run after the commit
   */
  void afterCommit(Runnable action);
}
