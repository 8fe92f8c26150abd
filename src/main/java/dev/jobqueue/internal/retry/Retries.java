package dev.jobqueue.internal.retry;

import dev.jobqueue.JobPolicy;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.RetryStrategy;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Every retry decision of the engine, and all its arithmetic: whether a failed or lost attempt may
 * run again (the budget rule), how long it waits (the strategy's delay, capped, then jittered), and
 * whether a job may snooze once more (the snooze cap). The executor asks it about failed and
 * snoozed attempts, the rescuer about attempts lost with their node; the SQL only applies the
 * decision. The configuration's rules apply unless a handler's {@link JobPolicy} overrides them
 * ({@link #withPolicy}). Immutable and thread-safe. <strong>Not API.</strong>
 */
public final class Retries {

  /**
   * What happens to a job after an attempt that did not succeed.
   *
   * @param retry true: back to pending; false: failed for good
   * @param delayMillis when retrying, how long after now (database clock) it may run again
   */
  public record Decision(boolean retry, long delayMillis) {
    private static final Decision FAIL = new Decision(false, 0);
  }

  private final RetryStrategy strategy;
  private final long baseMillis;
  private final long maxMillis;
  private final double jitter;
  private final DoubleSupplier random;
  private final int maxSnoozes;

  /**
   * The retry policy of a configuration.
   *
   * @param config the strategy, base and maximum delay, jitter, and the snooze cap
   * @param random uniform values in {@code [0, 1)} for the jitter
   */
  public Retries(JobQueueConfig config, DoubleSupplier random) {
    this(
        config.retryStrategy(),
        config.retryBaseDelay().toMillis(),
        config.retryMaxDelay().toMillis(),
        config.retryJitter(),
        random,
        config.maxSnoozes());
  }

  Retries(
      RetryStrategy strategy,
      long baseMillis,
      long maxMillis,
      double jitter,
      DoubleSupplier random,
      int maxSnoozes) {
    this.strategy = strategy;
    this.baseMillis = baseMillis;
    this.maxMillis = maxMillis;
    this.jitter = jitter;
    this.random = random;
    this.maxSnoozes = maxSnoozes;
  }

  /**
   * These rules with a handler's policy applied: its retry strategy, base delay, delay cap and
   * snooze cap replace the configured ones where it sets them. The jitter stays the
   * configuration's.
   *
   * @param policy the handler's policy
   * @return the rules for that handler's jobs; this object when the policy overrides none of them
   */
  public Retries withPolicy(JobPolicy policy) {
    if (policy.retryStrategy().isEmpty()
        && policy.retryBaseDelay().isEmpty()
        && policy.retryMaxDelay().isEmpty()
        && policy.maxSnoozes().isEmpty()) {
      return this;
    }
    return new Retries(
        policy.retryStrategy().orElse(strategy),
        policy.retryBaseDelay().map(Duration::toMillis).orElse(baseMillis),
        policy.retryMaxDelay().map(Duration::toMillis).orElse(maxMillis),
        jitter,
        random,
        policy.maxSnoozes().orElse(maxSnoozes));
  }

  /**
   * The snooze cap: how often one job may snooze. Snoozes spend no retry.
   *
   * @return the cap, 0 or more
   */
  public int maxSnoozes() {
    return maxSnoozes;
  }

  /**
   * Whether a job that has snoozed {@code snoozeCount} times may snooze once more; if not, the
   * snooze counts as a failed attempt (see {@link #afterFailure}).
   *
   * @param snoozeCount snoozes before this one
   * @return true while the cap is not reached
   */
  public boolean snoozeAllowed(int snoozeCount) {
    return snoozeCount < maxSnoozes;
  }

  /**
   * The budget rule: a job that has used {@code retryCount} of its {@code maxRetries} retries may
   * run again.
   *
   * @param retryCount retries used before the attempt that just ended
   * @param maxRetries the job's budget
   * @return true while retries are left
   */
  public static boolean budgetLeft(int retryCount, int maxRetries) {
    return retryCount < maxRetries;
  }

  /**
   * The decision after a failed attempt.
   *
   * @param retryCount retries used before the attempt that failed
   * @param maxRetries the job's budget
   * @param retryable false when the handler said the failure is permanent
   * @return retry after the strategy's delay, or fail
   */
  public Decision afterFailure(int retryCount, int maxRetries, boolean retryable) {
    if (!retryable || !budgetLeft(retryCount, maxRetries)) {
      return Decision.FAIL;
    }
    return new Decision(
        true, jittered(delayMillis(strategy, retryCount + 1, baseMillis, maxMillis)));
  }

  /**
   * The decision after an attempt lost with its node (its lease expired). The lost attempt counts
   * against the budget; a job that may run again does so at once, in its old place in the queue.
   *
   * @param retryCount retries used before the lost attempt
   * @param maxRetries the job's budget
   * @return retry without delay, or fail
   */
  public static Decision afterLostAttempt(int retryCount, int maxRetries) {
    return budgetLeft(retryCount, maxRetries) ? new Decision(true, 0) : Decision.FAIL;
  }

  /**
   * A strategy's delay before retry number {@code retry}, capped at {@code maxMillis}.
   *
   * @param strategy fixed ({@code base}), linear ({@code base × retry}) or exponential ({@code base
   *     × 2^(retry−1)})
   * @param retry 1 for the first retry
   * @param baseMillis the base delay
   * @param maxMillis the cap
   * @return milliseconds; products that overflow saturate before the cap applies
   */
  public static long delayMillis(
      RetryStrategy strategy, int retry, long baseMillis, long maxMillis) {
    long uncapped =
        switch (strategy) {
          case FIXED -> baseMillis;
          case LINEAR -> multiplySaturated(baseMillis, retry);
          case EXPONENTIAL -> multiplySaturated(baseMillis, 1L << Math.min(retry - 1, 62));
        };
    return Math.min(uncapped, maxMillis);
  }

  /** Spreads {@code millis} uniformly over {@code [millis × (1 − jitter), millis]}. */
  private long jittered(long millis) {
    if (jitter > 0 && millis > 0) {
      millis -= (long) (millis * jitter * random.getAsDouble());
    }
    return millis;
  }

  private static long multiplySaturated(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
  }
}
