package dev.jobqueue.internal.engine;

import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.store.ClaimedJob;
import dev.jobqueue.internal.store.Claims;
import dev.jobqueue.internal.store.ExecutionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim loop, and the only caller of the claim statement ({@link
 * ExecutionStore#claimAvailable}): it fetches only as many due jobs as the pool has room for, into
 * the local queue the workers take from.
 *
 * <p>It claims when the local queue runs low (fewer queued jobs than workers), so that claims come
 * in batches, and waits otherwise until woken: by a worker when the queue runs low, by a settled
 * job, by a job created in this JVM, by a notification, or after {@code pollInterval}. It also
 * claims whenever it has room while it is {@linkplain #catchingUp catching up}: after a rescue, and
 * at most every {@link #catchUpGapNanos()} after a notification. Jobs a rescue took back keep their
 * {@code run_at}, so they are claimed first, and they run before this pool's queued jobs: a deep
 * local queue does not delay them. On stop it gives the queued jobs that never started back to
 * pending.
 */
final class Producer extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(Producer.class);
  private static final int MAX_CLAIM = 1_000;
  private static final long MIN_WAIT_MILLIS = 25;
  private static final long STOP_MILLIS = 5_000;
  private static final long LIMITED_RECHECK_MILLIS = 100;
  private static final Integer NO_KEY_LIMIT = 0;

  private final JobQueueConfig config;
  private final JobHandlerRegistry registry;
  private final ExecutionStore repository;
  private final String nodeId;
  private final HeldJobs held;
  private final LocalQueue local;
  private final String queue;
  private final WorkerSlots slots;
  private final LeaseKeeper leases;
  private final BooleanSupplier listening;
  private final Wakeup wakeup;

  /**
   * Jobs given back by a rescue may be waiting in the database (a rescue here took them back, a
   * notification may announce one elsewhere, or the last claim was full of them): claim whenever
   * the pool has room, however deep the local queue, until a claim comes back short or ends with a
   * job claimed for the first time.
   */
  private volatile boolean catchingUp;

  /** Set when the queue may have been paused: the next iteration looks before anything else. */
  private final AtomicBoolean pauseCheck = new AtomicBoolean();

  /** Set by a rescue here that gave jobs back to pending; the next claim catches up. */
  private final AtomicBoolean rescuedHere = new AtomicBoolean();

  /** When a notification last started catching up ({@code System.nanoTime()}; loop only). */
  private long lastAnnouncedCatchUp = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

  private boolean prepared;

  /**
   * Whether the queue had limits at the last look (its own, or a handler's per-key limit): then
   * claims take their turn with the other nodes'. Loop only.
   */
  private boolean limited;

  /** The per-key limit of each type's handler; {@link #NO_KEY_LIMIT} when it sets none. */
  private final Map<String, Integer> keyLimitByType = new ConcurrentHashMap<>();

  private final Runnable declare;

  Producer(
      JobQueueConfig config,
      JobHandlerRegistry registry,
      ExecutionStore repository,
      String nodeId,
      HeldJobs held,
      LocalQueue local,
      WorkerSlots slots,
      LeaseKeeper leases,
      BooleanSupplier listening,
      Runnable declare) {
    this(
        config,
        registry,
        repository,
        nodeId,
        held,
        local,
        slots,
        leases,
        listening,
        declare,
        new Wakeup());
  }

  private Producer(
      JobQueueConfig config,
      JobHandlerRegistry registry,
      ExecutionStore repository,
      String nodeId,
      HeldJobs held,
      LocalQueue local,
      WorkerSlots slots,
      LeaseKeeper leases,
      BooleanSupplier listening,
      Runnable declare,
      Wakeup wakeup) {
    super(
        Loop.named(
                local.name().equals(JobQueueConfig.DEFAULT_QUEUE)
                    ? "poller"
                    : "poller-" + local.name())
            .logTo(log, "Claiming jobs")
            .backoff(100, Math.max(5_000, config.pollInterval().toMillis() * 4 + 100))
            .signal(wakeup),
        STOP_MILLIS);
    this.wakeup = wakeup;
    this.config = config;
    this.registry = registry;
    this.repository = repository;
    this.nodeId = nodeId;
    this.held = held;
    this.local = local;
    this.queue = local.name();
    this.slots = slots;
    this.leases = leases;
    this.listening = listening;
    this.declare = declare;
    local.onSettled(this::settled);
  }

  /** Stops claiming, then gives the queued jobs that never started back to pending. */
  @Override
  public void stop(Deadline deadline) {
    super.stop(deadline);
    local.close();
    held.releaseQueued(local);
  }

  /** New jobs may be due: claim now rather than at the next poll. */
  void wakeUp() {
    wakeup.poke();
  }

  /** A notification announced new or given-back jobs. */
  void announced() {
    wakeup.signal();
  }

  /** The queue was paused: give back the jobs that wait here, and claim no more. */
  void paused() {
    pauseCheck.set(true);
    wakeup.poke();
  }

  /** A rescue on this node gave jobs back to pending: claim them now. */
  void rescued() {
    rescuedHere.set(true);
    wakeup.poke();
  }

  /** A worker took a job and the queue runs low. */
  void queueLow() {
    wakeup.poke();
  }

  /** A held job was settled: room for another, claimed if the queue runs low or catching up. */
  private void settled() {
    if (isRunning() && (local.size() < slots.size() || catchingUp)) {
      wakeup.poke();
    }
  }

  /**
   * One iteration: claims what the pool has room for, and returns how long to wait before claiming
   * again unless woken earlier: 0 when the claim came back full (there may be more), the time until
   * the next pending job falls due when nothing was due (a retry or a scheduled job: no
   * notification announces those), and {@code pollInterval} otherwise.
   */
  @Override
  protected long runOnce() {
    if (!prepared) {
      prepareHandlers();
      declare.run(); // Retried by the loop's backoff until it gets through.
      prepared = true;
    }
    if (wakeup.takeTimedOut() && !listening.getAsBoolean()) {
      // Without LISTEN no notification announces jobs that other nodes rescued, or a pause: each
      // poll stands in for one.
      wakeup.announce();
      pauseCheck.set(local.size() > 0);
    }
    long poll = config.pollInterval().toMillis();
    List<String> types = registry.getRegisteredTypes();
    if (types.isEmpty()) {
      return poll;
    }
    String[] typeArray = types.toArray(new String[0]);
    if (pauseCheck.getAndSet(false)
        && repository.nextDue(queue, typeArray).state() == Claims.QueueState.PAUSED) {
      return afterState(Claims.QueueState.PAUSED, poll);
    }
    if (rescuedHere.getAndSet(false)) {
      catchingUp = true;
    }
    int live = Math.max(1, slots.size());
    if (local.size() >= live && !catchingUp) {
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
    Integer[] keyLimits = keyLimits(types);
    limited |= anyKeyLimit(keyLimits); // A handler's per-key limit needs the limited claim.
    int limit = claimLimit(live, slots.size(), local.held());
    if (limit <= 0) {
      return poll; // Settling a job pokes.
    }
    wakeup.takeAnnounced(); // This claim takes whatever a notification announced, oldest first.
    Claimed claim =
        claim(typeArray, keyLimits, limited, limit, slots.bounds().max() - local.held());
    Claims.Result result = claim.result();
    List<ClaimedJob> claimed = result.jobs();
    // A full claim that ends with a job given back may have left more of them behind: go on
    // claiming as room comes free. Otherwise none is left (they come first in the claim order,
    // within a priority), and claims wait for the low-water mark again.
    catchingUp = claimed.size() == limit && claimed.get(claimed.size() - 1).givenBack();
    if (!claimed.isEmpty()) {
      slots.grow();
      return claimed.size() == limit ? 0 : limited ? Math.min(poll, LIMITED_RECHECK_MILLIS) : poll;
    }
    if (result.state() != Claims.QueueState.OPEN || limited) {
      return afterState(result.state(), poll);
    }
    Claims.Due due = repository.nextDue(queue, typeArray);
    if (due.state() != Claims.QueueState.OPEN) {
      return afterState(due.state(), poll);
    }
    return due.millis()
        // Due now but not claimable: other nodes hold the rows' locks for a moment.
        .map(millis -> Math.min(poll, Math.max(millis, MIN_WAIT_MILLIS)))
        .orElse(poll);
  }

  /**
   * The drain's claim: claims up to {@code limit} due jobs of this queue with the parameters of
   * {@link #runOnce} (this node, the registered types, the handlers' per-key limits, the lease) and
   * holds them, for a {@link Drain} that runs them on its own thread. Only while the loop is
   * stopped, so the loop's own state is neither read nor changed. A queue claimed the wrong way
   * (open or limited) is claimed again the right way, as the loop does on its next iteration; a
   * paused queue gives nothing.
   *
   * @return the held executions, in claim order, taken out of the local queue (no worker runs them)
   * @throws IllegalStateException if the loop runs
   */
  List<Execution> claimForDrain(int limit) {
    if (isRunning()) {
      throw new IllegalStateException("the poller of queue " + queue + " runs: it claims the jobs");
    }
    List<String> types = registry.getRegisteredTypes();
    if (types.isEmpty() || limit <= 0) {
      return List.of();
    }
    String[] typeArray = types.toArray(new String[0]);
    Integer[] keyLimits = keyLimits(types);
    boolean byKey = anyKeyLimit(keyLimits);
    Claimed claim = claim(typeArray, keyLimits, byKey, limit, limit);
    if (claim.executions().isEmpty()) {
      Claims.QueueState state =
          byKey ? claim.result().state() : repository.nextDue(queue, typeArray).state();
      if ((state == Claims.QueueState.LIMITED) != byKey && state != Claims.QueueState.PAUSED) {
        claim = claim(typeArray, keyLimits, !byKey, limit, limit);
      }
    }
    for (Execution execution : claim.executions()) {
      local.remove(execution); // Run by the drain's thread, not by a worker.
    }
    return claim.executions();
  }

  /** A claim's answer, and its jobs held by this node. */
  private record Claimed(Claims.Result result, List<Execution> executions) {}

  /**
   * The claim statement, its lease counted from when it was sent, and its jobs held: the one place
   * the loop and the drain claim through.
   */
  private Claimed claim(
      String[] typeArray, Integer[] keyLimits, boolean limited, int limit, int room) {
    long sent = System.nanoTime();
    Claims.Result result =
        repository.claimAvailable(
            queue,
            nodeId,
            typeArray,
            keyLimits,
            limited,
            limit,
            room,
            config.leaseDuration().toMillis());
    long leaseEnds = leases.endsAfter(leases.sentSince(sent));
    List<Execution> executions = new ArrayList<>(result.jobs().size());
    for (ClaimedJob job : result.jobs()) {
      Execution execution = new Execution(job, leaseEnds, local);
      held.add(execution);
      executions.add(execution);
    }
    return new Claimed(result, executions);
  }

  private static boolean anyKeyLimit(Integer[] keyLimits) {
    for (Integer keyLimit : keyLimits) {
      if (keyLimit != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a job of this queue is due now by the database clock, and the queue is not paused: the
   * statement the loop asks when a claim took nothing.
   */
  boolean anyDue() {
    List<String> types = registry.getRegisteredTypes();
    if (types.isEmpty()) {
      return false;
    }
    Claims.Due due = repository.nextDue(queue, types.toArray(new String[0]));
    return due.state() != Claims.QueueState.PAUSED
        && due.millis().filter(ms -> ms <= 0).isPresent();
  }

  /**
   * The wait after a claim that took nothing, by the queue's state: a paused queue gives back the
   * jobs that wait here for a worker, and waits for its resume (a notification, or the next poll);
   * a queue found limited, or found no longer limited, is claimed again at once the other way; a
   * limited queue whose limits leave no room looks again soon, or as soon as one of its jobs here
   * is settled.
   */
  private long afterState(Claims.QueueState state, long poll) {
    switch (state) {
      case PAUSED:
        held.releaseQueued(local);
        return poll;
      case OPEN:
        limited = false;
        return 0;
      default:
        if (!limited) {
          limited = true;
          return 0;
        }
        return Math.min(poll, LIMITED_RECHECK_MILLIS);
    }
  }

  /** Per type, its handler's own per-key limit, or null for the queue's; read once per type. */
  private Integer[] keyLimits(List<String> types) {
    Integer[] limits = new Integer[types.size()];
    for (int i = 0; i < limits.length; i++) {
      limits[i] =
          keyLimitByType.computeIfAbsent(
              types.get(i),
              type ->
                  registry
                      .policy(type)
                      .map(policy -> policy.maxRunningPerKey())
                      .filter(OptionalInt::isPresent)
                      .map(OptionalInt::getAsInt)
                      .orElse(NO_KEY_LIMIT));
      if (limits[i] == 0) {
        limits[i] = null;
      }
    }
    return limits;
  }

  /**
   * How many jobs one claim may take: {@code maxJobsPerWorker} per worker, the one it runs plus
   * those queued for it, less what the pool holds; with room for one more worker's share while the
   * pool may still grow (claimed jobs that wait with no idle worker are what makes it grow, even
   * with {@code maxJobsPerWorker = 1}); and never more than {@value #MAX_CLAIM}.
   */
  private int claimLimit(int live, int workers, int holding) {
    int slots = live + (workers < this.slots.bounds().max() ? 1 : 0);
    return Math.min(MAX_CLAIM, slots * config.maxJobsPerWorker() - holding);
  }

  /**
   * How often a notification may make a pool with a deep local queue claim: an eighth of {@code
   * rescueInterval}, so that jobs another node rescued are claimed well within the interval, and a
   * stream of notifications for new jobs costs at most eight extra claims per interval.
   */
  private long catchUpGapNanos() {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(10), config.rescueInterval().toNanos() / 8);
  }

  /**
   * Builds every handler's payload reader before the first claim. Built on a job's first run
   * instead, it held up a fresh node's first jobs, the orphans it took over among them, by 0.3 s on
   * a quiet machine and more on a busy one.
   */
  private void prepareHandlers() {
    Json.prepareAll(registry, Json::prepareLenient);
  }
}
