package dev.jobqueue.admin;

/**
 * A count that stops at a cap, so that it stays cheap on a large table ({@link
 * JobQueueAdmin#countJobs}).
 *
 * @param value the count, at most the cap
 * @param atLeast true when the count reached the cap: there are at least {@code value} jobs
 */
public record JobCount(long value, boolean atLeast) {
  /**
   * The count as text: {@code 1234}, or {@code 10000+} when capped.
   *
   * @return the text
   */
  @Override
  public String toString() {
    return atLeast ? value + "+" : Long.toString(value);
  }
}
