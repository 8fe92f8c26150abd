package dev.jobqueue.testing;

import dev.jobqueue.JobContext;
import dev.jobqueue.JobProgress;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.LeaseLostException;
import dev.jobqueue.internal.WallClock;
import dev.jobqueue.internal.engine.SingleAttempt;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A {@link JobContext} for calling a handler in a test, with every value the engine would supply
 * set by the test: see {@link JobQueueTestKit#runHandler(dev.jobqueue.JobHandler, Object,
 * TestJobContext)}.
 *
 * <pre>{@code
 * TestJobContext ctx = TestJobContext.builder().attempt(3).maxRetries(3).build();
 * HandlerRun run = JobQueueTestKit.runHandler(handler, new Welcome("u1", "a@b.c"), ctx);
 * run.assertFailed(); // the last attempt: no retry left
 * }</pre>
 *
 * <p>Cancellation: {@link #isCancellationRequested()} is false until {@link #requestCancellation()}
 * is called (from any thread), or from the first check after {@link
 * Builder#cancellationRequestedAfter(int)} checks; the engine would interrupt the handler's thread
 * at that moment too, which this context does not do. {@link #cancellationChecks()} says how often
 * the handler asked.
 *
 * <p>{@link #completeInTransaction(TransactionalWork)} runs its work in a transaction on a
 * connection of the {@link Builder#dataSource(DataSource) data source} given, and commits it; there
 * is no job row to complete. With {@link Builder#leaseLost(boolean) leaseLost(true)} it throws
 * {@link LeaseLostException} without running the work, as the engine does for an attempt that lost
 * its job; the engine would then write no outcome for the attempt, while a run reports how the
 * handler ended. One context stands for one attempt: use a fresh one for each run.
 */
public final class TestJobContext implements JobContext {

  private final String jobId;
  private volatile String jobType;
  private final int attempt;
  private final int maxRetries;
  private final int snoozeCount;
  private final Instant scheduledAt;
  private final String scheduleName;
  private final Instant occurrenceAt;
  private final String workerId;
  private final int cancelAfterChecks;
  private final DataSource dataSource;
  private final boolean leaseLost;
  private final AtomicBoolean cancelled;
  private final AtomicInteger checks = new AtomicInteger();
  private volatile boolean completedInTransaction;
  private volatile Object transactionResult;
  private final List<JobProgress> progress = new CopyOnWriteArrayList<>();

  private TestJobContext(Builder builder) {
    this.jobId = builder.jobId;
    this.jobType = builder.jobType;
    this.attempt = builder.attempt;
    this.maxRetries = builder.maxRetries;
    this.snoozeCount = builder.snoozeCount;
    this.scheduledAt = builder.scheduledAt != null ? builder.scheduledAt : WallClock.now();
    this.scheduleName = builder.scheduleName;
    this.occurrenceAt = builder.occurrenceAt;
    this.workerId = builder.workerId;
    this.cancelAfterChecks = builder.cancelAfterChecks;
    this.dataSource = builder.dataSource;
    this.leaseLost = builder.leaseLost;
    this.cancelled = new AtomicBoolean(builder.cancellationRequested);
  }

  /**
   * A context with every default: job id {@code "1"}, the type of the handler it is run with,
   * attempt 1, the default retry budget ({@link JobQueueConfig#defaultMaxRetries()}), no snooze,
   * scheduled at the time it is built, no schedule, worker {@code test-node/worker-1}, no
   * cancellation.
   *
   * @return a new context
   */
  public static TestJobContext create() {
    return builder().build();
  }

  /**
   * Starts building a context; every value has the default of {@link #create()}.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this context's settings (not its cancellation or transaction state).
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.jobId = jobId;
    builder.jobType = jobType;
    builder.attempt = attempt;
    builder.maxRetries = maxRetries;
    builder.snoozeCount = snoozeCount;
    builder.scheduledAt = scheduledAt;
    builder.scheduleName = scheduleName;
    builder.occurrenceAt = occurrenceAt;
    builder.workerId = workerId;
    builder.cancelAfterChecks = cancelAfterChecks;
    builder.dataSource = dataSource;
    builder.leaseLost = leaseLost;
    return builder;
  }

  @Override
  public String jobId() {
    return jobId;
  }

  /**
   * The job's type: the one set on the builder; when none was set, the type of the handler it is
   * run with, or {@code "test-job"} when called outside a run.
   *
   * @return the type
   */
  @Override
  public String jobType() {
    return jobType != null ? jobType : "test-job";
  }

  /** A run with a handler: its type is the job's, unless the builder set one. */
  void typeIfUnset(String type) {
    if (jobType == null) {
      jobType = type;
    }
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public int maxRetries() {
    return maxRetries;
  }

  @Override
  public int snoozeCount() {
    return snoozeCount;
  }

  @Override
  public Instant scheduledAt() {
    return scheduledAt;
  }

  @Override
  public Optional<String> scheduleName() {
    return Optional.ofNullable(scheduleName);
  }

  @Override
  public Optional<Instant> occurrenceAt() {
    return Optional.ofNullable(occurrenceAt);
  }

  @Override
  public String workerId() {
    return workerId;
  }

  /**
   * Counts the check, then says whether cancellation was requested: by {@link
   * #requestCancellation()}, by the builder, or because the builder's number of checks has passed.
   *
   * @return true once cancellation is requested
   */
  @Override
  public boolean isCancellationRequested() {
    int check = checks.incrementAndGet();
    if (cancelAfterChecks >= 0 && check > cancelAfterChecks) {
      cancelled.set(true);
    }
    return cancelled.get();
  }

  /** From now on, {@link #isCancellationRequested()} is true. Callable from any thread. */
  public void requestCancellation() {
    cancelled.set(true);
  }

  /**
   * How often the handler called {@link #isCancellationRequested()}.
   *
   * @return the count
   */
  public int cancellationChecks() {
    return checks.get();
  }

  /**
   * Runs {@code work} in a transaction of the builder's data source and commits it; see the class
   * comment. The value it returns becomes the attempt's result, as in the engine.
   *
   * @throws LeaseLostException with {@code leaseLost(true)}, or when cancellation was requested;
   *     the work does not run
   * @throws IllegalStateException if no data source was given, or it was called twice
   * @throws dev.jobqueue.NonRetryableJobException if the value cannot be stored as a result; the
   *     work is rolled back
   */
  @Override
  public <T> T completeInTransaction(TransactionalWork<T> work) throws Exception {
    Objects.requireNonNull(work, "work must not be null");
    if (completedInTransaction) {
      throw new IllegalStateException("completeInTransaction was called twice in one attempt");
    }
    if (leaseLost || cancelled.get()) {
      throw new LeaseLostException(
          "job " + jobId + " is no longer held by this attempt (TestJobContext)");
    }
    if (dataSource == null) {
      throw new IllegalStateException(
          "this TestJobContext has no data source; build it with dataSource(...) to run"
              + " completeInTransaction");
    }
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T value = work.execute(connection);
        SingleAttempt.encodeResult(value, JobQueueConfig.defaults());
        connection.commit();
        transactionResult = value;
        completedInTransaction = true;
        return value;
      } catch (Exception | Error e) {
        try {
          connection.rollback();
        } catch (SQLException ignored) {
          // The connection is closed next; the pool rolls back what is left.
        }
        throw e;
      }
    }
  }

  /**
   * Records a report, after checking its values as the engine does; every report is kept (the
   * engine stores at most one per second).
   *
   * @param percent 0 to 100
   * @param message a short message
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  @Override
  public void reportProgress(int percent, String message) {
    JobContext.super.reportProgress(percent, message);
    progress.add(new JobProgress(percent, message, WallClock.now()));
  }

  /**
   * The progress the handler reported, in order.
   *
   * @return every report so far
   */
  public List<JobProgress> progressReports() {
    return List.copyOf(progress);
  }

  /**
   * Whether {@link #completeInTransaction(TransactionalWork)} committed.
   *
   * @return true once it did
   */
  public boolean completedInTransaction() {
    return completedInTransaction;
  }

  /**
   * What the committed work returned.
   *
   * @return the value, or empty when nothing committed or it returned null
   */
  public Optional<Object> transactionResult() {
    return Optional.ofNullable(transactionResult);
  }

  @Override
  public String toString() {
    return "TestJobContext[job "
        + jobId
        + ", type "
        + jobType()
        + ", attempt "
        + attempt
        + " of "
        + (maxRetries + 1)
        + ", snoozes "
        + snoozeCount
        + "]";
  }

  /** Builds a {@link TestJobContext}. Not thread-safe. */
  public static final class Builder {
    private String jobId = "1";
    private String jobType;
    private int attempt = 1;
    private int maxRetries = JobQueueConfig.defaults().defaultMaxRetries();
    private int snoozeCount;
    private Instant scheduledAt;
    private String scheduleName;
    private Instant occurrenceAt;
    private String workerId = "test-node/worker-1";
    private int cancelAfterChecks = -1;
    private boolean cancellationRequested;
    private DataSource dataSource;
    private boolean leaseLost;

    private Builder() {}

    /**
     * The job's id.
     *
     * @param jobId the id; default {@code "1"}
     * @return this builder
     */
    public Builder jobId(String jobId) {
      this.jobId = Objects.requireNonNull(jobId, "jobId must not be null");
      return this;
    }

    /**
     * The job's type.
     *
     * @param jobType the type; default: the type of the handler the context is run with
     * @return this builder
     */
    public Builder jobType(String jobType) {
      this.jobType = jobType;
      return this;
    }

    /**
     * Which try this is: 1 for the first run, {@code maxRetries + 1} for the last.
     *
     * @param attempt at least 1; default 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder attempt(int attempt) {
      if (attempt < 1) {
        throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
      }
      this.attempt = attempt;
      return this;
    }

    /**
     * The job's retry budget.
     *
     * @param maxRetries at least 0; default {@link JobQueueConfig#defaultMaxRetries()}
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries must be at least 0, was " + maxRetries);
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * How often the job snoozed before this run.
     *
     * @param snoozeCount at least 0; default 0
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder snoozeCount(int snoozeCount) {
      if (snoozeCount < 0) {
        throw new IllegalArgumentException("snoozeCount must be at least 0, was " + snoozeCount);
      }
      this.snoozeCount = snoozeCount;
      return this;
    }

    /**
     * When the job was scheduled to run.
     *
     * @param scheduledAt the time; default: when the context is built
     * @return this builder
     */
    public Builder scheduledAt(Instant scheduledAt) {
      this.scheduledAt = Objects.requireNonNull(scheduledAt, "scheduledAt must not be null");
      return this;
    }

    /**
     * The schedule occurrence the job stands for.
     *
     * @param scheduleName the schedule's name
     * @param occurrenceAt the occurrence's time
     * @return this builder
     */
    public Builder schedule(String scheduleName, Instant occurrenceAt) {
      this.scheduleName = Objects.requireNonNull(scheduleName, "scheduleName must not be null");
      this.occurrenceAt = Objects.requireNonNull(occurrenceAt, "occurrenceAt must not be null");
      return this;
    }

    /**
     * The worker's id.
     *
     * @param workerId the id; default {@code test-node/worker-1}
     * @return this builder
     */
    public Builder workerId(String workerId) {
      this.workerId = Objects.requireNonNull(workerId, "workerId must not be null");
      return this;
    }

    /**
     * Whether cancellation is requested from the start (a cancelled job, a passed timeout, a lost
     * lease or a shutdown past its graceful timeout, to the handler alike).
     *
     * @param requested default false
     * @return this builder
     */
    public Builder cancellationRequested(boolean requested) {
      this.cancellationRequested = requested;
      return this;
    }

    /**
     * Requests cancellation once the handler has checked {@code checks} times: the check after
     * that, and every later one, says true.
     *
     * @param checks at least 0
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder cancellationRequestedAfter(int checks) {
      if (checks < 0) {
        throw new IllegalArgumentException("checks must be at least 0, was " + checks);
      }
      this.cancelAfterChecks = checks;
      return this;
    }

    /**
     * Where {@link TestJobContext#completeInTransaction(TransactionalWork)} takes its connection.
     *
     * @param dataSource the data source, for example the test database's
     * @return this builder
     */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
      return this;
    }

    /**
     * Whether the attempt has lost its job: then {@code completeInTransaction} throws {@link
     * LeaseLostException} without running its work.
     *
     * @param lost default false
     * @return this builder
     */
    public Builder leaseLost(boolean lost) {
      this.leaseLost = lost;
      return this;
    }

    /**
     * Builds the context.
     *
     * @return the context
     */
    public TestJobContext build() {
      return new TestJobContext(this);
    }
  }
}
