package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.lifecycle.Loop;
import dev.jobqueue.internal.lifecycle.LoopService;
import dev.jobqueue.internal.store.ExecutionStore;
import dev.jobqueue.internal.store.HeldJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All lease logic of a node: when a lease ends by this JVM's clock, whether it has, and its
 * renewal. One statement renews the leases of every job the node holds, every third of the lease.
 *
 * <p>A lease's local end is counted from just before the claim or renewal that set it was sent,
 * after any wait for a pooled connection, so it never comes after the database's own expiry ({@code
 * now()} when the statement ran, plus the lease). A job whose renewal comes back without it was
 * cancelled or taken over: its attempt is preempted and nothing more is written for it.
 */
final class LeaseKeeper extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  private final ExecutionStore repository;
  private final String nodeId;
  private final HeldJobs held;
  private final long leaseMillis;
  private final long leaseNanos;
  private final long everyMillis;

  LeaseKeeper(ExecutionStore repository, String nodeId, Duration lease, HeldJobs held) {
    // No backoff beyond the renewal interval: a late renewal can cost the lease.
    super(
        Loop.named("leases")
            .logTo(log, "Lease renewal")
            .backoff(
                renewalIntervalMillis(lease.toMillis()), renewalIntervalMillis(lease.toMillis()))
            .initialDelay(renewalIntervalMillis(lease.toMillis())),
        2_000);
    this.repository = repository;
    this.nodeId = nodeId;
    this.held = held;
    this.leaseMillis = lease.toMillis();
    this.leaseNanos = lease.toNanos();
    this.everyMillis = renewalIntervalMillis(leaseMillis);
  }

  /** A third of the lease, at least 100 ms: a renewal may fail twice before the lease is lost. */
  static long renewalIntervalMillis(long leaseMillis) {
    return Math.max(100, leaseMillis / 3);
  }

  /**
   * When a lease set by a statement sent at {@code sentNanos} ends, by this JVM's clock.
   *
   * @param sentNanos {@code System.nanoTime()} just before the statement was sent
   */
  long endsAfter(long sentNanos) {
    return sentNanos + leaseNanos;
  }

  /**
   * When the statement that this thread began after {@code beforeNanos} was sent: the lease is
   * counted from then, not from before a wait for a connection (long, after an outage).
   */
  long sentSince(long beforeNanos) {
    return repository.sentSince(beforeNanos);
  }

  /** Whether {@code execution}'s lease has run out by this JVM's clock at {@code nowNanos}. */
  static boolean expired(Execution execution, long nowNanos) {
    return nowNanos - execution.leaseExpiresNanos() > 0;
  }

  @Override
  protected long runOnce() {
    long every = everyMillis;
    List<Execution> snapshot = new ArrayList<>(held.all());
    if (snapshot.isEmpty()) {
      return every;
    }
    List<HeldJob> jobs = new ArrayList<>(snapshot.size());
    for (Execution execution : snapshot) {
      jobs.add(execution.held);
    }
    long sent = System.nanoTime();
    Set<Long> kept = repository.extendLeases(nodeId, jobs, leaseMillis);
    sent = sentSince(sent);
    for (Execution execution : snapshot) {
      if (kept.contains(execution.job.id())) {
        execution.leaseRenewed(endsAfter(sent));
      } else if (execution.preempt(Execution.Preemption.LOST)) {
        held.drop(execution);
        log.warn(
            "Job {} (claim {}) is no longer held by this node: it was cancelled, or its lease"
                + " expired and it was rescued; its attempt was interrupted",
            execution.id(),
            execution.job.token());
      }
    }
    return every;
  }
}
