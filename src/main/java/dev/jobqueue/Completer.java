package dev.jobqueue;

import dev.jobqueue.internal.Backoff;
import dev.jobqueue.internal.lifecycle.FailureLog;
import dev.jobqueue.internal.store.Completion;
import dev.jobqueue.internal.store.Failure;
import dev.jobqueue.internal.store.JobRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes successful attempts in batches: one {@code UPDATE ... FROM unnest(...)} per batch.
 *
 * <p>The writer thread takes whatever has queued up since its last write, up to {@value
 * #MAX_BATCH}, so a lone completion is written at once (no timer) and a burst is written together.
 * A batch that fails (database down) is retried with backoff; until it is written its jobs stay
 * held, so their leases keep being renewed and nothing is lost.
 */
final class Completer {
  static final int MAX_BATCH = 1_000;

  private static final Logger log = LoggerFactory.getLogger(Completer.class);

  /**
   * An outcome waiting to be written, with the execution to settle afterwards: a completion or a
   * failure (exactly one of the two is set).
   */
  record Pending(Execution execution, Completion completion, Failure failure) {}

  private final JobRepository repository;
  private final String node;
  private final Consumer<Execution> settled;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;

  /** Submitted and not yet written (queued or in the batch being written). */
  private final AtomicInteger unwritten = new AtomicInteger();

  Completer(
      JobRepository repository, String node, Consumer<Execution> settled, ThreadFactory threads) {
    this.repository = repository;
    this.node = node;
    this.settled = settled;
    this.thread = threads.newThread(this::run);
  }

  void start() {
    thread.start();
  }

  void submit(Execution execution, String resultJson) {
    unwritten.incrementAndGet();
    queue.add(
        new Pending(
            execution,
            new Completion(execution.job.id(), execution.job.token(), resultJson),
            null));
  }

  void submit(Execution execution, Failure failure) {
    unwritten.incrementAndGet();
    queue.add(new Pending(execution, null, failure));
  }

  /** Writes what is queued, waiting up to {@code timeoutMillis}, then stops the writer. */
  void stop(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (unwritten.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    running = false;
    thread.interrupt();
    try {
      thread.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (unwritten.get() > 0) {
      log.warn(
          "{} completion(s) were not written before shutdown; their jobs will be rescued after"
              + " their lease expires and run again",
          unwritten.get());
    }
  }

  private void run() {
    FailureLog failures = new FailureLog(log, "Writing job outcomes");
    List<Pending> batch = new ArrayList<>();
    Backoff backoff = new Backoff(50, 5_000);
    while (running || !queue.isEmpty()) {
      try {
        if (batch.isEmpty()) {
          Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          queue.drainTo(batch, MAX_BATCH - 1);
        }
        write(batch);
        backoff.reset();
        failures.succeeded();
      } catch (InterruptedException e) {
        if (!running && queue.isEmpty() && batch.isEmpty()) {
          break;
        }
      } catch (RuntimeException e) {
        long delay = backoff.next();
        failures.failed(
            batch.size()
                + " outcome(s) not written, retrying in "
                + delay
                + " ms: "
                + e.getMessage());
        try {
          Thread.sleep(delay);
        } catch (InterruptedException interrupted) {
          if (!running) {
            break;
          }
        }
      }
    }
  }

  /**
   * Writes a batch: all completions in one statement, then each failure. Written items leave {@code
   * batch}, so a retry after an error writes only what is left.
   */
  private void write(List<Pending> batch) {
    List<Pending> successes = new ArrayList<>(batch.size());
    for (Pending pending : batch) {
      if (pending.completion() != null) {
        successes.add(pending);
      }
    }
    if (!successes.isEmpty()) {
      List<Completion> completions = new ArrayList<>(successes.size());
      for (Pending pending : successes) {
        completions.add(pending.completion());
      }
      Set<Long> written = repository.completeMany(node, completions);
      for (Pending pending : successes) {
        if (!written.contains(pending.completion().id())) {
          fenced(pending.completion().id(), pending.completion().token());
        }
      }
      // Not removeAll(successes): that compares every pair, quadratic in the batch size.
      batch.removeIf(pending -> pending.completion() != null);
      done(successes);
    }
    while (!batch.isEmpty()) {
      Pending pending = batch.get(0);
      Failure failure = pending.failure();
      if (!repository.fail(node, failure)) {
        fenced(failure.id(), failure.token());
      }
      batch.remove(0);
      done(List.of(pending));
    }
  }

  private void done(List<Pending> written) {
    unwritten.addAndGet(-written.size());
    for (Pending pending : written) {
      settled.accept(pending.execution());
    }
  }

  private static void fenced(long id, int token) {
    log.warn(
        "Outcome of job {} (claim {}) changed nothing: the job was cancelled, or taken over by"
            + " another node after this node's lease expired",
        id,
        token);
  }
}
