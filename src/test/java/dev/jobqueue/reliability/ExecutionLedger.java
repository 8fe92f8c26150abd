package dev.jobqueue.reliability;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The ledger of the in-JVM fault scenarios (4 to 7): what each execution of a job did, by the
 * database clock, next to the jobs table of one schema.
 *
 * <ul>
 *   <li>{@code rel_exec}: one row per execution, written (auto-commit) when the handler starts: job
 *       id, attempt ({@code JobContext.attempt()}), node, {@code started_at}; {@code ended_at} is
 *       set in the completing transaction, so it stays null for an attempt that died.
 *   <li>{@code rel_effect}: the side effect, one row written in the completing transaction ({@code
 *       JobContext.completeInTransaction}). No unique constraint: a duplicate would show as a
 *       second row.
 *   <li>{@code rel_accepted}: the ids {@code createJob} returned, i.e. the jobs the queue accepted.
 * </ul>
 */
final class ExecutionLedger {

  /** The payload of the scenarios' jobs: a sequence number from the producer. */
  record Task(long seq) {}

  static final String TYPE = "rel-task";

  private final DataSource dataSource;
  private final String schema;
  private final Set<Long> accepted = ConcurrentHashMap.newKeySet();
  private final AtomicLong sequence = new AtomicLong();

  /**
   * Creates the ledger tables in a schema (created if missing).
   *
   * @param dataSource where the schema lives; used for the ledger's own reads
   * @param schema the schema of the jobs table
   */
  ExecutionLedger(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
    execute(
        "create schema if not exists "
            + schema
            + "; create table "
            + schema
            + ".rel_exec (exec_id bigserial primary key, job_id bigint not null, attempt int not"
            + " null, node text not null, started_at timestamptz not null, ended_at timestamptz);"
            + " create index on "
            + schema
            + ".rel_exec (job_id); create table "
            + schema
            + ".rel_effect (job_id bigint not null, attempt int not null, node text not null, at"
            + " timestamptz not null); create index on "
            + schema
            + ".rel_effect (job_id); create table "
            + schema
            + ".rel_accepted (job_id bigint not null)");
  }

  /**
   * The handler of one node: records the execution, works for {@code workMillis}, then writes the
   * side effect and the end of the execution in its completing transaction.
   *
   * @param node the node's name, as recorded
   * @param startRows where the start row goes (a connection outside the library's pool)
   * @param workMillis how long each job works
   * @return the handler
   */
  JobHandler<Task> handler(String node, DataSource startRows, long workMillis) {
    String insertExec =
        "insert into "
            + schema
            + ".rel_exec (job_id, attempt, node, started_at) values (?, ?, ?, clock_timestamp())"
            + " returning exec_id";
    String endExec =
        "update " + schema + ".rel_exec set ended_at = clock_timestamp() where exec_id = ?";
    String insertEffect =
        "insert into "
            + schema
            + ".rel_effect (job_id, attempt, node, at) values (?, ?, ?, clock_timestamp())";
    return JobHandler.of(
        TYPE,
        Task.class,
        (task, ctx) -> {
          long jobId = Long.parseLong(ctx.jobId());
          long execId;
          try (Connection connection = startRows.getConnection();
              PreparedStatement insert = connection.prepareStatement(insertExec)) {
            insert.setLong(1, jobId);
            insert.setInt(2, ctx.attempt());
            insert.setString(3, node);
            try (ResultSet rs = insert.executeQuery()) {
              rs.next();
              execId = rs.getLong(1);
            }
          }
          if (workMillis > 0) {
            Thread.sleep(workMillis);
          }
          return ctx.completeInTransaction(
              connection -> {
                try (PreparedStatement end = connection.prepareStatement(endExec);
                    PreparedStatement effect = connection.prepareStatement(insertEffect)) {
                  end.setLong(1, execId);
                  end.executeUpdate();
                  effect.setLong(1, jobId);
                  effect.setInt(2, ctx.attempt());
                  effect.setString(3, node);
                  effect.executeUpdate();
                }
                return null;
              });
        });
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
          CreateJobOptions.builder(TYPE, new Task(sequence.incrementAndGet()))
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
    return scalar("select count(*) from {s}.jobs where status in ('pending', 'running')");
  }

  /** Side effects written so far. */
  long effects() {
    return scalar("select count(*) from {s}.rel_effect");
  }

  /**
   * Runs a query returning one number; {@code {s}} stands for the schema.
   *
   * @param sql the query
   * @return the first column of the first row (0 when null)
   */
  long scalar(String sql) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql.replace("{s}", schema))) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("ledger query failed: " + sql, e);
    }
  }

  /**
   * Runs a statement; {@code {s}} stands for the schema.
   *
   * @param sql the statement
   */
  void execute(String sql) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql.replace("{s}", schema));
    } catch (SQLException e) {
      throw new IllegalStateException("ledger statement failed: " + sql, e);
    }
  }

  /**
   * Compares the ledger with the jobs table, once every job is finished.
   *
   * @return the figures
   */
  Result check() {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(true);
      try (Statement statement = connection.createStatement()) {
        statement.execute("truncate " + schema + ".rel_accepted");
      }
      try (PreparedStatement insert =
          connection.prepareStatement(
              "insert into " + schema + ".rel_accepted select unnest(?::bigint[])")) {
        Array ids = connection.createArrayOf("bigint", accepted.toArray(new Long[0]));
        insert.setArray(1, ids);
        insert.executeUpdate();
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("analyze " + schema + ".rel_accepted");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot store the accepted ids", e);
    }
    Map<Long, Long> retries = new TreeMap<>();
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "select retry_count, count(*) from "
                    + schema
                    + ".jobs group by retry_count order by 1")) {
      while (rs.next()) {
        retries.put(rs.getLong(1), rs.getLong(2));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read retry counts", e);
    }
    return new Result(
        accepted.size(),
        scalar("select count(*) from {s}.jobs"),
        scalar(
            "select count(*) from {s}.rel_accepted a where not exists (select 1 from {s}.jobs j"
                + " where j.id = a.job_id and j.status = 'completed') or not exists (select 1 from"
                + " {s}.rel_effect e where e.job_id = a.job_id)"),
        scalar(
            "select count(*) from {s}.jobs j where not exists (select 1 from {s}.rel_accepted a"
                + " where a.job_id = j.id)"),
        scalar("select count(*) from {s}.jobs where status = 'failed'"),
        scalar("select count(*) from {s}.rel_exec"),
        scalar("select count(*) from {s}.rel_exec where ended_at is null"),
        scalar(
            "select count(*) from (select job_id from {s}.rel_exec group by job_id having count(*)"
                + " > 1) x"),
        scalar(
            "select count(*) from (select job_id from {s}.rel_effect group by job_id having"
                + " count(*) > 1) x"),
        scalar(
            "select count(*) from {s}.jobs j where j.status = 'completed' and not exists (select 1"
                + " from {s}.rel_effect e where e.job_id = j.id)"),
        scalar(
            "select count(*) from {s}.rel_exec later join {s}.rel_exec done on done.job_id ="
                + " later.job_id and done.exec_id <> later.exec_id and done.ended_at is not null"
                + " and later.started_at > done.ended_at"),
        scalar(
            "select count(*) from (select job_id, attempt from {s}.rel_exec group by job_id,"
                + " attempt having count(*) > 1) x"),
        retries);
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
   * @param died executions that never committed (their attempt died)
   * @param rerunJobs jobs executed more than once
   * @param duplicateEffects jobs whose side effect was written more than once
   * @param missingEffects completed jobs without a side effect
   * @param rerunAfterCommit executions that started after another execution of the job committed
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
