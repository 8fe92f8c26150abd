package dev.jobqueue.internal;

import dev.jobqueue.AttemptOutcome;
import dev.jobqueue.ProcessingStats;
import dev.jobqueue.internal.store.StatRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Counts this node's finished attempts per queue, job type and minute, for {@link ProcessingStats},
 * the health check and the {@code job_stats} table. Snoozed attempts are not counted: they are
 * neither a success nor a failure, and {@code processed} stays {@code succeeded + failed +
 * retried}. Minutes are on the database clock: {@code clock} is this JVM's clock corrected by the
 * offset the node heartbeat measures.
 *
 * <p>Thread-safe; recording takes one short lock per queue and job type. <strong>Not API.</strong>
 */
public final class StatsRecorder {
  private static final long MINUTE = 60_000;

  /** What the figures are kept by: a queue and a job type. */
  private record Key(String queue, String type) {}

  private final String nodeId;
  private final LongSupplier clock;
  private final Map<Key, TypeRing> rings = new ConcurrentHashMap<>();
  private final AtomicLong totalProcessed = new AtomicLong();
  private final AtomicLong totalMillis = new AtomicLong();

  /**
   * A recorder for one node.
   *
   * @param nodeId the node
   * @param clock the database clock as seen from this JVM, in epoch milliseconds
   */
  public StatsRecorder(String nodeId, LongSupplier clock) {
    this.nodeId = nodeId;
    this.clock = clock;
  }

  /**
   * Counts one finished attempt; a snoozed one is left out.
   *
   * @param queue the queue the job ran in
   * @param type the job type
   * @param outcome how it ended
   * @param millis how long it ran
   */
  public void record(String queue, String type, AttemptOutcome outcome, long millis) {
    if (outcome == AttemptOutcome.SNOOZED) {
      return;
    }
    rings
        .computeIfAbsent(new Key(queue, type), k -> new TypeRing())
        .record(clock.getAsLong(), outcome, millis);
    totalProcessed.incrementAndGet();
    totalMillis.addAndGet(millis);
  }

  /**
   * Attempts finished on this node since it started.
   *
   * @return the count
   */
  public long totalProcessed() {
    return totalProcessed.get();
  }

  /**
   * The mean duration of those attempts.
   *
   * @return milliseconds, 0 before the first
   */
  public long averageMillis() {
    long processed = totalProcessed.get();
    return processed == 0 ? 0 : Math.round((double) totalMillis.get() / processed);
  }

  /**
   * This node's figures over the last 15 minutes.
   *
   * @return the figures
   */
  public ProcessingStats.Scope snapshot() {
    return Stats.aggregate(rows(false), clock.getAsLong());
  }

  /**
   * The minutes that changed since the last call, to be written to {@code job_stats}.
   *
   * @return the rows
   */
  public List<StatRow> changedRows() {
    return rows(true);
  }

  /**
   * A write of {@code rows} failed: mark their minutes changed again, so the next one retries.
   *
   * @param rows the rows not written
   */
  public void unsaved(List<StatRow> rows) {
    for (StatRow row : rows) {
      TypeRing ring = rings.get(new Key(row.queue(), row.type()));
      if (ring != null) {
        ring.markChanged(row.minuteMillis());
      }
    }
  }

  private List<StatRow> rows(boolean onlyChanged) {
    List<StatRow> rows = new ArrayList<>();
    rings.forEach((key, ring) -> ring.collect(nodeId, key, onlyChanged, rows));
    return rows;
  }

  /**
   * The last {@value Stats#WINDOW_MINUTES} minutes of one type in one queue, as a ring of minute
   * slots.
   */
  private static final class TypeRing {
    private final Minute[] slots = new Minute[Stats.WINDOW_MINUTES + 1];

    synchronized void record(long now, AttemptOutcome outcome, long millis) {
      long minute = Math.floorDiv(now, MINUTE) * MINUTE;
      int index = (int) Math.floorMod(minute / MINUTE, (long) slots.length);
      Minute slot = slots[index];
      if (slot == null || slot.start != minute) {
        slot = new Minute(minute);
        slots[index] = slot;
      }
      slot.processed++;
      switch (outcome) {
        case SUCCEEDED -> slot.succeeded++;
        case FAILED -> slot.failed++;
        case RETRIED -> slot.retried++;
      }
      slot.totalMillis += millis;
      slot.maxMillis = Math.max(slot.maxMillis, millis);
      slot.histogram[Stats.bucket(millis)]++;
      slot.changed = true;
    }

    synchronized void markChanged(long minute) {
      for (Minute slot : slots) {
        if (slot != null && slot.start == minute) {
          slot.changed = true;
        }
      }
    }

    synchronized void collect(String nodeId, Key key, boolean onlyChanged, List<StatRow> out) {
      for (Minute slot : slots) {
        if (slot == null || (onlyChanged && !slot.changed)) {
          continue;
        }
        if (onlyChanged) {
          slot.changed = false;
        }
        out.add(
            new StatRow(
                slot.start,
                nodeId,
                key.queue(),
                key.type(),
                slot.processed,
                slot.succeeded,
                slot.failed,
                slot.retried,
                slot.totalMillis,
                slot.maxMillis,
                slot.histogram.clone()));
      }
    }
  }

  private static final class Minute {
    final long start;
    long processed;
    long succeeded;
    long failed;
    long retried;
    long totalMillis;
    long maxMillis;
    final long[] histogram = new long[Stats.BUCKETS];
    boolean changed;

    Minute(long start) {
      this.start = start;
    }
  }
}
