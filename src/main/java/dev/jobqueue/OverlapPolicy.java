package dev.jobqueue;

import java.util.Locale;

/**
 * What a {@link Schedule} does when an occurrence comes due while the job of its previous
 * occurrence is still pending or running.
 */
public enum OverlapPolicy {
  /** Enqueue it anyway: jobs of one schedule may run side by side. The default. */
  ALLOW,
  /** Enqueue nothing for it, and count it as a skip. */
  SKIP,
  /**
   * Keep it back, and enqueue it as soon as the previous job has ended. One occurrence waits at a
   * time: an occurrence that comes due while one already waits counts as a skip.
   */
  QUEUE;

  /**
   * The name stored in the database.
   *
   * @return the lower-case name
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
