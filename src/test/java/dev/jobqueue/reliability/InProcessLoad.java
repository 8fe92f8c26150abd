package dev.jobqueue.reliability;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.Ledger;
import dev.jobqueue.testing.WorkerProcess;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The load of the in-JVM fault scenarios (4 to 6): nodes in the test JVM whose handlers record
 * every execution in the suite's {@link Ledger} ({@link Ledger#handler}), a producer that enqueues
 * {@value WorkerProcess#LEDGER_TYPE} jobs ({@link Task#sleep}) during the fault, the ids {@code
 * createJob(s)} returned (the accepted jobs), and the figures the scenarios check, read from the
 * ledger.
 */
final class InProcessLoad {

  private final Ledger ledger;
  private final long workMillis;
  private final Set<Long> accepted = ConcurrentHashMap.newKeySet();
  private final AtomicInteger sequence = new AtomicInteger();

  /**
   * Creates the ledger in a schema (created if missing).
   *
   * @param dataSource where the schema lives; used for the ledger's own statements and reads
   * @param schema the schema of the jobs table
   * @param workMillis how long each job works before it completes
   */
  InProcessLoad(DataSource dataSource, String schema, long workMillis) {
    this.ledger = new Ledger(dataSource, schema);
    this.workMillis = workMillis;
    ledger.create();
  }

  /** The ledger. */
  Ledger ledger() {
    return ledger;
  }

  /**
   * Enqueues {@code count} jobs at once and records them as accepted.
   *
   * @param manager the manager to enqueue with
   * @param count how many
   * @param maxRetries each job's retry budget
   */
  void enqueue(JobQueueManager manager, int count, int maxRetries) {
    List<CreateJobOptions> batch = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      batch.add(
          CreateJobOptions.builder(
                  WorkerProcess.LEDGER_TYPE, Task.sleep(sequence.incrementAndGet(), workMillis))
              .maxRetries(maxRetries)
              .build());
    }
    accepted(manager.createJobs(batch));
  }

  /**
   * Starts a thread that enqueues {@code batch} jobs every {@code periodMillis} until closed. A
   * failed enqueue (the database is away) is counted and tried again at the next tick; its jobs are
   * not counted as accepted, since {@code createJobs} did not return their ids.
   *
   * @param manager the manager to enqueue with
   * @param batch jobs per tick
   * @param periodMillis the tick
   * @param maxRetries each job's retry budget
   * @return the running producer
   */
  Producer produce(JobQueueManager manager, int batch, long periodMillis, int maxRetries) {
    Producer producer = new Producer(manager, batch, periodMillis, maxRetries);
    producer.thread.start();
    return producer;
  }

  /** A thread enqueueing at a steady rate. */
  final class Producer implements AutoCloseable {
    private final Thread thread;
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean running = true;

    private Producer(JobQueueManager manager, int batch, long periodMillis, int maxRetries) {
      this.thread =
          new Thread(
              () -> {
                long next = System.nanoTime();
                while (running) {
                  try {
                    enqueue(manager, batch, maxRetries);
                  } catch (RuntimeException e) {
                    failures.incrementAndGet();
                  }
                  next += periodMillis * 1_000_000;
                  long sleep = (next - System.nanoTime()) / 1_000_000;
                  if (sleep < 0) {
                    next = System.nanoTime();
                  } else {
                    try {
                      Thread.sleep(sleep);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                }
              },
              "reliability-producer");
      thread.setDaemon(true);
    }

    /** Enqueues that failed. */
    long failures() {
      return failures.get();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(30_000);
    }
  }

  /** Records ids that {@code createJob(s)} returned. */
  void accepted(Collection<String> ids) {
    for (String id : ids) {
      accepted.add(Long.parseLong(id));
    }
  }

  /** How many jobs were accepted so far. */
  int acceptedCount() {
    return accepted.size();
  }

  /** Jobs of the schema not finished yet (pending or running). */
  long unfinished() {
    return ledger.jobs("j.status in ('pending', 'running')");
  }

  /** Side effects written so far. */
  long effects() {
    return ledger.sideEffects();
  }

  /**
   * Stores the accepted ids in the ledger and compares it with the jobs table, once every job is
   * finished.
   *
   * @return the figures
   */
  Result check() {
    ledger.storeAccepted(accepted);
    return new Result(
        accepted.size(),
        ledger.jobs("true"),
        ledger.lostAcceptedJobs(),
        ledger.unacknowledgedJobs(),
        ledger.jobs("j.status = 'failed'"),
        ledger.executions("true"),
        ledger.executionsWithoutSideEffect(),
        ledger.jobsExecutedMoreThanOnce(),
        ledger.jobsWithMoreThanOneSideEffect(),
        ledger.completedJobsWithoutSideEffect(),
        ledger.executionsAfterCommit(),
        ledger.attemptsExecutedMoreThanOnce(),
        ledger.retryCounts());
  }

  /**
   * What the ledger shows.
   *
   * @param accepted jobs {@code createJob} accepted
   * @param jobs rows in the jobs table (accepted plus enqueues whose outcome the producer never
   *     learned)
   * @param lost accepted jobs that are not completed with a side effect
   * @param unacknowledged jobs stored although {@code createJob} failed (its commit reply was lost)
   * @param failed jobs that ended failed
   * @param executions handler executions
   * @param died executions that never committed (their attempt died, or was fenced)
   * @param rerunJobs jobs executed more than once
   * @param duplicateEffects jobs whose side effect was written more than once
   * @param missingEffects completed jobs without a side effect
   * @param rerunAfterCommit executions that started after another execution of the job committed,
   *     or of a later attempt than the one that committed
   * @param sameAttemptTwice (job, attempt) pairs executed more than once
   * @param retryCounts jobs by final retry_count
   */
  record Result(
      long accepted,
      long jobs,
      long lost,
      long unacknowledged,
      long failed,
      long executions,
      long died,
      long rerunJobs,
      long duplicateEffects,
      long missingEffects,
      long rerunAfterCommit,
      long sameAttemptTwice,
      Map<Long, Long> retryCounts) {

    /** Duplicate executions: side effects twice, or an execution after one had committed. */
    long duplicates() {
      return duplicateEffects + rerunAfterCommit;
    }

    long maxRetryCount() {
      return retryCounts.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    String summary() {
      return String.format(
          "accepted=%d jobs=%d lost=%d duplicates=%d (effects twice=%d, run after commit=%d)"
              + " executions=%d died=%d rerunJobs=%d sameAttemptTwice=%d failed=%d"
              + " unacknowledgedEnqueues=%d retryCounts=%s",
          accepted,
          jobs,
          lost,
          duplicates(),
          duplicateEffects,
          rerunAfterCommit,
          executions,
          died,
          rerunJobs,
          sameAttemptTwice,
          failed,
          unacknowledged,
          retryCounts);
    }
  }
}
