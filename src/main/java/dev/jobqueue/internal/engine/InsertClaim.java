package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.store.ClaimedJob;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A place held for one job that this node will claim in the statement that inserts it: an idle
 * worker of the job's queue that no queued job and no other such insert has been promised. The
 * enqueuer inserts the job with {@link #nodeId()} and {@link #leaseMillis()}; then either {@link
 * #claimed} hands the job to the worker, or {@link #cancel} gives the place back (the job was left
 * pending, or the insert failed). Exactly one of them must follow, once. <strong>Not API.</strong>
 */
public final class InsertClaim {
  private final LocalQueue local;
  private final HeldJobs held;
  private final LeaseKeeper leases;
  private final String nodeId;
  private final String[] types;
  private final long leaseMillis;
  private final AtomicBoolean ended = new AtomicBoolean();

  InsertClaim(
      LocalQueue local,
      HeldJobs held,
      LeaseKeeper leases,
      String nodeId,
      String[] types,
      long leaseMillis) {
    this.local = local;
    this.held = held;
    this.leases = leases;
    this.nodeId = nodeId;
    this.types = types;
    this.leaseMillis = leaseMillis;
  }

  /** {@return the node that claims the job: its {@code locked_by}} */
  public String nodeId() {
    return nodeId;
  }

  /**
   * {@return the types this node serves in the queue: due jobs of these come first} The array is
   * this promise's own, made for it; the caller only binds it.
   */
  public String[] types() {
    return types;
  }

  /** {@return the lease the insert grants, in milliseconds} */
  public long leaseMillis() {
    return leaseMillis;
  }

  /**
   * The insert committed the job leased to this node: a worker runs it now. If the queue stopped
   * claiming meanwhile, the job goes back to pending at once, as queued jobs do on shutdown.
   *
   * @param job the job as inserted
   * @param sentNanos {@code System.nanoTime()} just before the insert was sent: the lease counts
   *     from then
   */
  public void claimed(ClaimedJob job, long sentNanos) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    held.add(new Execution(job, leases.endsAfter(leases.sentSince(sentNanos)), local));
    local.unreserve();
    if (local.isClosed()) {
      held.releaseQueued(local);
    }
  }

  /** The job was left pending, or the insert failed: the place is free again. */
  public void cancel() {
    if (ended.compareAndSet(false, true)) {
      local.unreserve();
    }
  }
}
