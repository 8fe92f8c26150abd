package dev.jobqueue.testing;

import dev.jobqueue.AttemptOutcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one {@link JobQueueTestKit#drain()} ran: every attempt in order, and the counts by outcome
 * and by type. Immutable.
 */
public final class DrainResult {

  /**
   * One attempt the drain ran.
   *
   * @param jobId the job's id
   * @param queue its queue
   * @param type its type
   * @param outcome how it ended; empty when it wrote no outcome: the job was cancelled while its
   *     handler ran
   */
  public record Attempt(String jobId, String queue, String type, Optional<AttemptOutcome> outcome) {

    /**
     * An attempt.
     *
     * @param jobId the job's id
     * @param queue its queue
     * @param type its type
     * @param outcome how it ended, or empty
     */
    public Attempt {
      Objects.requireNonNull(jobId, "jobId must not be null");
      Objects.requireNonNull(queue, "queue must not be null");
      Objects.requireNonNull(type, "type must not be null");
      Objects.requireNonNull(outcome, "outcome must not be null");
    }
  }

  private final List<Attempt> attempts;
  private final Map<String, Map<AttemptOutcome, Integer>> byType;

  DrainResult(List<Attempt> attempts) {
    this.attempts = List.copyOf(attempts);
    Map<String, Map<AttemptOutcome, Integer>> counts = new TreeMap<>();
    for (Attempt attempt : this.attempts) {
      attempt
          .outcome()
          .ifPresent(
              outcome ->
                  counts
                      .computeIfAbsent(attempt.type(), t -> new EnumMap<>(AttemptOutcome.class))
                      .merge(outcome, 1, Integer::sum));
    }
    Map<String, Map<AttemptOutcome, Integer>> frozen = new TreeMap<>();
    counts.forEach((type, perOutcome) -> frozen.put(type, Collections.unmodifiableMap(perOutcome)));
    this.byType = Collections.unmodifiableMap(frozen);
  }

  /**
   * Every attempt, in the order they ran.
   *
   * @return an unmodifiable list
   */
  public List<Attempt> attempts() {
    return attempts;
  }

  /**
   * How many attempts ran.
   *
   * @return the count
   */
  public int total() {
    return attempts.size();
  }

  /**
   * Attempts whose job completed.
   *
   * @return the count
   */
  public int succeeded() {
    return count(AttemptOutcome.SUCCEEDED);
  }

  /**
   * Attempts that failed and left their job pending for a retry.
   *
   * @return the count
   */
  public int retried() {
    return count(AttemptOutcome.RETRIED);
  }

  /**
   * Attempts that failed their job for good.
   *
   * @return the count
   */
  public int failed() {
    return count(AttemptOutcome.FAILED);
  }

  /**
   * Attempts whose handler snoozed its job.
   *
   * @return the count
   */
  public int snoozed() {
    return count(AttemptOutcome.SNOOZED);
  }

  /**
   * Attempts that wrote no outcome: their job was cancelled while the handler ran.
   *
   * @return the count
   */
  public int cancelled() {
    return (int) attempts.stream().filter(a -> a.outcome().isEmpty()).count();
  }

  /**
   * Attempts that ended {@code outcome}.
   *
   * @param outcome the outcome
   * @return the count
   */
  public int count(AttemptOutcome outcome) {
    Objects.requireNonNull(outcome, "outcome must not be null");
    int sum = 0;
    for (Map<AttemptOutcome, Integer> perOutcome : byType.values()) {
      sum += perOutcome.getOrDefault(outcome, 0);
    }
    return sum;
  }

  /**
   * Attempts of jobs of {@code type} that ended {@code outcome}.
   *
   * @param type the job type
   * @param outcome the outcome
   * @return the count
   */
  public int count(String type, AttemptOutcome outcome) {
    Objects.requireNonNull(outcome, "outcome must not be null");
    return byType.getOrDefault(type, Map.of()).getOrDefault(outcome, 0);
  }

  /**
   * The counts by type, then by outcome; outcomes that did not occur are absent.
   *
   * @return an unmodifiable map, sorted by type
   */
  public Map<String, Map<AttemptOutcome, Integer>> byType() {
    return byType;
  }

  /**
   * Asserts that no attempt failed: none retried, none failed for good.
   *
   * @return this result
   * @throws AssertionError listing the failed attempts
   */
  public DrainResult assertNoFailures() {
    List<String> failures = new ArrayList<>();
    for (Attempt attempt : attempts) {
      attempt
          .outcome()
          .filter(o -> o == AttemptOutcome.RETRIED || o == AttemptOutcome.FAILED)
          .ifPresent(o -> failures.add(attempt.type() + " job " + attempt.jobId() + " " + o));
    }
    if (!failures.isEmpty()) {
      throw new AssertionError(
          "expected the drain to run without failures, but "
              + failures.size()
              + " attempt(s) failed: "
              + String.join(", ", failures)
              + " (each job's errors() says why)");
    }
    return this;
  }

  @Override
  public String toString() {
    return "DrainResult["
        + total()
        + " attempts: "
        + succeeded()
        + " succeeded, "
        + retried()
        + " retried, "
        + failed()
        + " failed, "
        + snoozed()
        + " snoozed"
        + (cancelled() > 0 ? ", " + cancelled() + " cancelled" : "")
        + "; by type "
        + byType
        + "]";
  }
}
