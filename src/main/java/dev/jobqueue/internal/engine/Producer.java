package dev.jobqueue.internal.engine;

import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.store.ClaimedJob;
import dev.jobqueue.internal.store.ExecutionStore;
import java.util.List;
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

  private final JobQueueConfig config;
  private final JobHandlerRegistry registry;
  private final ExecutionStore repository;
  private final String nodeId;
  private final HeldJobs held;
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

  /** Set by a rescue here that gave jobs back to pending; the next claim catches up. */
  private final AtomicBoolean rescuedHere = new AtomicBoolean();

  /** When a notification last started catching up ({@code System.nanoTime()}; loop only). */
  private long lastAnnouncedCatchUp = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

  private boolean prepared;

  Producer(
      JobQueueConfig config,
      JobHandlerRegistry registry,
      ExecutionStore repository,
      String nodeId,
      HeldJobs held,
      WorkerSlots slots,
      LeaseKeeper leases,
      BooleanSupplier listening) {
    this(config, registry, repository, nodeId, held, slots, leases, listening, new Wakeup());
  }

  private Producer(
      JobQueueConfig config,
      JobHandlerRegistry registry,
      ExecutionStore repository,
      String nodeId,
      HeldJobs held,
      WorkerSlots slots,
      LeaseKeeper leases,
      BooleanSupplier listening,
      Wakeup wakeup) {
    super(
        Loop.named("poller")
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
    this.slots = slots;
    this.leases = leases;
    this.listening = listening;
    held.onSettled(this::settled);
  }

  /** Stops claiming, then gives the queued jobs that never started back to pending. */
  @Override
  public void stop(Deadline deadline) {
    super.stop(deadline);
    held.close();
    held.releaseQueued();
  }

  /** New jobs may be due: claim now rather than at the next poll. */
  void wakeUp() {
    wakeup.poke();
  }

  /** A notification announced new or given-back jobs. */
  void announced() {
    wakeup.signal();
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
    if (isRunning() && (held.queued() < slots.size() || catchingUp)) {
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
      prepared = true;
    }
    if (wakeup.takeTimedOut() && !listening.getAsBoolean()) {
      // Without LISTEN no notification announces jobs that other nodes rescued: each poll stands
      // in for one.
      wakeup.announce();
    }
    long poll = config.pollInterval().toMillis();
    List<String> types = registry.getRegisteredTypes();
    if (types.isEmpty()) {
      return poll;
    }
    if (rescuedHere.getAndSet(false)) {
      catchingUp = true;
    }
    int live = Math.max(1, slots.size());
    if (held.queued() >= live && !catchingUp) {
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
    int limit = claimLimit(live, slots.size(), held.size());
    if (limit <= 0) {
      return poll; // Settling a job pokes.
    }
    wakeup.takeAnnounced(); // This claim takes whatever a notification announced, oldest first.
    String[] typeArray = types.toArray(new String[0]);
    long sent = System.nanoTime();
    List<ClaimedJob> claimed =
        repository.claimAvailable(
            JobQueueConfig.DEFAULT_QUEUE,
            nodeId,
            typeArray,
            limit,
            config.leaseDuration().toMillis());
    long leaseEnds = leases.endsAfter(leases.sentSince(sent));
    for (ClaimedJob job : claimed) {
      held.add(new Execution(job, leaseEnds));
    }
    // A full claim that ends with a job given back may have left more of them behind: go on
    // claiming as room comes free. Otherwise none is left (they come first in the claim order,
    // within a priority), and claims wait for the low-water mark again.
    catchingUp = claimed.size() == limit && claimed.get(claimed.size() - 1).givenBack();
    if (!claimed.isEmpty()) {
      slots.grow();
      return claimed.size() == limit ? 0 : poll;
    }
    return repository
        .millisUntilNextDue(JobQueueConfig.DEFAULT_QUEUE, typeArray)
        // Due now but not claimable: other nodes hold the rows' locks for a moment.
        .map(millis -> Math.min(poll, Math.max(millis, MIN_WAIT_MILLIS)))
        .orElse(poll);
  }

  /**
   * How many jobs one claim may take: {@code maxJobsPerWorker} per worker, the one it runs plus
   * those queued for it, less what the pool holds; with room for one more worker's share while the
   * pool may still grow (claimed jobs that wait with no idle worker are what makes it grow, even
   * with {@code maxJobsPerWorker = 1}); and never more than {@value #MAX_CLAIM}.
   */
  private int claimLimit(int live, int workers, int holding) {
    int slots = live + (workers < config.maxWorkers() ? 1 : 0);
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
}
