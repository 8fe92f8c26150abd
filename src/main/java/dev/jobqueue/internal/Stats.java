package dev.jobqueue.internal;

import dev.jobqueue.ProcessingStats;
import dev.jobqueue.TypeStats;
import dev.jobqueue.internal.store.StatRow;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns per-minute rows into {@link TypeStats}, overall, per job type and per queue: the same
 * arithmetic for one node's rows (from memory) and for the cluster's (from {@code job_stats}).
 *
 * <p>Handler times go into {@value #BUCKETS} buckets: bucket 0 holds times under 1 ms, and bucket
 * {@code i ≥ 1} holds times in {@code [2^((i-1)/4), 2^(i/4))} ms, four buckets per power of two, so
 * a percentile read as its bucket's upper bound is at most 19% high. The last bucket holds
 * everything above about 2^24.75 ms (7.6 hours).
 */
public final class Stats {

  /** How many histogram buckets a row has. */
  public static final int BUCKETS = 100;

  /** How many minutes the figures cover. */
  public static final int WINDOW_MINUTES = 15;

  private static final long MINUTE = 60_000;

  private Stats() {}

  /**
   * The histogram bucket of a handler time.
   *
   * @param millis the time
   * @return 0 to {@code BUCKETS - 1}
   */
  public static int bucket(long millis) {
    if (millis < 1) {
      return 0;
    }
    int index = 1 + (int) Math.floor(4 * (Math.log(millis) / Math.log(2)));
    return Math.min(index, BUCKETS - 1);
  }

  /**
   * The largest time a bucket holds (its exclusive upper bound).
   *
   * @param bucket the bucket
   * @return milliseconds
   */
  static long upperBound(int bucket) {
    return bucket == 0 ? 1 : (long) Math.ceil(Math.pow(2, bucket / 4.0));
  }

  /**
   * Sums rows into a scope's figures for the {@value #WINDOW_MINUTES} minutes ending at {@code
   * nowMillis}; rows outside that window are ignored.
   *
   * @param rows per-minute rows, any nodes, queues and types
   * @param nowMillis now, epoch milliseconds on the clock the rows' minutes use
   * @return the figures, overall, per type and per queue
   */
  public static ProcessingStats.Scope aggregate(Iterable<StatRow> rows, long nowMillis) {
    long currentMinute = Math.floorDiv(nowMillis, MINUTE) * MINUTE;
    Totals overall = new Totals();
    Map<String, Totals> byType = new HashMap<>();
    Map<String, Totals> byQueue = new HashMap<>();
    for (StatRow row : rows) {
      long minutesAgo = (currentMinute - row.minuteMillis()) / MINUTE;
      if (minutesAgo < 0 || minutesAgo >= WINDOW_MINUTES) {
        continue;
      }
      overall.add(row, (int) minutesAgo);
      byType.computeIfAbsent(row.type(), t -> new Totals()).add(row, (int) minutesAgo);
      byQueue.computeIfAbsent(row.queue(), q -> new Totals()).add(row, (int) minutesAgo);
    }
    double intoMinute = Math.max(1, (nowMillis - currentMinute) / 1000.0);
    return new ProcessingStats.Scope(
        overall.toStats(intoMinute), figures(byType, intoMinute), figures(byQueue, intoMinute));
  }

  private static Map<String, TypeStats> figures(Map<String, Totals> totals, double intoMinute) {
    Map<String, TypeStats> figures = new HashMap<>();
    totals.forEach((key, sums) -> figures.put(key, sums.toStats(intoMinute)));
    return figures;
  }

  /** Running sums for one scope, type or queue. */
  private static final class Totals {
    private long processed;
    private long succeeded;
    private long failed;
    private long retried;
    private long totalMillis;
    private long maxMillis;
    private final long[] histogram = new long[BUCKETS];
    private long currentMinute;
    private long previousMinute;
    private long last5m;

    void add(StatRow row, int minutesAgo) {
      processed += row.processed();
      succeeded += row.succeeded();
      failed += row.failed();
      retried += row.retried();
      totalMillis += row.totalMillis();
      maxMillis = Math.max(maxMillis, row.maxMillis());
      long[] source = row.histogram();
      for (int i = 0; i < Math.min(source.length, BUCKETS); i++) {
        histogram[i] += source[i];
      }
      if (minutesAgo == 0) {
        currentMinute += row.processed();
      } else if (minutesAgo == 1) {
        previousMinute += row.processed();
      }
      if (minutesAgo < 5) {
        last5m += row.processed();
      }
    }

    TypeStats toStats(double secondsIntoMinute) {
      return new TypeStats(
          processed,
          succeeded,
          failed,
          retried,
          processed == 0 ? 0 : Math.round((double) totalMillis / processed),
          percentile(0.50),
          percentile(0.95),
          maxMillis,
          // The last 60 s: this minute so far, plus the share of the previous minute that
          // falls inside the window (assuming its attempts were spread evenly).
          (currentMinute + previousMinute * Math.max(0, 60 - secondsIntoMinute) / 60.0) / 60.0,
          last5m / (4 * 60 + secondsIntoMinute),
          processed / ((WINDOW_MINUTES - 1) * 60 + secondsIntoMinute));
    }

    private long percentile(double fraction) {
      long count = 0;
      for (long bucket : histogram) {
        count += bucket;
      }
      if (count == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(fraction * count);
      long seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= rank) {
          return Math.min(upperBound(i), maxMillis);
        }
      }
      return maxMillis;
    }
  }

  /**
   * Fills in every status for every type, and sums them by status: what {@code getJobMetrics()}
   * reports.
   *
   * @param byType counts by type, then status wire name, as read
   * @param complete receives the counts by type with every status present
   * @return the counts by status, every status present
   */
  public static Map<String, Long> byStatus(
      Map<String, Map<String, Long>> byType, Map<String, Map<String, Long>> complete) {
    Map<String, Long> byStatus = new java.util.TreeMap<>();
    for (dev.jobqueue.JobStatus status : dev.jobqueue.JobStatus.values()) {
      byStatus.put(status.wireName(), 0L);
    }
    byType.forEach(
        (type, counts) -> {
          Map<String, Long> row = new java.util.TreeMap<>();
          for (dev.jobqueue.JobStatus status : dev.jobqueue.JobStatus.values()) {
            long count = counts.getOrDefault(status.wireName(), 0L);
            row.put(status.wireName(), count);
            byStatus.merge(status.wireName(), count, Long::sum);
          }
          complete.put(type, row);
        });
    return byStatus;
  }
}
