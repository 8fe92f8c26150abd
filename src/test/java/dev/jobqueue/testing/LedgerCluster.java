package dev.jobqueue.testing;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.WorkerProcess.Child;
import dev.jobqueue.testing.WorkerProcess.Node;
import dev.jobqueue.testing.WorkerProcess.Task;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A fresh schema with a {@link Ledger}, an enqueue-only manager in this JVM, and child worker JVMs
 * in {@code ledger} mode ({@link WorkerProcess}): the fixture of the reliability scenarios. Close
 * it in {@code @AfterEach}: it kills the children that still run and drops the schema.
 */
public final class LedgerCluster implements AutoCloseable {

  private final TestDatabase db;
  private final String schema;
  private final Ledger ledger;
  private final JobQueueManager enqueuer;
  private final List<Child> children = Collections.synchronizedList(new ArrayList<>());

  /**
   * Creates and migrates a schema and its ledger.
   *
   * @param hint the schema name hint, usually the test class's simple name
   */
  public LedgerCluster(String hint) {
    db = TestDatabase.get();
    schema = db.newSchema(hint);
    enqueuer =
        db.managerBuilder(schema)
            .handler(JobHandler.of(WorkerProcess.LEDGER_TYPE, Task.class, (t, ctx) -> null))
            .build();
    enqueuer.initialize();
    ledger = new Ledger(db, schema);
    ledger.create();
  }

  /** The test database. */
  public TestDatabase db() {
    return db;
  }

  /** The schema. */
  public String schema() {
    return schema;
  }

  /** The ledger. */
  public Ledger ledger() {
    return ledger;
  }

  /** The enqueue-only manager. */
  public JobQueueManager enqueuer() {
    return enqueuer;
  }

  /**
   * Launches a child node; {@link #close()} kills it if it still runs.
   *
   * @param node its settings
   * @return the child, not yet ready
   * @throws IOException if it cannot start
   */
  public Child launch(Node node) throws IOException {
    return launch(node, Map.of());
  }

  /**
   * Launches a child node with extra environment variables; see {@link
   * WorkerProcess#launch(TestDatabase, String, Node, Map)}.
   *
   * @param node its settings
   * @param environment added to the child's environment
   * @return the child, not yet ready
   * @throws IOException if it cannot start
   */
  public Child launch(Node node, Map<String, String> environment) throws IOException {
    Child child = WorkerProcess.launch(db, schema, node, environment);
    children.add(child);
    return child;
  }

  /**
   * Launches child nodes and waits until all are ready.
   *
   * @param nodes their settings
   * @return the children
   * @throws Exception if one cannot start or get ready within 60 s
   */
  public List<Child> launchAll(List<Node> nodes) throws Exception {
    return launchAll(nodes, Map.of());
  }

  /**
   * Launches child nodes with extra environment variables and waits until all are ready.
   *
   * @param nodes their settings
   * @param environment added to each child's environment
   * @return the children
   * @throws Exception if one cannot start or get ready within 60 s
   */
  public List<Child> launchAll(List<Node> nodes, Map<String, String> environment) throws Exception {
    List<Child> started = new ArrayList<>();
    for (Node node : nodes) {
      started.add(launch(node, environment));
    }
    for (Child child : started) {
      child.awaitReady(Duration.ofSeconds(60));
    }
    return started;
  }

  /**
   * Enqueues {@code count} jobs in batches of 1,000.
   *
   * @param count how many
   * @param task the payload of the job with a number
   * @param maxRetries their retry budget
   * @return their ids
   */
  public List<String> enqueue(int count, IntFunction<Task> task, int maxRetries) {
    List<String> ids = new ArrayList<>(count);
    for (int start = 0; start < count; start += 1_000) {
      List<CreateJobOptions> batch = new ArrayList<>();
      for (int i = start; i < Math.min(count, start + 1_000); i++) {
        batch.add(
            CreateJobOptions.builder(WorkerProcess.LEDGER_TYPE, task.apply(i))
                .maxRetries(maxRetries)
                .build());
      }
      ids.addAll(enqueuer.createJobs(batch));
    }
    return ids;
  }

  /**
   * Enqueues one job.
   *
   * @param task its payload
   * @param maxRetries its retry budget
   * @param scheduledAt when it may run, or null for now
   * @return its id
   */
  public String enqueueOne(Task task, int maxRetries, Instant scheduledAt) {
    CreateJobOptions.Builder options =
        CreateJobOptions.builder(WorkerProcess.LEDGER_TYPE, task).maxRetries(maxRetries);
    if (scheduledAt != null) {
      options.scheduledAt(scheduledAt);
    }
    return enqueuer.createJob(options.build());
  }

  /**
   * Counts the schema's jobs matching a condition.
   *
   * @param where an SQL condition on the jobs table
   * @return the count
   */
  public long jobs(String where) {
    return ledger.jobs(where);
  }

  /** Kills the children that still run, shuts the enqueuer down and drops the schema. */
  @Override
  public void close() {
    synchronized (children) {
      children.forEach(Child::close);
      children.clear();
    }
    enqueuer.shutdown();
    db.dropSchema(schema);
  }
}
