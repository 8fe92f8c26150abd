package dev.jobqueue;

import dev.jobqueue.internal.AutoCommitDataSource;
import dev.jobqueue.internal.Enqueuer;
import dev.jobqueue.internal.JobInputValidator;
import dev.jobqueue.internal.NodeIds;
import dev.jobqueue.internal.StatsRecorder;
import dev.jobqueue.internal.Tracing;
import dev.jobqueue.internal.engine.Engine;
import dev.jobqueue.internal.engine.InsertClaim;
import dev.jobqueue.internal.engine.Worker;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Service;
import dev.jobqueue.internal.notify.Notifier;
import dev.jobqueue.internal.store.DatabaseSetup;
import dev.jobqueue.internal.store.JobRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Runs jobs: claims due jobs of the registered types from PostgreSQL and executes them on a scaling
 * set of {@link JobWorker}s.
 *
 * <p>{@link JobQueueManager#initialize()} starts a pool and {@link JobQueueManager#shutdown()}
 * stops it; a pool can also run on its own, built from a configuration, a {@code DataSource} and a
 * registry.
 *
 * <h2>How it works</h2>
 *
 * <ul>
 *   <li><b>Claiming.</b> One poller thread claims jobs with a single {@code UPDATE ... FROM (SELECT
 *       ... FOR UPDATE SKIP LOCKED)} statement, in priority, then run time, then creation order,
 *       only for types this node has handlers for, and only as many as the pool may hold: {@code
 *       maxJobsPerWorker} per worker, the one it runs plus those queued for it. Claimed jobs wait
 *       in a local queue that every worker takes from.
 *   <li><b>Leases.</b> A claimed job is leased to this node for {@code leaseDuration}; one
 *       statement renews all of this node's leases every third of that. Every node also rescues
 *       jobs whose lease expired (their node died), counting the lost attempt, every quarter of
 *       {@code rescueInterval}. A rescued job keeps its place in the queue, and every node with
 *       room claims such jobs at once, ahead of its own queued jobs.
 *   <li><b>Fencing.</b> Every write to a running job names its id, the claim's token and this node;
 *       a node that lost a job changes nothing and logs a warning.
 *   <li><b>Wake-ups.</b> A dedicated connection LISTENs for new jobs; when it is down the pool
 *       polls every {@code pollInterval}. Jobs created by this JVM wake it directly.
 *   <li><b>Scaling.</b> The pool starts {@code minWorkers} workers, adds one whenever claimed jobs
 *       wait and no worker is idle (up to {@code maxWorkers}), and retires workers idle for {@code
 *       workerIdleTimeout} (down to {@code minWorkers}).
 *   <li><b>Timeouts.</b> An attempt running past its {@code timeoutSeconds} is interrupted and
 *       recorded as a failed attempt. If its handler does not return within a second, its worker is
 *       abandoned (reported by {@link #getStuckWorkerCount()}) and a fresh one takes its slot.
 * </ul>
 *
 * <p>Thread-safe. {@link #start()} and {@link #stop()} are idempotent; {@code stop()} before {@code
 * start()} does nothing.
 */
public final class WorkerPool {

  private final JobQueueConfig config;
  private final DataSource dataSource;
  private final JobHandlerRegistry registry;
  private final JobRepository repository;
  private final List<JobEventListener> listeners;
  private final Tracing tracing;
  private final boolean standalone;
  private final boolean listen;
  private final String nodeId;
  private final Object lifecycle = new Object();
  private volatile Engine engine;
  private boolean started;

  /**
   * Creates a pool that runs on its own. {@link #start()} applies the library's migrations first,
   * unless {@link JobQueueConfig#runMigrations()} is false.
   *
   * @param config the settings
   * @param dataSource where connections come from; size it as for the manager (see the
   *     configuration documentation)
   * @param registry the handlers; the pool claims only their types
   */
  public WorkerPool(JobQueueConfig config, DataSource dataSource, JobHandlerRegistry registry) {
    this(
        config,
        new AutoCommitDataSource(Objects.requireNonNull(dataSource, "dataSource must not be null")),
        registry,
        null,
        true,
        List.of(),
        true,
        Tracing.resolve(null));
  }

  WorkerPool(
      JobQueueConfig config,
      DataSource dataSource,
      JobHandlerRegistry registry,
      JobRepository repository,
      boolean standalone,
      List<JobEventListener> listeners,
      boolean listen,
      Tracing tracing) {
    this.config = Objects.requireNonNull(config, "config must not be null");
    this.registry = Objects.requireNonNull(registry, "registry must not be null");
    this.dataSource = dataSource;
    this.repository =
        repository != null ? repository : new JobRepository(dataSource, config.schema());
    this.standalone = standalone;
    this.listen = listen;
    this.listeners = List.copyOf(listeners);
    this.tracing = tracing;
    // Fixed now, so that a node keeps its id, and its statistics, from construction on.
    this.nodeId = config.nodeId().orElseGet(NodeIds::generate);
    this.engine = newEngine(listen);
  }

  private Engine newEngine(boolean listening) {
    return new Engine(
        nodeId, config, dataSource, repository, registry, listeners, listening, tracing);
  }

  /**
   * Starts claiming and running jobs. Does nothing if the pool is running.
   *
   * @throws IllegalStateException if the pool was stopped, or virtual threads were asked for on a
   *     runtime older than Java 21
   * @throws JobQueueException if a standalone pool cannot migrate its schema
   */
  public void start() {
    synchronized (lifecycle) {
      if (engine.isRunning()) {
        return;
      }
      if (started) {
        throw new IllegalStateException("this WorkerPool was stopped; create a new one");
      }
      if (standalone
          && DatabaseSetup.prepare(config, dataSource, null, null).server().transactionPooling()
          && listen) {
        engine = newEngine(false); // Through a pooler in transaction mode: poll, never LISTEN.
      }
      started = true;
      engine.start();
    }
  }

  /**
   * Stops the pool gracefully, in this order: stop claiming; give queued jobs that never started
   * back to pending; wait up to {@code gracefulShutdownTimeout} for running jobs; interrupt the
   * rest and give them back to pending. Jobs given back do not count as an attempt against the
   * retry budget. Completions are written before it returns. It returns within the graceful timeout
   * plus a few seconds at most, and leaves none of this node's jobs running. Idempotent; does
   * nothing before {@link #start()}.
   */
  public void stop() {
    engine.stop();
  }

  /**
   * How many workers are running a job right now.
   *
   * @return the number of busy workers
   */
  public int getActiveWorkerCount() {
    return engine.activeWorkers();
  }

  /**
   * How many workers are waiting for a job.
   *
   * @return the number of idle workers
   */
  public int getIdleWorkerCount() {
    return engine.idleWorkers();
  }

  /**
   * The pool's workers, busy or idle; abandoned (stuck) workers are not included.
   *
   * @return a snapshot
   */
  public List<JobWorker> getWorkers() {
    List<JobWorker> views = new ArrayList<>();
    for (Worker worker : engine.workers()) {
      views.add(new JobWorker(worker));
    }
    return List.copyOf(views);
  }

  /**
   * How many worker threads are stuck: those abandoned because their handler ignored an
   * interruption (after a timeout, cancellation or lost lease) and has still not returned (their
   * slots went to fresh workers), plus those busy with one job for longer than {@link
   * JobQueueConfig#workerTimeout()}.
   *
   * @return the number of stuck worker threads
   */
  public int getStuckWorkerCount() {
    return engine.stuckWorkers();
  }

  /**
   * This node's id, stored in {@code locked_by} of the jobs it runs.
   *
   * @return the node id
   */
  public String getNodeId() {
    return nodeId;
  }

  /**
   * The queues this pool serves now: the configured ones, and those added since, less those
   * removed.
   *
   * @return their names, in the order they were added
   */
  public List<String> getQueues() {
    return engine.queues();
  }

  /**
   * Starts serving another queue while the pool runs, with workers of its own. If the options carry
   * limits, they are stored for the queue first, for every node.
   *
   * @param queue the queue
   * @return true if the pool now serves it; false if it did already (its options stay as they were)
   * @throws IllegalStateException if the pool is not running
   */
  public boolean addQueue(QueueOptions queue) {
    Objects.requireNonNull(queue, "queue must not be null");
    return engine.addQueue(queue);
  }

  /**
   * Stops serving a queue. Its claimed jobs that have not started go back to pending at once; its
   * running jobs may finish within {@code gracefulShutdownTimeout}, then they are interrupted and
   * given back to pending without counting an attempt. Returns when that is done. Other nodes that
   * serve the queue go on with it.
   *
   * @param queue the queue's name
   * @return true if the pool served it
   */
  public boolean removeQueue(String queue) {
    Objects.requireNonNull(queue, "queue must not be null");
    return engine.removeQueue(queue);
  }

  /**
   * Whether the pool is woken by LISTEN/NOTIFY right now; false while it polls.
   *
   * @return true when the listener is connected
   */
  public boolean isListening() {
    return engine.isListening();
  }

  DataSource dataSource() {
    return dataSource;
  }

  /** The engine, for the test kit's drain. */
  Engine engine() {
    return engine;
  }

  /** The store this pool's jobs are in. */
  JobRepository repository() {
    return repository;
  }

  /** The handlers this pool runs. */
  JobHandlerRegistry registry() {
    return registry;
  }

  /** Whether this node leads the cluster right now. */
  boolean isLeader() {
    return engine.isLeader();
  }

  boolean isRunning() {
    return engine.isRunning();
  }

  /**
   * Why claiming fails, when it has failed {@code atLeast} times in a row and not succeeded since:
   * this node then runs no job, whatever the rest of the health check says.
   */
  Optional<String> claimFailing(int atLeast) {
    return engine.claimFailing(atLeast);
  }

  /** New jobs may be due: claim now rather than at the next poll. */
  void wakeUp() {
    engine.wakeUp("");
  }

  /** New jobs may be due in {@code queue} (in every queue for {@code ""}): claim now. */
  void wakeUp(String queue) {
    engine.wakeUp(queue);
  }

  /** The enqueuer of a manager whose pool this is: it wakes this pool and traces as it does. */
  Enqueuer enqueuer(
      JobInputValidator validator, JobRepository store, Notifier notifier, Enqueuer.Hooks hooks) {
    return new Enqueuer(
        validator, store, notifier, this::wakeUp, this::reserveInsertClaim, hooks, tracing);
  }

  /** An idle worker of {@code queue} promised to a job of {@code type} inserted claimed. */
  Optional<InsertClaim> reserveInsertClaim(String queue, String type) {
    return engine.reserveInsertClaim(queue, type);
  }

  /** A job was cancelled: if this node runs it, interrupt it. Nothing is written. */
  void cancelLocally(long id) {
    engine.cancelLocally(id);
  }

  /** This node's processing figures and totals. */
  StatsRecorder stats() {
    return engine.stats();
  }

  /** This pool as one service of its manager. */
  Service asService() {
    return new Service() {
      @Override
      public String name() {
        return "workers";
      }

      @Override
      public void start() {
        WorkerPool.this.start();
      }

      @Override
      public void stop(Deadline deadline) {
        WorkerPool.this.stop();
      }
    };
  }

  /** The services in the order they stop. */
  List<String> stopOrder() {
    return engine.stopOrder();
  }
}
