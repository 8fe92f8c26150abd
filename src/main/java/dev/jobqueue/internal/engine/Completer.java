package dev.jobqueue.internal.engine;

import dev.jobqueue.JobContext;
import dev.jobqueue.LeaseLostException;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.store.Completion;
import dev.jobqueue.internal.store.ExecutionStore;
import dev.jobqueue.internal.store.Failure;
import dev.jobqueue.internal.store.Snooze;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every outcome of an attempt: successes, failures and snoozes, in batches, on a loop of its
 * own; and a success inside the handler's own transaction ({@link
 * JobContext#completeInTransaction}).
 *
 * <p>The loop takes whatever has queued up since its last write, up to {@value #MAX_BATCH}, so a
 * lone outcome is written at once (no timer) and a burst is written together: all successes in one
 * statement, all failures in another, all snoozes in a third. A batch that fails (database down) is
 * retried with backoff; until it is written its jobs stay held, so their leases keep being renewed
 * and nothing is lost.
 */
final class Completer extends LoopService {
  static final int MAX_BATCH = 1_000;

  private static final Logger log = LoggerFactory.getLogger(Completer.class);
  private static final long IDLE_WAIT_MILLIS = 200;
  private static final long DRAIN_MILLIS = 5_000;

  /** An outcome waiting to be written: a completion, a failure or a snooze (exactly one is set). */
  private record Pending(
      Execution execution, Completion completion, Failure failure, Snooze snooze) {}

  private final ExecutionStore repository;
  private final DataSource dataSource;
  private final String node;
  private final HeldJobs held;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final List<Pending> batch = new ArrayList<>();

  /** Submitted and not yet written (queued or in the batch being written). */
  private final AtomicInteger unwritten = new AtomicInteger();

  Completer(ExecutionStore repository, DataSource dataSource, String node, HeldJobs held) {
    super(Loop.named("completer").logTo(log, "Writing job outcomes").backoff(50, 5_000), 1_000);
    this.repository = repository;
    this.dataSource = dataSource;
    this.node = node;
    this.held = held;
  }

  /** Writes what is queued, waiting up to 5 s (or the deadline), then stops the loop. */
  @Override
  public void stop(Deadline deadline) {
    Deadline drain = deadline.atMost(DRAIN_MILLIS);
    while (unwritten.get() > 0 && isRunning() && !drain.passed()) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    super.stop(Deadline.inMillis(1_000));
    if (unwritten.get() > 0) {
      log.warn(
          "{} outcome(s) were not written before shutdown; their jobs will be rescued after"
              + " their lease expires and run again",
          unwritten.get());
    }
  }

  void succeeded(Execution execution, String resultJson) {
    unwritten.incrementAndGet();
    queue.add(
        new Pending(
            execution,
            new Completion(execution.job.id(), execution.job.token(), resultJson),
            null,
            null));
  }

  void failed(Execution execution, Failure failure) {
    unwritten.incrementAndGet();
    queue.add(new Pending(execution, null, failure, null));
  }

  void snoozed(Execution execution, long delayMillis) {
    unwritten.incrementAndGet();
    queue.add(
        new Pending(
            execution,
            null,
            null,
            new Snooze(execution.job.id(), execution.job.token(), delayMillis)));
  }

  /**
   * Runs {@code work} in a transaction that also completes the job, fenced like every other write:
   * both commit together, or neither does.
   */
  <T> T completeInTransaction(
      Execution execution, JobContext.TransactionalWork<T> work, Function<Object, String> encode)
      throws Exception {
    if (!execution.isRunning()) {
      throw lost(execution);
    }
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T value = work.execute(connection);
        String resultJson = encode.apply(value);
        if (!execution.beginCommit()) {
          connection.rollback();
          throw lost(execution);
        }
        boolean written;
        try {
          written =
              repository.completeInTransaction(
                  connection,
                  node,
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
          throw lost(execution);
        }
        execution.committed();
        return value;
      } catch (Exception | Error e) {
        rollbackQuietly(connection);
        throw e;
      }
    }
  }

  /**
   * Stores the progress an attempt reports, on the calling thread; fenced by the attempt's claim.
   *
   * @param execution the attempt
   * @param percent 0 to 100
   * @param message a short message
   */
  void reportProgress(Execution execution, int percent, String message) {
    repository.reportProgress(node, execution.held, percent, message);
  }

  /**
   * Writes every queued outcome on the calling thread, in the same batched statements as the loop:
   * for a {@link Drain}, which runs jobs while the loop is stopped.
   *
   * @throws IllegalStateException if the loop runs (it owns the batch then)
   */
  void writeQueuedNow() {
    if (isRunning()) {
      throw new IllegalStateException("the completer's loop runs: it writes the outcomes");
    }
    while (!batch.isEmpty() || !queue.isEmpty()) {
      if (batch.isEmpty()) {
        queue.drainTo(batch, MAX_BATCH);
      }
      write();
    }
  }

  /** One iteration: waits up to 200 ms for outcomes, then writes what has queued up. */
  @Override
  protected long runOnce() throws InterruptedException {
    if (batch.isEmpty()) {
      Pending first = queue.poll(IDLE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      if (first == null) {
        return 0;
      }
      batch.add(first);
      queue.drainTo(batch, MAX_BATCH - 1);
    }
    write();
    return 0;
  }

  /**
   * Writes the batch: all completions in one statement, then all failures in another, then all
   * snoozes. Written items leave the batch, so a retry after an error writes only what is left.
   */
  private void write() {
    write(
        p -> p.completion() != null,
        Pending::completion,
        rows -> repository.completeMany(node, rows));
    write(p -> p.failure() != null, Pending::failure, rows -> repository.failMany(node, rows));
    write(p -> p.snooze() != null, Pending::snooze, rows -> repository.snoozeMany(node, rows));
  }

  /** Writes the outcomes of one kind in one statement, then takes them out of the batch. */
  private <T> void write(
      Predicate<Pending> kind, Function<Pending, T> row, Function<List<T>, Set<Long>> statement) {
    List<Pending> written = new ArrayList<>();
    List<T> rows = new ArrayList<>();
    for (Pending pending : batch) {
      if (kind.test(pending)) {
        written.add(pending);
        rows.add(row.apply(pending));
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    Set<Long> changed = statement.apply(rows);
    for (Pending pending : written) {
      if (!changed.contains(pending.execution().job.id())) {
        fenced(pending.execution().job.id(), pending.execution().job.token());
      }
    }
    // Not removeAll(written): that compares every pair, quadratic in the batch size.
    batch.removeIf(kind);
    done(written);
  }

  private void done(List<Pending> written) {
    unwritten.addAndGet(-written.size());
    for (Pending pending : written) {
      held.settle(pending.execution());
    }
  }

  private static void fenced(long id, int token) {
    log.warn(
        "Outcome of job {} (claim {}) changed nothing: the job was cancelled, or taken over by"
            + " another node after this node's lease expired",
        id,
        token);
  }

  private static LeaseLostException lost(Execution execution) {
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
