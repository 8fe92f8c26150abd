package dev.jobqueue.internal.leader;

import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.Service;
import dev.jobqueue.internal.store.LeaderStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader among the nodes that share a schema, through a lease row in the database
 * ({@link LeaderStore}). Leader-only work (pruning, cleanup) runs only while {@link #isLeader()};
 * nothing else depends on it (every node rescues expired jobs). <strong>Not API.</strong>
 *
 * <p>On its {@link Loop} the elector runs one {@link LeaderStore#acquireOrRenew} statement per
 * iteration: the leader renews every third of the TTL; a follower tries again as often but at least
 * once a second, or right after the holder's lease runs out if that is sooner (the rules and their
 * bounds are in {@link LeaderLease}). A failing statement is retried with a backoff from 100 ms
 * (less for short TTLs) up to the follower interval (at most a second).
 *
 * <p>{@link #isLeader()} is true only while the <em>local</em> lease holds: counted on this JVM's
 * monotonic clock from just before the successful statement was sent, minus a margin, so it never
 * outlasts the database's. It needs no database call and no working loop: a leader whose loop is
 * stuck (database unreachable, JVM paused) stops leading by its own clock before another node can
 * take over.
 *
 * <p>The {@link Listener} hears of each change, on the loop's thread: {@code elected()} once per
 * term, {@code demoted()} once when the term ends — when a renewal finds another node holding the
 * row, when the elector notices that its local lease ran out (at its next attempt, at most a
 * follower interval after {@code isLeader()} turned false, or when its stuck statement returns), or
 * on {@link #stop}, then on the stopping thread. The calls never overlap.
 *
 * <p>{@link #stop} ends the loop, then resigns (deletes the row if this node holds it) so that a
 * follower takes over at its next attempt instead of after the expiry. Thread-safe.
 */
public final class LeaderElector implements Service {

  /** The one leadership for now; later features may elect leaders of their own. */
  public static final String DEFAULT_NAME = LeaderStore.DEFAULT_NAME;

  private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

  /** Told when this node becomes the leader and when it stops being one. */
  public interface Listener {
    /** This node became the leader: {@link #isLeader()} is true from now until its lease ends. */
    default void elected() {}

    /** This node stopped being the leader; {@link #isLeader()} was already false. */
    default void demoted() {}
  }

  /** The lease of the current term: its database start and its local end. */
  private record Term(Instant electedAt, long validUntilNanos) {}

  private final LeaderStore store;
  private final String name;
  private final String nodeId;
  private final LeaderLease lease;
  private final Listener listener;
  private final LongSupplier nanoTime;
  private final Loop loop;
  private final Object lifecycle = new Object();
  private final Object terms = new Object();
  private final AtomicLong attempts = new AtomicLong();
  private boolean started;
  private volatile boolean stopped;
  private volatile Term term;

  /**
   * An elector for the {@value #DEFAULT_NAME} leadership, on {@code System.nanoTime()}.
   *
   * @param store the lease row's store
   * @param nodeId this node's id, unique among live nodes
   * @param ttl how long a lease lasts on the database clock without renewal
   * @param listener told of elections and demotions
   */
  public LeaderElector(LeaderStore store, String nodeId, Duration ttl, Listener listener) {
    this(store, nodeId, ttl, listener, System::nanoTime);
  }

  /**
   * An elector for the {@value #DEFAULT_NAME} leadership, on a clock of the caller's.
   *
   * @param store the lease row's store
   * @param nodeId this node's id, unique among live nodes
   * @param ttl how long a lease lasts on the database clock without renewal, at least 30 ms
   * @param listener told of elections and demotions
   * @param nanoTime a monotonic clock in nanoseconds, like {@code System.nanoTime()}
   */
  public LeaderElector(
      LeaderStore store, String nodeId, Duration ttl, Listener listener, LongSupplier nanoTime) {
    this.store = Objects.requireNonNull(store, "store");
    this.name = DEFAULT_NAME;
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.lease = new LeaderLease(Objects.requireNonNull(ttl, "ttl"));
    this.listener = Objects.requireNonNull(listener, "listener");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    long retry = Math.max(1, lease.followerIntervalMillis());
    this.loop =
        Loop.named("leader", this::runOnce)
            .logTo(log, "Leader election")
            .backoff(Math.max(1, Math.min(100, retry / 10)), retry)
            .build();
  }

  @Override
  public String name() {
    return "leader";
  }

  @Override
  public void start() {
    synchronized (lifecycle) {
      if (started || stopped) {
        return;
      }
      started = true;
    }
    loop.start();
  }

  /**
   * Stops the loop, ends the term (telling the listener on this thread), then resigns if the
   * deadline has not passed: a failure to resign is logged at debug, and the lease then simply runs
   * out. After this {@link #isLeader()} is false.
   *
   * @param deadline when the whole shutdown must be over
   */
  @Override
  public void stop(Deadline deadline) {
    boolean wasStarted;
    synchronized (lifecycle) {
      if (stopped) {
        return;
      }
      stopped = true; // isLeader() is false from here on.
      wasStarted = started;
    }
    loop.stop(deadline);
    synchronized (terms) {
      if (term != null) {
        demote(false, "it is stopping");
      }
    }
    if (!wasStarted) {
      return;
    }
    if (deadline.passed()) {
      log.debug("Node {} did not resign the leader lease: the shutdown deadline passed", nodeId);
      return;
    }
    try {
      if (store.resign(name, nodeId)) {
        log.debug("Node {} resigned the leader lease", nodeId);
      }
    } catch (RuntimeException e) {
      log.debug("Node {} could not resign the leader lease: {}", nodeId, e.toString());
    }
  }

  /**
   * Whether this node leads now: its local lease holds, and the elector was not stopped. No
   * database call; a leader-only task checks it before each step.
   *
   * @return true while this node is the leader
   */
  public boolean isLeader() {
    return holds(term);
  }

  /**
   * When the current term began on the database clock; it stays the same across renewals, so a
   * leader-only task can tell one term from the next.
   *
   * @return the term's start while {@link #isLeader()}, else empty
   */
  public Optional<Instant> electedAt() {
    Term current = term;
    return holds(current) ? Optional.of(current.electedAt()) : Optional.empty();
  }

  private boolean holds(Term current) {
    return current != null
        && !stopped
        && LeaderLease.validAt(current.validUntilNanos(), nanoTime.getAsLong());
  }

  /**
   * Who leads according to the database: the holder of an unexpired lease row. One statement, for
   * the health check.
   *
   * @return the leader's node id, or empty when no node holds a live lease
   * @throws dev.jobqueue.JobStoreException if the database fails
   */
  public Optional<String> leaderNodeId() {
    return leaderLease().filter(h -> !h.expired()).map(LeaderStore.Holder::nodeId);
  }

  /**
   * The lease row as the database has it, expired or not. One statement, for the health check.
   *
   * @return the row, or empty when there is none
   * @throws dev.jobqueue.JobStoreException if the database fails
   */
  public Optional<LeaderStore.Holder> leaderLease() {
    return store.current(name);
  }

  /**
   * This node's id, as written in the lease row.
   *
   * @return the node id
   */
  public String nodeId() {
    return nodeId;
  }

  /**
   * Why the election fails, when its statement has failed {@code atLeast} times in a row.
   *
   * @param atLeast the shortest streak reported
   * @return the streak, or empty
   */
  public Optional<String> failing(int atLeast) {
    return loop.failing(atLeast);
  }

  /** How many statements the loop has run, successful or not: for tests. */
  long attempts() {
    return attempts.get();
  }

  /** The local end of the current term's lease, on the elector's clock: for tests. */
  OptionalLong localLeaseEnd() {
    Term current = term;
    return current == null ? OptionalLong.empty() : OptionalLong.of(current.validUntilNanos());
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private long runOnce() {
    lapseIfOver(nanoTime.getAsLong(), "no renewal got through in time");
    long sent = nanoTime.getAsLong();
    LeaderStore.Attempt attempt;
    try {
      attempt = store.acquireOrRenew(name, nodeId, lease.ttlMillis());
    } catch (RuntimeException e) {
      lapseIfOver(nanoTime.getAsLong(), "its renewals failed (" + e.getMessage() + ")");
      throw e; // The loop logs the streak and backs off.
    } finally {
      attempts.incrementAndGet();
    }
    long now = nanoTime.getAsLong();
    if (attempt.leading()) {
      lead(attempt.electedAt(), lease.validUntil(sent), now);
      return isLeader() ? lease.leaderDelayMillis(sent, now) : 0;
    }
    follow(attempt);
    long remaining = attempt.nodeId() == null ? -1 : Math.max(0, attempt.remainingMillis());
    return lease.followerDelayMillis(remaining);
  }

  /** The database granted or renewed the lease; {@code validUntil} is its local end. */
  private void lead(Instant electedAt, long validUntil, long now) {
    synchronized (terms) {
      if (stopped) {
        return;
      }
      Term current = term;
      if (!LeaderLease.validAt(validUntil, now)) {
        // The statement took longer than the lease: the database still counts this node as the
        // leader, but locally the lease is over already. The loop tries again at once.
        if (current != null) {
          demote(true, "its renewal took longer than the lease");
        }
        return;
      }
      if (current != null
          && !(LeaderLease.validAt(current.validUntilNanos(), now)
              && current.electedAt().equals(electedAt))) {
        // The old lease ran out while the statement ran, or the database began a new term: for
        // a moment this node did not lead, and a task must hear of it.
        demote(true, "its lease ran out before the renewal came back");
        current = null;
      }
      term = new Term(electedAt, validUntil);
      if (current == null) {
        log.info(
            "Node {} is now the leader (lease {} ms, renewed every {} ms)",
            nodeId,
            lease.ttlMillis(),
            lease.intervalMillis());
        tell(true);
      }
    }
  }

  /** Another node holds the lease. */
  private void follow(LeaderStore.Attempt attempt) {
    synchronized (terms) {
      if (term != null) {
        demote(
            true,
            attempt.nodeId() == null
                ? "another node holds the lease"
                : "node " + attempt.nodeId() + " holds the lease until " + attempt.expiresAt());
      }
    }
  }

  /** Ends the term if its local lease has run out by {@code now}. */
  private void lapseIfOver(long now, String why) {
    synchronized (terms) {
      Term current = term;
      if (current != null && !LeaderLease.validAt(current.validUntilNanos(), now)) {
        demote(true, "its lease ran out by its own clock: " + why);
      }
    }
  }

  /** Ends the current term; the caller holds {@link #terms}. */
  private void demote(boolean warn, String why) {
    term = null;
    if (warn) {
      log.warn("Node {} is no longer the leader: {}", nodeId, why);
    } else {
      log.info("Node {} is no longer the leader: {}", nodeId, why);
    }
    tell(false);
  }

  private void tell(boolean elected) {
    try {
      if (elected) {
        listener.elected();
      } else {
        listener.demoted();
      }
    } catch (RuntimeException e) {
      log.warn(
          "The leader listener of node {} failed in {}(): {}",
          nodeId,
          elected ? "elected" : "demoted",
          e.toString());
    }
  }
}
