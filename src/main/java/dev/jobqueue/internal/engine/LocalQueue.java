package dev.jobqueue.internal.engine;

import dev.jobqueue.internal.store.ClaimOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The claimed jobs of one queue that wait for one of its workers, in {@link ClaimOrder#LOCAL} even
 * across claims. Its producer fills it, its workers take from it, and it tells its producer when a
 * job of the queue is settled. Thread-safe.
 */
final class LocalQueue {
  private final String name;
  private final PriorityBlockingQueue<Execution> ready =
      new PriorityBlockingQueue<>(
          64, Comparator.comparing((Execution e) -> e.job, ClaimOrder.LOCAL));

  /** How many jobs of this queue the node holds, queued or running. */
  private final AtomicInteger held = new AtomicInteger();

  /** Idle workers promised to jobs being inserted already claimed (see InsertClaim). */
  private final AtomicInteger reserved = new AtomicInteger();

  /** Set when claiming has stopped: workers take no more jobs from the queue. */
  private volatile boolean closed;

  /** Told whenever a job of this queue is settled: the producer may claim another. */
  private volatile Runnable onSettled = () -> {};

  LocalQueue(String name) {
    this.name = name;
  }

  /** {@return the queue's name} */
  String name() {
    return name;
  }

  void onSettled(Runnable callback) {
    this.onSettled = callback;
  }

  /** A job of this queue was claimed: held, and waiting for a worker. */
  void add(Execution execution) {
    held.incrementAndGet();
    ready.add(execution);
  }

  /** {@return how many jobs of this queue the node holds, queued or running} */
  int held() {
    return held.get();
  }

  /**
   * Promises one of {@code idle} idle workers to a job about to be inserted claimed, unless every
   * one is taken by a queued job or another such promise.
   *
   * @param idle the queue's idle workers now
   * @return whether a worker was promised
   */
  boolean reserve(int idle) {
    int free = idle - ready.size();
    while (true) {
      int taken = reserved.get();
      if (closed || taken >= free) {
        return false;
      }
      if (reserved.compareAndSet(taken, taken + 1)) {
        return true;
      }
    }
  }

  /** A promise of {@link #reserve} is kept or given up. */
  void unreserve() {
    reserved.decrementAndGet();
  }

  /** The next queued job, waiting up to {@code millis}; null if none came or it is closed. */
  Execution take(long millis) throws InterruptedException {
    return closed ? null : ready.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** Claiming has stopped: no worker starts another queued job. */
  void close() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  /** How many jobs wait for a worker. */
  int size() {
    return ready.size();
  }

  void remove(Execution execution) {
    ready.remove(execution);
  }

  /** Takes every waiting job out. */
  List<Execution> drain() {
    List<Execution> all = new ArrayList<>();
    ready.drainTo(all);
    return all;
  }

  /** A job of this queue was settled: no longer held. */
  void settled() {
    held.decrementAndGet();
    onSettled.run();
  }
}
