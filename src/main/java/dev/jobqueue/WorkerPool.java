package dev.jobqueue;

import dev.jobqueue.internal.AutoCommitDataSource;
import dev.jobqueue.internal.Backoff;
import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.PayloadCodec;
import dev.jobqueue.internal.WallClock;
import dev.jobqueue.internal.lifecycle.FailureLog;
import dev.jobqueue.internal.lifecycle.Threads;
import dev.jobqueue.internal.store.ClaimedJob;
import dev.jobqueue.internal.store.DatabaseSetup;
import dev.jobqueue.internal.store.Failure;
import dev.jobqueue.internal.store.HeldJob;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.store.NodeInfo;
import dev.jobqueue.internal.store.NotificationListener;
import dev.jobqueue.internal.store.RescuedJob;
import dev.jobqueue.internal.store.StatRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

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

  private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);
  private static final int MAX_CLAIM = 1_000;
  private static final long STUCK_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long WATCHDOG_MILLIS = 50;
  private static final int RESCUE_BATCH = 500;
  private static final long MIN_WAIT_MILLIS = 25;

  /** The longest a failing loop waits before it tries the database again. */
  static final long MAX_BACKOFF_MILLIS = 5_000;

  /** How often a node writes its heartbeat row and its statistics. */
  static final long NODE_HEARTBEAT_MILLIS = 5_000;

  private static final long PRUNE_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long MONITORING_RETENTION_MILLIS = TimeUnit.DAYS.toMillis(1);

  private enum State {
    NEW,
    RUNNING,
    STOPPING,
    STOPPED
  }

  private final JobQueueConfig config;
  private final DataSource dataSource;
  private final JobHandlerRegistry registry;
  private final JobRepository repository;
  private final boolean standalone;
  private final String nodeId;

  /** False through a pooler in transaction mode, where a LISTEN session cannot be kept. */
  private volatile boolean listen;

  /**
   * The order of the local queue: priority; then jobs given back by a rescue or a release (see
   * {@link ClaimedJob#givenBack()}), which were claimed before and have waited longest; then the
   * claim order (when the job became due, then id).
   */
  private static final Comparator<ClaimedJob> LOCAL_ORDER =
      Comparator.comparingInt(ClaimedJob::priority)
          .thenComparing((ClaimedJob job) -> !job.givenBack())
          .thenComparing(ClaimedJob::runAt)
          .thenComparingLong(ClaimedJob::id);

  /**
   * Claimed jobs waiting for a worker, in {@link #LOCAL_ORDER} even across claims: a dead node's
   * job that this node claims goes ahead of the jobs it had queued.
   */
  private final PriorityBlockingQueue<Execution> ready =
      new PriorityBlockingQueue<>(64, Comparator.comparing((Execution e) -> e.job, LOCAL_ORDER));

  /**
   * Jobs given back by a rescue may be waiting in the database (a rescue here took them back, a
   * notification may announce one elsewhere, or the last claim was full of them): claim whenever
   * the pool has room, however deep the local queue, until a claim comes back short or ends with a
   * job claimed for the first time. (They kept their {@code run_at}, so they come first in the
   * claim order, before the jobs still pending for the first time.)
   */
  private volatile boolean catchingUp;

  /** Set by a rescue here that gave jobs back to pending; the poller then catches up. */
  private final AtomicBoolean rescuedHere = new AtomicBoolean();

  /** When a notification last started catching up ({@code System.nanoTime()}; poller only). */
  private long lastAnnouncedCatchUp = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

  private final Map<Long, Execution> held = new ConcurrentHashMap<>();
  private final Set<JobWorker> workers = ConcurrentHashMap.newKeySet();
  private final Set<JobWorker> abandoned = ConcurrentHashMap.newKeySet();
  private final AtomicInteger workerSequence = new AtomicInteger();
  private final Wakeup wakeup = new Wakeup();
  private final FailureLog claimFailures = new FailureLog(log, "Claiming jobs");
  private final Object lifecycle = new Object();
  private final Object scaling = new Object();

  private final List<JobEventListener> listeners;
  private final StatsRecorder stats;

  /** Database clock minus this JVM's clock, measured by each node heartbeat. */
  private volatile long clockOffsetMillis;

  private volatile State state = State.NEW;
  private ThreadFactory workerThreads;
  private Thread poller;
  private ScheduledThreadPoolExecutor maintenance;
  private ScheduledThreadPoolExecutor watchdogTimer;
  private Completer completer;
  private NotificationListener listener;

  /**
   * Creates a pool that runs on its own. {@link #start()} applies the library's migrations first,
   * unless {@link JobQueueConfig#runMigrations()} is false.
   *
   * @param config the settings
   * @param dataSource where connections come from; the pool uses up to {@code maxWorkers + 3}
   * @param registry the handlers; the pool claims only their types
   */
  public WorkerPool(JobQueueConfig config, DataSource dataSource, JobHandlerRegistry registry) {
    this(
        config,
        new AutoCommitDataSource(Objects.requireNonNull(dataSource, "dataSource must not be null")),
        registry,
        true);
  }

  private WorkerPool(
      JobQueueConfig config,
      DataSource dataSource,
      JobHandlerRegistry registry,
      boolean standalone) {
    this(config, dataSource, registry, new JobRepository(dataSource, config.schema()), standalone);
  }

  WorkerPool(
      JobQueueConfig config,
      DataSource dataSource,
      JobHandlerRegistry registry,
      JobRepository repository,
      boolean standalone) {
    this(config, dataSource, registry, repository, standalone, List.of(), true);
  }

  WorkerPool(
      JobQueueConfig config,
      DataSource dataSource,
      JobHandlerRegistry registry,
      JobRepository repository,
      boolean standalone,
      List<JobEventListener> listeners,
      boolean listen) {
    this.listen = listen;
    this.config = Objects.requireNonNull(config, "config must not be null");
    this.dataSource = dataSource;
    this.registry = Objects.requireNonNull(registry, "registry must not be null");
    this.repository = repository;
    this.standalone = standalone;
    this.nodeId = config.nodeId().orElseGet(NodeIds::generate);
    this.listeners = List.copyOf(listeners);
    this.stats = new StatsRecorder(nodeId, () -> WallClock.currentTimeMillis() + clockOffsetMillis);
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
      if (state == State.RUNNING) {
        return;
      }
      if (state != State.NEW) {
        throw new IllegalStateException("this WorkerPool was stopped; create a new one");
      }
      workerThreads =
          config.useVirtualThreads()
              ? Threads.virtual("jobqueue-worker-")
              : Threads.platform("jobqueue-worker-");
      if (standalone) {
        listen &=
            !DatabaseSetup.prepare(config, dataSource, null, null).server().transactionPooling();
      }
      state = State.RUNNING;
      completer =
          new Completer(repository, nodeId, this::settle, Threads.platform("jobqueue-completer-"));
      completer.start();
      synchronized (scaling) {
        for (int i = 0; i < config.minWorkers(); i++) {
          spawnWorker();
        }
      }
      maintenance = new ScheduledThreadPoolExecutor(3, Threads.platform("jobqueue-maintenance-"));
      maintenance.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      long heartbeat = Math.max(100, config.leaseDuration().toMillis() / 3);
      maintenance.scheduleWithFixedDelay(
          guarded("lease renewal", this::renewLeases), heartbeat, heartbeat, TimeUnit.MILLISECONDS);
      // Every quarter interval, at a fixed rate (a slow run does not push the next one back): a
      // lease is taken back within a quarter interval of its expiry, and the claim and the start
      // that follow have the rest of the interval. An orphan runs again within leaseDuration +
      // rescueInterval of its last renewal, plus the wait for a free worker when all are busy.
      long rescue = Math.max(25, config.rescueInterval().toMillis() / 4);
      maintenance.scheduleAtFixedRate(
          backingOff("rescue", this::rescue),
          ThreadLocalRandom.current().nextLong(Math.max(1, rescue)),
          rescue,
          TimeUnit.MILLISECONDS);
      maintenance.scheduleWithFixedDelay(
          backingOff("node heartbeat", this::nodeHeartbeat),
          0,
          NODE_HEARTBEAT_MILLIS,
          TimeUnit.MILLISECONDS);
      long prune = config.pruneInterval().toMillis();
      maintenance.scheduleWithFixedDelay(
          backingOff("pruning", this::prune),
          ThreadLocalRandom.current().nextLong(Math.max(1, prune)),
          prune,
          TimeUnit.MILLISECONDS);
      // A thread of its own: the watchdog enforces timeouts and lease expiry (self-fencing), so it
      // must not wait behind maintenance tasks that hang on an unreachable database.
      watchdogTimer = new ScheduledThreadPoolExecutor(1, Threads.platform("jobqueue-watchdog-"));
      watchdogTimer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      watchdogTimer.scheduleWithFixedDelay(
          guarded("watchdog", this::watchdog),
          WATCHDOG_MILLIS,
          WATCHDOG_MILLIS,
          TimeUnit.MILLISECONDS);
      if (listen) {
        listener =
            new NotificationListener(
                dataSource,
                repository.channel(),
                wakeup::signal,
                this::cancelLocally,
                Threads.platform("jobqueue-listener-"));
        listener.start();
      }
      poller = Threads.platform("jobqueue-poller-").newThread(this::pollLoop);
      poller.start();
      log.info(
          "Worker pool started with {} workers (node {}, types {}, max {} workers)",
          workers.size(),
          nodeId,
          registry.getRegisteredTypes(),
          config.maxWorkers());
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
    synchronized (lifecycle) {
      if (state != State.RUNNING) {
        return;
      }
      state = State.STOPPING;
      long started = System.nanoTime();
      poller.interrupt();
      join(poller, 5_000);
      releaseQueued();
      long graceNanos = config.gracefulShutdownTimeout().toNanos();
      while (hasRunning() && System.nanoTime() - started < graceNanos) {
        sleepQuietly(5);
      }
      List<Execution> interrupted = new ArrayList<>();
      for (Execution execution : held.values()) {
        if (execution.preempt(Execution.Preemption.RELEASED)) {
          interrupted.add(execution);
        }
      }
      if (!interrupted.isEmpty()) {
        log.warn(
            "{} job(s) still running after the graceful timeout of {} ms were interrupted and"
                + " given back to pending",
            interrupted.size(),
            config.gracefulShutdownTimeout().toMillis());
        releaseInDatabase(interrupted);
      }
      // No more timeouts or renewals from here: every job is finished or given back, and the
      // completions still queued hold leases with at least two thirds of their time left.
      maintenance.shutdownNow();
      watchdogTimer.shutdownNow();
      completer.stop(5_000);
      if (listener != null) {
        listener.stop();
      }
      leaveCluster();
      for (JobWorker worker : workers) {
        worker.stop();
      }
      state = State.STOPPED;
      log.info(
          "Worker pool stopped in {} ms ({} job(s) still held)",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          held.size());
    }
  }

  /**
   * How many workers are running a job right now.
   *
   * @return the number of busy workers
   */
  public int getActiveWorkerCount() {
    int active = 0;
    for (JobWorker worker : workers) {
      if (worker.isBusy()) {
        active++;
      }
    }
    return active;
  }

  /**
   * How many workers are waiting for a job.
   *
   * @return the number of idle workers
   */
  public int getIdleWorkerCount() {
    return workers.size() - getActiveWorkerCount();
  }

  /**
   * The pool's workers, busy or idle; abandoned (stuck) workers are not included.
   *
   * @return a snapshot
   */
  public List<JobWorker> getWorkers() {
    return List.copyOf(workers);
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
    abandoned.removeIf(worker -> worker.thread() == null || !worker.thread().isAlive());
    long now = System.nanoTime();
    long limit = config.workerTimeout().toNanos();
    int slow = 0;
    for (JobWorker worker : workers) {
      Execution current = worker.current();
      if (current != null && now - current.startedNanos() > limit) {
        slow++;
      }
    }
    return abandoned.size() + slow;
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
   * Whether the pool is woken by LISTEN/NOTIFY right now; false while it polls.
   *
   * @return true when the listener is connected
   */
  public boolean isListening() {
    NotificationListener current = listener;
    return current != null && current.isConnected();
  }

  boolean isRunning() {
    return state == State.RUNNING;
  }

  DataSource dataSource() {
    return dataSource;
  }

  JobRepository repository() {
    return repository;
  }

  /**
   * Why claiming fails, when it has failed {@code atLeast} times in a row and not succeeded since:
   * this node then runs no job, whatever the rest of the health check says.
   */
  Optional<String> claimFailing(int atLeast) {
    return claimFailures.streak(atLeast);
  }

  /** New jobs may be due: claim now rather than at the next poll. */
  void wakeUp() {
    wakeup.poke();
  }

  /** A job was cancelled: if this node runs it, interrupt it. Nothing is written. */
  void cancelLocally(long id) {
    Execution execution = held.get(id);
    if (execution != null && execution.preempt(Execution.Preemption.LOST)) {
      ready.remove(execution);
      settle(execution);
      log.info("Job {} was cancelled; its attempt was interrupted", id);
    }
  }

  // ---- claiming -------------------------------------------------------------------------------

  private void pollLoop() {
    prepareHandlers();
    Backoff backoff =
        new Backoff(100, Math.max(MAX_BACKOFF_MILLIS, config.pollInterval().toMillis() * 4 + 100));
    FailureLog failures = claimFailures;
    while (state == State.RUNNING) {
      try {
        long wait = claimOnce();
        backoff.reset();
        failures.succeeded();
        if (wait > 0 && !wakeup.await(wait) && !isListening()) {
          // Without LISTEN no notification announces jobs that other nodes rescued: each poll
          // stands in for one.
          wakeup.announce();
        }
      } catch (InterruptedException e) {
        if (state != State.RUNNING) {
          break;
        }
      } catch (Throwable e) {
        long delay = backoff.next();
        failures.failed("retrying in " + delay + " ms: " + e.getMessage());
        sleepQuietly(delay);
      }
    }
  }

  /**
   * Builds every handler's payload reader before the first claim. Built on a job's first run
   * instead, it held up a fresh node's first jobs, the orphans it took over among them, by 0.3 s on
   * a quiet machine and more on a busy one.
   */
  private void prepareHandlers() {
    for (String type : registry.getRegisteredTypes()) {
      registry
          .find(type)
          .ifPresent(
              handler -> {
                try {
                  Json.prepareLenient(handler.payloadType());
                } catch (RuntimeException e) {
                  log.debug("Could not prepare the payload reader of {}: {}", type, e.toString());
                }
              });
    }
  }

  /**
   * Claims what the pool has room for. Returns how long to wait before claiming again, unless woken
   * earlier: 0 when the claim came back full (there may be more), the time until the next pending
   * job falls due when nothing was due (a retry or a scheduled job: no notification announces
   * those), and {@code pollInterval} otherwise.
   *
   * <p>The pool claims when its local queue runs low (fewer queued jobs than workers), so that
   * claims come in batches. It also claims, whenever it has room, while it is {@linkplain
   * #catchingUp catching up}: after a rescue, and at most every {@link #catchUpGapNanos()} after a
   * notification. Jobs a rescue took back keep their {@code run_at}, so they are claimed first, and
   * they run before this pool's queued jobs: a deep local queue does not delay them.
   */
  private long claimOnce() {
    long poll = config.pollInterval().toMillis();
    List<String> types = registry.getRegisteredTypes();
    if (types.isEmpty()) {
      return poll;
    }
    if (rescuedHere.getAndSet(false)) {
      catchingUp = true;
    }
    int live = Math.max(1, workers.size());
    if (ready.size() >= live && !catchingUp) {
      if (!wakeup.announced()) {
        return poll; // Workers poke when the local queue runs low.
      }
      long sinceLast = System.nanoTime() - lastAnnouncedCatchUp;
      if (sinceLast < catchUpGapNanos()) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(catchUpGapNanos() - sinceLast));
      }
      lastAnnouncedCatchUp = System.nanoTime();
      catchingUp = true;
    }
    // Room for one more worker's share while the pool may still grow: claimed jobs that wait
    // with no idle worker are what makes it grow, even with maxJobsPerWorker = 1.
    int slots = live + (workers.size() < config.maxWorkers() ? 1 : 0);
    int limit = Math.min(MAX_CLAIM, slots * config.maxJobsPerWorker() - held.size());
    if (limit <= 0) {
      return poll; // Settling a job pokes.
    }
    wakeup.takeAnnounced(); // This claim takes whatever a notification announced, oldest first.
    String[] typeArray = types.toArray(new String[0]);
    long sent = System.nanoTime();
    List<ClaimedJob> claimed =
        repository.claimAvailable(nodeId, typeArray, limit, config.leaseDuration().toMillis());
    // The lease runs from when the claim was sent, after any wait for a pooled connection (long
    // after an outage): counted from before that wait, it could be over before the claim returns.
    long leaseEnds = repository.sentSince(sent) + config.leaseDuration().toNanos();
    for (ClaimedJob job : claimed) {
      Execution execution = new Execution(job, leaseEnds);
      held.put(job.id(), execution);
      ready.add(execution);
    }
    // A full claim that ends with a job given back may have left more of them behind: go on
    // claiming as room comes free. Otherwise none is left (they come first in the claim order,
    // within a priority), and claims wait for the low-water mark again.
    catchingUp = claimed.size() == limit && claimed.get(claimed.size() - 1).givenBack();
    if (!claimed.isEmpty()) {
      grow();
      return claimed.size() == limit ? 0 : poll;
    }
    return repository
        .millisUntilNextDue(typeArray)
        // Due now but not claimable: other nodes hold the rows' locks for a moment.
        .map(millis -> Math.min(poll, Math.max(millis, MIN_WAIT_MILLIS)))
        .orElse(poll);
  }

  /**
   * How often a notification may make a pool with a deep local queue claim: an eighth of {@code
   * rescueInterval}, so that jobs another node rescued are claimed well within the interval, and a
   * stream of notifications for new jobs costs at most eight extra claims per interval.
   */
  private long catchUpGapNanos() {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(10), config.rescueInterval().toNanos() / 8);
  }

  private void grow() {
    synchronized (scaling) {
      int idle = getIdleWorkerCount();
      int wanted = Math.min(config.maxWorkers() - workers.size(), ready.size() - idle);
      for (int i = 0; i < wanted && state == State.RUNNING; i++) {
        spawnWorker();
      }
    }
  }

  private void spawnWorker() {
    JobWorker worker = new JobWorker("worker-" + workerSequence.incrementAndGet());
    Thread thread = workerThreads.newThread(() -> workLoop(worker));
    thread.setName("jobqueue-" + worker.getId());
    worker.attach(thread);
    workers.add(worker);
    thread.start();
    log.debug("Worker {} started", worker.getId());
  }

  // ---- executing ------------------------------------------------------------------------------

  private void workLoop(JobWorker worker) {
    try {
      while (state == State.RUNNING && !worker.isRetiring() && workers.contains(worker)) {
        Execution execution;
        try {
          execution = ready.poll(idlePollMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          // A preemption's interrupt can land after its job ended; the loop condition decides.
          continue;
        }
        if (execution == null) {
          if (retireIfIdle(worker)) {
            return;
          }
          continue;
        }
        if (ready.size() < workers.size()) {
          wakeup.poke();
        }
        execute(worker, execution);
      }
    } finally {
      workers.remove(worker);
      log.debug("Worker {} stopped after {} job(s)", worker.getId(), worker.getJobsProcessed());
    }
  }

  private long idlePollMillis() {
    return Math.max(10, Math.min(1_000, config.workerIdleTimeout().toMillis()));
  }

  private boolean retireIfIdle(JobWorker worker) {
    long idleNanos = System.nanoTime() - worker.idleSinceNanos();
    if (idleNanos < config.workerIdleTimeout().toNanos()) {
      return false;
    }
    synchronized (scaling) {
      if (workers.size() > config.minWorkers()) {
        workers.remove(worker);
        log.debug("Worker {} retired after being idle", worker.getId());
        return true;
      }
    }
    return false;
  }

  private void execute(JobWorker worker, Execution execution) {
    if (!execution.start(worker, Thread.currentThread())) {
      return; // Preempted while queued; whoever preempted it settled it.
    }
    worker.begin(execution);
    putMdc(execution);
    try {
      runAndRecord(worker, execution);
    } finally {
      clearMdc();
    }
  }

  private void runAndRecord(JobWorker worker, Execution execution) {
    Outcome outcome;
    try {
      log.debug("Worker {} processing job {}", worker.getId(), execution.id());
      outcome = invoke(execution, new ExecutionContext(this, execution, workerId(worker)));
    } finally {
      Thread.interrupted(); // Do not carry a timeout's interrupt into the next job.
      worker.end();
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - execution.startedNanos());
    if (!execution.finish()) {
      if (execution.state() == Execution.DONE) {
        if (execution.committedInTransaction()) {
          finished(execution, AttemptOutcome.SUCCEEDED, millis);
        }
        settle(execution); // Completed (or fenced out) inside the handler's own transaction.
      }
      return; // Otherwise preempted: the preemption wrote (or skipped) the outcome.
    }
    if (outcome.resultJson != null || outcome.error == null) {
      log.debug("Worker {} completed job {} in {}ms", worker.getId(), execution.id(), millis);
      completer.submit(execution, outcome.resultJson);
      finished(execution, AttemptOutcome.SUCCEEDED, millis);
    } else {
      recordFailure(execution, outcome.error, outcome.retryable, outcome.cause, millis);
    }
  }

  private String workerId(JobWorker worker) {
    return nodeId + "/" + worker.getId();
  }

  /** The MDC keys every log line about a running job carries. */
  private void putMdc(Execution execution) {
    MDC.put("jobId", execution.id());
    MDC.put("jobType", execution.job.type());
    JobWorker worker = execution.worker();
    if (worker != null) {
      MDC.put("workerId", workerId(worker));
    }
  }

  private static void clearMdc() {
    MDC.remove("jobId");
    MDC.remove("jobType");
    MDC.remove("workerId");
  }

  /** What an attempt produced: a result (possibly null) or an error. */
  private record Outcome(String resultJson, String error, boolean retryable, Throwable cause) {
    static Outcome success(String resultJson) {
      return new Outcome(resultJson, null, false, null);
    }

    static Outcome failure(String error, boolean retryable) {
      return new Outcome(null, error, retryable, null);
    }

    static Outcome thrown(Throwable cause, boolean retryable) {
      return new Outcome(null, describe(cause), retryable, cause);
    }
  }

  private Outcome invoke(Execution execution, ExecutionContext context) {
    JobHandler<?> handler = registry.find(execution.job.type()).orElse(null);
    if (handler == null) {
      return Outcome.failure("no handler is registered for type " + execution.job.type(), false);
    }
    return invokeTyped(handler, execution, context);
  }

  private <P> Outcome invokeTyped(
      JobHandler<P> handler, Execution execution, ExecutionContext context) {
    P payload;
    try {
      payload = Json.readLenient(execution.job.payloadJson(), handler.payloadType());
    } catch (RuntimeException e) {
      return Outcome.failure(
          "stored payload no longer converts to "
              + handler.payloadType().getName()
              + ": "
              + e.getMessage(),
          false);
    }
    Object value;
    try {
      value = handler.execute(payload, context);
    } catch (NonRetryableJobException e) {
      return Outcome.thrown(e, false);
    } catch (Throwable e) {
      return Outcome.thrown(e, true);
    }
    if (value instanceof JobResult result) {
      if (!result.isSuccess()) {
        return Outcome.failure(result.error(), false);
      }
      value = result.data();
    }
    try {
      return Outcome.success(encodeResult(value));
    } catch (NonRetryableJobException e) {
      return Outcome.failure(e.getMessage(), false);
    }
  }

  /** Encodes a handler's result, or explains why it cannot be stored. */
  String encodeResult(Object value) {
    if (value == null) {
      return null;
    }
    List<FieldError> errors = new ArrayList<>();
    String json = PayloadCodec.encodeValue(value, config.maxPayloadBytes(), "result", errors);
    if (json == null) {
      throw new NonRetryableJobException(
          "the handler's result cannot be stored: "
              + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    }
    return json;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    String text =
        message == null || message.isBlank()
            ? e.getClass().getName()
            : e.getClass().getSimpleName() + ": " + message;
    return text.length() > JobRepository.MAX_ERROR_CHARS
        ? text.substring(0, JobRepository.MAX_ERROR_CHARS)
        : text;
  }

  /** Logs a failed attempt once, with its stack trace, and queues its write. */
  private void recordFailure(
      Execution execution, String error, boolean retryable, Throwable cause, long millis) {
    ClaimedJob job = execution.job;
    boolean retry = retryable && job.retryCount() < job.maxRetries();
    long delay = retry ? retryDelayMillis(job.retryCount() + 1) : 0;
    if (retry) {
      log.warn(
          "Job {} attempt {} failed, retrying in {} ms: {}",
          execution.id(),
          job.retryCount() + 1,
          delay,
          error,
          cause);
    } else {
      log.error(
          "Job {} failed{}: {}",
          execution.id(),
          retryable ? " after " + (job.retryCount() + 1) + " attempt(s)" : " without retry",
          error,
          cause);
    }
    completer.submit(execution, new Failure(job.id(), job.token(), error, retry, delay));
    finished(execution, retry ? AttemptOutcome.RETRIED : AttemptOutcome.FAILED, millis);
  }

  /** Counts a finished attempt and tells the listeners. */
  private void finished(Execution execution, AttemptOutcome outcome, long millis) {
    stats.record(execution.job.type(), outcome, millis);
    for (JobEventListener listener : listeners) {
      try {
        listener.attemptFinished(execution.job.type(), outcome, Duration.ofMillis(millis));
      } catch (RuntimeException e) {
        log.warn("Job event listener {} failed: {}", listener, e.toString());
      }
    }
  }

  private long retryDelayMillis(int retry) {
    Duration delay =
        config.retryStrategy().delay(retry, config.retryBaseDelay(), config.retryMaxDelay());
    long millis = delay.toMillis();
    double jitter = config.retryJitter();
    if (jitter > 0 && millis > 0) {
      millis -= (long) (millis * jitter * ThreadLocalRandom.current().nextDouble());
    }
    return millis;
  }

  /** The outcome of {@code execution} is written (or was not ours to write): forget it. */
  private void settle(Execution execution) {
    held.remove(execution.job.id(), execution);
    if (state == State.RUNNING && (ready.size() < workers.size() || catchingUp)) {
      wakeup.poke(); // Room for another job: claim it if the queue runs low or while catching up.
    }
  }

  // ---- maintenance ----------------------------------------------------------------------------

  private void renewLeases() {
    List<Execution> snapshot = new ArrayList<>(held.values());
    if (snapshot.isEmpty()) {
      return;
    }
    List<HeldJob> jobs = new ArrayList<>(snapshot.size());
    for (Execution execution : snapshot) {
      jobs.add(execution.held);
    }
    long sent = System.nanoTime();
    Set<Long> kept = repository.extendLeases(nodeId, jobs, config.leaseDuration().toMillis());
    sent = repository.sentSince(sent); // After the wait for a connection, as for a claim.
    for (Execution execution : snapshot) {
      if (kept.contains(execution.job.id())) {
        execution.leaseRenewed(sent, config.leaseDuration().toNanos());
      } else if (execution.preempt(Execution.Preemption.LOST)) {
        ready.remove(execution);
        settle(execution);
        log.warn(
            "Job {} (claim {}) is no longer held by this node: it was cancelled, or its lease"
                + " expired and it was rescued; its attempt was interrupted",
            execution.id(),
            execution.job.token());
      }
    }
  }

  /** Writes this node's heartbeat row and its changed statistics; measures the clock offset. */
  private void nodeHeartbeat() {
    long before = WallClock.currentTimeMillis();
    long databaseNow =
        repository.heartbeat(
            new NodeInfo(
                nodeId,
                NodeIds.host(),
                ProcessHandle.current().pid(),
                registry.getRegisteredTypes().toArray(new String[0]),
                config.maxWorkers(),
                getActiveWorkerCount(),
                getIdleWorkerCount(),
                getStuckWorkerCount(),
                isListening()));
    long after = WallClock.currentTimeMillis();
    clockOffsetMillis = databaseNow - (before + after) / 2;
    saveStats();
  }

  /** Writes the minutes that changed; if the write fails they are marked changed again. */
  private void saveStats() {
    List<StatRow> rows = stats.changedRows();
    try {
      repository.saveStats(rows);
    } catch (RuntimeException e) {
      stats.unsaved(rows);
      throw e;
    }
  }

  private void leaveCluster() {
    try {
      saveStats();
      repository.removeNode(nodeId);
    } catch (RuntimeException e) {
      log.debug("Could not remove this node's heartbeat row: {}", e.getMessage());
    }
  }

  /** Deletes finished jobs past their retention, in batches, if no other node is at it. */
  private void prune() {
    long started = System.nanoTime();
    int deleted = 0;
    // One status per statement, so jobs_status_created_idx (status, created_at) finds the
    // candidates directly instead of walking every old row of other statuses.
    deleted += pruneStatus("completed", config.completedJobRetention(), started);
    deleted += pruneStatus("cancelled", config.completedJobRetention(), started);
    deleted += pruneStatus("failed", config.failedJobRetention(), started);
    repository.pruneMonitoring(MONITORING_RETENTION_MILLIS);
    if (deleted > 0) {
      log.info(
          "Pruned {} finished job(s) in {} ms",
          deleted,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
  }

  private int pruneStatus(String status, Duration retention, long started) {
    if (retention.isZero()) {
      return 0;
    }
    int total = 0;
    int batch = config.pruneBatchSize();
    while (state == State.RUNNING && System.nanoTime() - started < PRUNE_BUDGET_NANOS) {
      int deleted = repository.pruneFinished(status, retention.toMillis(), batch);
      if (deleted < 0) {
        break; // Another node is pruning.
      }
      total += deleted;
      if (deleted < batch) {
        break;
      }
    }
    return total;
  }

  /** This node's processing figures and totals. */
  StatsRecorder stats() {
    return stats;
  }

  private void rescue() {
    List<RescuedJob> rescued;
    do {
      rescued = repository.rescueExpired(RESCUE_BATCH);
      if (rescued.stream().anyMatch(job -> "pending".equals(job.status()))) {
        // They kept their place in the queue, ahead of what this pool has queued: claim them
        // now, however deep the local queue, and tell the other nodes to do the same.
        rescuedHere.set(true);
        wakeup.poke();
        repository.notifyNewJobs();
      }
      for (RescuedJob job : rescued) {
        log.warn(
            "Rescued job {} from node {} whose lease expired; it is now {}",
            job.id(),
            job.previousHolder(),
            job.status());
      }
    } while (rescued.size() == RESCUE_BATCH && state == State.RUNNING);
  }

  private void watchdog() {
    long now = System.nanoTime();
    for (Execution execution : held.values()) {
      // Self-fencing: if renewals have not got through (database unreachable, this JVM paused),
      // another node may rescue the job as soon as the lease runs out. Stop first.
      if (now - execution.leaseExpiresNanos() > 0 && execution.preempt(Execution.Preemption.LOST)) {
        ready.remove(execution);
        settle(execution);
        log.error(
            "Job {} (claim {}): this node could not renew its lease in time; the attempt was"
                + " abandoned so that no other node runs it at the same time",
            execution.id(),
            execution.job.token());
        continue;
      }
      if (execution.isRunning()
          && now - execution.deadlineNanos() > 0
          && execution.preempt(Execution.Preemption.TIMEOUT)) {
        String error = "timed out after " + execution.job.timeoutSeconds() + " s";
        putMdc(execution);
        try {
          log.warn("Job {} {}; its attempt was interrupted", execution.id(), error);
          recordFailure(
              execution,
              error,
              true,
              null,
              TimeUnit.NANOSECONDS.toMillis(now - execution.startedNanos()));
        } finally {
          clearMdc();
        }
      }
    }
    for (JobWorker worker : workers) {
      Execution current = worker.current();
      if (current != null
          && current.isPreempted()
          && now - current.preemptedNanos() > STUCK_GRACE_NANOS) {
        abandon(worker, current);
      }
    }
  }

  /** A handler ignored its interruption: give its slot to a fresh worker and report it. */
  private void abandon(JobWorker worker, Execution execution) {
    synchronized (scaling) {
      if (!workers.remove(worker)) {
        return;
      }
      abandoned.add(worker);
      if (state == State.RUNNING) {
        spawnWorker();
      }
    }
    log.error(
        "Worker {} has not returned from job {} a second after it was interrupted ({}); the"
            + " thread is abandoned and a new worker took its place",
        worker.getId(),
        execution.id(),
        execution.preemption());
  }

  // ---- shutdown -------------------------------------------------------------------------------

  private void releaseQueued() {
    List<Execution> queued = new ArrayList<>();
    Execution execution;
    while ((execution = ready.poll()) != null) {
      if (execution.preempt(Execution.Preemption.RELEASED)) {
        queued.add(execution);
      }
    }
    if (!queued.isEmpty()) {
      log.info("Giving {} claimed job(s) that never started back to pending", queued.size());
      releaseInDatabase(queued);
    }
  }

  private void releaseInDatabase(List<Execution> executions) {
    List<HeldJob> jobs = new ArrayList<>(executions.size());
    for (Execution execution : executions) {
      jobs.add(execution.held);
    }
    try {
      repository.release(nodeId, jobs);
    } catch (RuntimeException e) {
      log.warn(
          "Could not give {} job(s) back to pending; they will be rescued when their lease"
              + " expires: {}",
          jobs.size(),
          e.getMessage());
    }
    for (Execution released : executions) {
      settle(released);
    }
  }

  private boolean hasRunning() {
    for (Execution execution : held.values()) {
      int state = execution.state();
      if (state == Execution.RUNNING || state == Execution.COMMITTING) {
        return true;
      }
    }
    return false;
  }

  /**
   * Like {@link #guarded}, for a periodic task that can wait: after a failure it skips its runs for
   * a backoff that doubles from 100 ms up to {@link #MAX_BACKOFF_MILLIS}, so that an unreachable
   * database is not asked at the task's own rate. (Lease renewal is not one of them: it must not
   * wait, and it stops by itself once the node has given up its expired leases.)
   */
  private static Runnable backingOff(String what, Runnable task) {
    return guarded(what, task, true);
  }

  private static Runnable guarded(String what, Runnable task) {
    return guarded(what, task, false);
  }

  private static Runnable guarded(String what, Runnable task, boolean backOff) {
    FailureLog failures = new FailureLog(log, "Background " + what);
    Backoff backoff = new Backoff(100, MAX_BACKOFF_MILLIS);
    long[] notBefore = {0}; // when the next run may go, while backing off (System.nanoTime())
    return () -> {
      if (backOff && backoff.current() > 0 && System.nanoTime() - notBefore[0] < 0) {
        return;
      }
      try {
        task.run();
        failures.succeeded();
        backoff.reset();
      } catch (Throwable e) {
        long delay = backoff.next();
        notBefore[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
        failures.failed(
            backOff
                ? "it will run again in " + delay + " ms or later: " + e.getMessage()
                : "it will run again: " + e.getMessage());
      }
    };
  }

  private static void join(Thread thread, long millis) {
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
