package dev.jobqueue.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.JobPolicy;
import dev.jobqueue.RetryStrategy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The retry decisions, with a fixed random source: no database, no clock. */
class RetriesTest {

  private static Retries exponential(double jitter, double random) {
    return new Retries(RetryStrategy.EXPONENTIAL, 1_000, 60_000, jitter, () -> random, 100);
  }

  @Test
  void aFailureWithRetriesLeftRetriesAfterTheStrategysDelay() {
    Retries retries = exponential(0, 0.5);
    assertThat(retries.afterFailure(0, 3, true)).isEqualTo(new Retries.Decision(true, 1_000));
    assertThat(retries.afterFailure(1, 3, true)).isEqualTo(new Retries.Decision(true, 2_000));
    assertThat(retries.afterFailure(2, 3, true)).isEqualTo(new Retries.Decision(true, 4_000));
  }

  @Test
  void theBudgetEndsAtMaxRetries() {
    Retries retries = exponential(0, 0.5);
    assertThat(retries.afterFailure(3, 3, true).retry()).isFalse();
    assertThat(retries.afterFailure(0, 0, true).retry()).isFalse();
    assertThat(Retries.budgetLeft(2, 3)).isTrue();
    assertThat(Retries.budgetLeft(3, 3)).isFalse();
  }

  @Test
  void aPermanentFailureNeverRetries() {
    assertThat(exponential(0, 0.5).afterFailure(0, 10, false))
        .isEqualTo(new Retries.Decision(false, 0));
  }

  @Test
  void jitterShortensTheDelayByUpToItsShare() {
    assertThat(exponential(0.5, 0.0).afterFailure(0, 3, true).delayMillis()).isEqualTo(1_000);
    assertThat(exponential(0.5, 0.5).afterFailure(0, 3, true).delayMillis()).isEqualTo(750);
    assertThat(exponential(0.5, 0.999).afterFailure(0, 3, true).delayMillis()).isEqualTo(501);
  }

  @Test
  void aLostAttemptCountsAndRunsAgainAtOnceWhileTheBudgetLasts() {
    assertThat(Retries.afterLostAttempt(0, 1)).isEqualTo(new Retries.Decision(true, 0));
    assertThat(Retries.afterLostAttempt(1, 1)).isEqualTo(new Retries.Decision(false, 0));
  }

  @Test
  void delaysAreCappedAndNeverOverflow() {
    assertThat(Retries.delayMillis(RetryStrategy.EXPONENTIAL, 200, 1_000, 60_000))
        .isEqualTo(60_000);
    assertThat(Retries.delayMillis(RetryStrategy.LINEAR, Integer.MAX_VALUE, Long.MAX_VALUE / 2, 7))
        .isEqualTo(7);
    assertThat(Retries.delayMillis(RetryStrategy.FIXED, 9, 250, 60_000)).isEqualTo(250);
  }

  @Test
  void aHandlersPolicyReplacesTheStrategyAndItsDelays() {
    Retries configured = exponential(0, 0.5);
    Retries linear =
        configured.withPolicy(
            JobPolicy.builder()
                .retryStrategy(
                    RetryStrategy.LINEAR, Duration.ofMillis(500), Duration.ofMillis(1_200))
                .build());
    assertThat(linear.afterFailure(0, 5, true)).isEqualTo(new Retries.Decision(true, 500));
    assertThat(linear.afterFailure(1, 5, true)).isEqualTo(new Retries.Decision(true, 1_000));
    assertThat(linear.afterFailure(2, 5, true)).isEqualTo(new Retries.Decision(true, 1_200));
    // The budget rule is the job's, whatever the policy's delays.
    assertThat(linear.afterFailure(5, 5, true).retry()).isFalse();
    assertThat(linear.afterFailure(0, 5, false).retry()).isFalse();
    // The configured rules are untouched.
    assertThat(configured.afterFailure(2, 5, true)).isEqualTo(new Retries.Decision(true, 4_000));
  }

  @Test
  void aPolicyWithoutRetryDelaysKeepsTheConfiguredRules() {
    Retries configured = exponential(0, 0.5);
    assertThat(configured.withPolicy(JobPolicy.defaults())).isSameAs(configured);
    assertThat(configured.withPolicy(JobPolicy.builder().maxRetries(9).queue("q").build()))
        .isSameAs(configured);
    assertThat(configured.maxSnoozes()).isEqualTo(100);
  }

  @Test
  void aPolicysDelaysGetTheConfiguredJitter() {
    Retries fixed =
        exponential(0.5, 0.5)
            .withPolicy(
                JobPolicy.builder()
                    .retryStrategy(
                        RetryStrategy.FIXED, Duration.ofSeconds(2), Duration.ofSeconds(2))
                    .build());
    assertThat(fixed.afterFailure(3, 5, true)).isEqualTo(new Retries.Decision(true, 1_500));
  }

  @Test
  void aJobMaySnoozeUntilTheCapWhichAPolicyMayChange() {
    Retries configured = exponential(0, 0.5);
    assertThat(configured.snoozeAllowed(0)).isTrue();
    assertThat(configured.snoozeAllowed(99)).isTrue();
    assertThat(configured.snoozeAllowed(100)).isFalse();

    Retries two = configured.withPolicy(JobPolicy.builder().maxSnoozes(2).build());
    assertThat(two.maxSnoozes()).isEqualTo(2);
    assertThat(two.snoozeAllowed(1)).isTrue();
    assertThat(two.snoozeAllowed(2)).isFalse();
    // A snooze cap alone leaves the retry delays as configured.
    assertThat(two.afterFailure(1, 3, true)).isEqualTo(new Retries.Decision(true, 2_000));

    Retries never = configured.withPolicy(JobPolicy.builder().maxSnoozes(0).build());
    assertThat(never.snoozeAllowed(0)).isFalse();
  }
}
