package dev.jobqueue.internal.engine;

import dev.jobqueue.JobEventListener;
import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.internal.NodeIds;
import dev.jobqueue.internal.StatsRecorder;
import dev.jobqueue.internal.Tracing;
import dev.jobqueue.internal.leader.LeaderElector;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Service;
import dev.jobqueue.internal.lifecycle.ServiceGroup;
import dev.jobqueue.internal.maintenance.NodeHeartbeat;
import dev.jobqueue.internal.maintenance.Pruner;
import dev.jobqueue.internal.maintenance.Rescuer;
import dev.jobqueue.internal.maintenance.Scheduler;
import dev.jobqueue.internal.maintenance.StatsFlush;
import dev.jobqueue.internal.notify.NotificationListener;
import dev.jobqueue.internal.retry.Retries;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.store.LeaderStore;
import dev.jobqueue.internal.store.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of a worker node: builds every service once, starts them in the order of
 * {@link #services} and stops them in reverse. Thread-safe. <strong>Not API.</strong>
 *
 * <p>Stopped in reverse, the order means: stop claiming and give back the queued jobs; let the
 * running jobs finish within the graceful timeout, with the listener (cancellations), leader-only
 * work, rescue, the watchdog (timeouts, self-fencing) and lease renewal still at work; then write
 * the last statistics, leave the cluster, and write the last outcomes.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  /** What stop allows itself beyond the graceful timeout: the outcomes' and loops' own bounds. */
  private static final long STOP_SLACK_MILLIS = 10_000;

  private final JobQueueConfig config;
  private final JobHandlerRegistry registry;
  private final String nodeId;
  private final StatsRecorder stats;
  private final Queues queues;
  private final NotificationListener listener;
  private final HeldJobs held;
  private final LeaseKeeper leases;
  private final LeaderElector leader;
  private final ServiceGroup services;
  private final Drain drain;
  private final Object lifecycle = new Object();
  private volatile boolean running;
  private boolean used;
  private boolean draining;

  /**
   * Builds a node's services; {@link #start()} starts them.
   *
   * @param config the settings
   * @param dataSource the library's own connections
   * @param repository the store over them
   * @param registry the handlers; the node claims only their types
   * @param listeners told about every finished attempt
   * @param listen whether to LISTEN for notifications (not through a transaction-mode pooler)
   * @param nodeId this node's id
   * @param tracing traces each attempt
   */
  public Engine(
      String nodeId,
      JobQueueConfig config,
      DataSource dataSource,
      JobRepository repository,
      JobHandlerRegistry registry,
      List<JobEventListener> listeners,
      boolean listen,
      Tracing tracing) {
    this.config = config;
    this.registry = registry;
    this.nodeId = nodeId;
    NodeHeartbeat heartbeat = new NodeHeartbeat(repository.cluster(), nodeId, this::nodeInfo);
    this.stats = new StatsRecorder(nodeId, heartbeat::databaseNowMillis);
    this.held = new HeldJobs(repository.executions(), nodeId);
    Completer completer = new Completer(repository.executions(), dataSource, nodeId, held);
    Executor executor =
        new Executor(
            registry,
            completer,
            new Retries(config, () -> ThreadLocalRandom.current().nextDouble()),
            stats,
            listeners,
            held,
            nodeId,
            config.maxPayloadBytes(),
            tracing);
    this.leases = new LeaseKeeper(repository.executions(), nodeId, config.leaseDuration(), held);
    Queues[] queuesRef = new Queues[1];
    this.listener =
        listen
            ? new NotificationListener(
                dataSource,
                repository.channel(),
                queue -> queuesRef[0].announced(queue),
                queue -> queuesRef[0].paused(queue),
                this::cancelLocally)
            : null;
    this.queues =
        new Queues(
            config.queues(),
            options -> {
              LocalQueue local = new LocalQueue(options.name());
              Producer[] producer = new Producer[1];
              WorkerSlots slots =
                  new WorkerSlots(
                      config,
                      QueueWorkers.of(options, config),
                      local,
                      held,
                      executor,
                      () -> producer[0].queueLow());
              producer[0] =
                  new Producer(
                      config,
                      registry,
                      repository.executions(),
                      nodeId,
                      held,
                      local,
                      slots,
                      leases,
                      this::isListening,
                      () -> declare(repository, options));
              return new QueueRunner(local, slots, producer[0]);
            },
            config.gracefulShutdownTimeout().toMillis());
    queuesRef[0] = queues;
    List<Service> order = new ArrayList<>();
    // The start order; stop runs it backwards. Written here and nowhere else.
    order.add(completer);
    order.add(heartbeat);
    order.add(new StatsFlush(repository.cluster(), stats));
    order.add(leases);
    order.add(new Watchdog(held, queues, executor));
    order.add(
        new Rescuer(
            repository.executions(),
            config.rescueInterval(),
            () -> {
              // They kept their place in the queue: claim them here now, and tell the others.
              queues.rescued();
              repository.notifyNewJobs();
            }));
    // Leader-only work runs after the election starts and stops before it resigns.
    this.leader =
        new LeaderElector(
            new LeaderStore(dataSource, config.schema()),
            nodeId,
            config.leaseDuration(),
            new LeaderElector.Listener() {});
    order.add(leader);
    order.add(new Pruner(repository.cluster(), config, leader::isLeader));
    order.add(
        new Scheduler(
            repository.schedules(),
            config.missedRunThreshold(),
            config.leaseDuration(),
            leader::isLeader));
    if (listener != null) {
      order.add(listener);
    }
    order.add(queues);
    this.services = new ServiceGroup("engine", order);
    this.drain = new Drain(queues, executor, completer);
  }

  /**
   * The services in the order they stop.
   *
   * @return their names
   */
  public List<String> stopOrder() {
    return services.stopOrder();
  }

  /**
   * Starts every service. Does nothing if running.
   *
   * @throws IllegalStateException if the engine was stopped, a handler run by a {@link #drain}
   *     calls it, or virtual threads were asked for on a runtime older than Java 21
   */
  public void start() {
    synchronized (lifecycle) {
      if (running) {
        return;
      }
      if (used) {
        throw new IllegalStateException("this WorkerPool was stopped; create a new one");
      }
      if (draining) {
        throw new IllegalStateException("a handler run by a drain cannot start the worker pool");
      }
      used = true;
      services.start();
      running = true;
      log.info(
          "Worker pool started with {} workers (node {}, types {}, queues {})",
          workers().size(),
          nodeId,
          registry.getRegisteredTypes(),
          config.queues());
    }
  }

  /**
   * Runs the due jobs on the calling thread while the node is stopped; see {@link Drain}. The node
   * cannot start until it returns.
   *
   * @param maxAttempts the most attempts to run
   * @return the attempts, and whether a job was still due at the limit
   * @throws IllegalStateException if the node runs: its workers would race the drain
   */
  public Drain.Result drain(int maxAttempts) {
    synchronized (lifecycle) {
      if (running) {
        throw new IllegalStateException(
            "the worker pool runs, so its workers would race the drain; build the manager with"
                + " runWorkers(false) to drain in tests");
      }
      draining = true; // A handler on this thread holds the lock too: start() must refuse it.
      try {
        return drain.run(maxAttempts);
      } finally {
        draining = false;
      }
    }
  }

  /** Stops every service in reverse order; see the class comment. Idempotent. */
  public void stop() {
    synchronized (lifecycle) {
      if (!running) {
        return;
      }
      running = false;
      long started = System.nanoTime();
      services.stop(
          Deadline.inMillis(config.gracefulShutdownTimeout().toMillis() + STOP_SLACK_MILLIS));
      log.info(
          "Worker pool stopped in {} ms ({} job(s) still held)",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          held.size());
    }
  }

  /**
   * Whether the engine runs.
   *
   * @return true between start and stop
   */
  public boolean isRunning() {
    return running;
  }

  /**
   * Promises an idle worker of {@code queue} to one job of {@code type} that the caller is about to
   * insert already claimed by this node (see {@link InsertClaim}).
   *
   * @param queue the job's queue
   * @param type the job's type
   * @return the promise, or empty when the node is not running that queue, has no handler for the
   *     type, or has no idle worker left over
   */
  public Optional<InsertClaim> reserveInsertClaim(String queue, String type) {
    if (!running || registry.find(type).isEmpty()) {
      return Optional.empty();
    }
    return queues
        .find(queue)
        .filter(runner -> runner.producer.isRunning() && runner.local.reserve(runner.slots.idle()))
        .map(
            runner ->
                new InsertClaim(
                    runner.local,
                    held,
                    leases,
                    nodeId,
                    registry.getRegisteredTypes().toArray(new String[0]),
                    config.leaseDuration().toMillis()));
  }

  /**
   * This node's id.
   *
   * @return the id in {@code locked_by}
   */
  public String nodeId() {
    return nodeId;
  }

  /**
   * The workers, busy or idle; abandoned ones are not included.
   *
   * @return a snapshot
   */
  public List<Worker> workers() {
    List<Worker> all = new ArrayList<>();
    for (QueueRunner runner : queues.all()) {
      all.addAll(runner.slots.workers());
    }
    return all;
  }

  /**
   * Busy workers.
   *
   * @return the count
   */
  public int activeWorkers() {
    return sum(WorkerSlots::active);
  }

  /**
   * Idle workers.
   *
   * @return the count
   */
  public int idleWorkers() {
    return sum(WorkerSlots::idle);
  }

  /**
   * Stuck worker threads: abandoned ones still in their handler, and those busy for longer than
   * {@code workerTimeout}.
   *
   * @return the count
   */
  public int stuckWorkers() {
    return sum(WorkerSlots::stuck);
  }

  /**
   * The most workers this node runs at once: the sum over the queues it serves.
   *
   * @return the count
   */
  public int maxWorkers() {
    return sum(slots -> slots.bounds().max());
  }

  /**
   * The queues this node serves now.
   *
   * @return their names, in the order they were added
   */
  public List<String> queues() {
    return queues.names();
  }

  /**
   * Starts serving another queue while the node runs.
   *
   * @param options the queue
   * @return false if the node serves it already
   * @throws IllegalStateException if the node is not running
   */
  public boolean addQueue(QueueOptions options) {
    return queues.add(options);
  }

  /**
   * Stops serving a queue: its queued jobs go back to pending at once, its running jobs finish
   * within the graceful timeout (then they are interrupted and given back).
   *
   * @param queue the queue's name
   * @return false if the node did not serve it
   */
  public boolean removeQueue(String queue) {
    return queues.remove(queue);
  }

  /**
   * Whether LISTEN/NOTIFY wakes the node right now.
   *
   * @return false while it polls
   */
  public boolean isListening() {
    NotificationListener current = listener;
    return current != null && current.isConnected();
  }

  /**
   * Why claiming fails, when it failed {@code atLeast} times in a row.
   *
   * @param atLeast the shortest streak reported
   * @return the streak, or empty
   */
  public Optional<String> claimFailing(int atLeast) {
    for (QueueRunner runner : queues.all()) {
      Optional<String> failing = runner.producer.failing(atLeast);
      if (failing.isPresent()) {
        return failing;
      }
    }
    return Optional.empty();
  }

  /**
   * New jobs may be due: claim now rather than at the next poll.
   *
   * @param queue the queue they are in, or {@code ""} for every queue
   */
  public void wakeUp(String queue) {
    queues.wakeUp(queue);
  }

  /**
   * A job was cancelled: if this node runs it, interrupt it. Nothing is written.
   *
   * @param id the job
   */
  public void cancelLocally(long id) {
    Execution execution = held.get(id);
    if (execution != null && execution.preempt(Execution.Preemption.CANCELLED)) {
      held.drop(execution);
      log.info("Job {} was cancelled; its attempt was interrupted", id);
    }
  }

  /**
   * This node's processing figures.
   *
   * @return the recorder
   */
  public StatsRecorder stats() {
    return stats;
  }

  /**
   * Whether this node leads the cluster right now, by its own clock.
   *
   * @return true while its leader lease is valid
   */
  public boolean isLeader() {
    return leader.isLeader();
  }

  /** A figure summed over the queues' worker slots. */
  private int sum(ToIntFunction<WorkerSlots> figure) {
    int sum = 0;
    for (QueueRunner runner : queues.all()) {
      sum += figure.applyAsInt(runner.slots);
    }
    return sum;
  }

  /** Writes the limits a served queue declares, or makes sure it has a row. */
  private static void declare(JobRepository repository, QueueOptions options) {
    if (options.limits().isPresent()) {
      repository.queues().setLimits(options.name(), options.limits().get());
    } else {
      repository.queues().declare(options.name());
    }
  }

  private NodeInfo nodeInfo() {
    return new NodeInfo(
        nodeId,
        NodeIds.host(),
        ProcessHandle.current().pid(),
        registry.getRegisteredTypes().toArray(new String[0]),
        maxWorkers(),
        activeWorkers(),
        idleWorkers(),
        stuckWorkers(),
        isListening());
  }
}
