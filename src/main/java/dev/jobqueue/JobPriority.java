package dev.jobqueue;

import java.util.Locale;

/**
 * How urgently a job should run. Workers claim every due {@code HIGH} job before any due {@code
 * NORMAL} one, and every {@code NORMAL} before any {@code LOW}; within a priority, earlier
 * scheduled time first, then creation order.
 */
public enum JobPriority {
  /** Claimed first. Stored as 1. */
  HIGH(1),
  /** The default. Stored as 2. */
  NORMAL(2),
  /** Claimed last. Stored as 3. */
  LOW(3);

  private final int rank;

  JobPriority(int rank) {
    this.rank = rank;
  }

  /**
   * The number stored in the {@code priority} column; lower numbers are claimed first.
   *
   * @return 1 for {@code HIGH}, 2 for {@code NORMAL}, 3 for {@code LOW}
   */
  public int rank() {
    return rank;
  }

  /**
   * The name used in JSON and configuration: the lower-case constant name.
   *
   * @return for example {@code "high"}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the priority stored as {@code rank}.
   *
   * @param rank 1, 2 or 3
   * @return the matching priority
   * @throws IllegalArgumentException for any other number
   */
  public static JobPriority fromRank(int rank) {
    for (JobPriority priority : values()) {
      if (priority.rank == rank) {
        return priority;
      }
    }
    throw new IllegalArgumentException(
        "unknown job priority rank " + rank + " (expected 1, 2 or 3)");
  }

  /**
   * Parses {@code "high"}, {@code "normal"} or {@code "low"}, ignoring case.
   *
   * @param value the name to parse
   * @return the matching priority
   * @throws IllegalArgumentException if {@code value} names no priority
   */
  public static JobPriority fromWireName(String value) {
    if (value != null) {
      for (JobPriority priority : values()) {
        if (priority.name().equalsIgnoreCase(value.trim())) {
          return priority;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown job priority '" + value + "' (expected high, normal or low)");
  }
}
