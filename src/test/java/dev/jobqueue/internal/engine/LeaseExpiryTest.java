package dev.jobqueue.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.internal.store.ClaimedJob;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Lease arithmetic by this JVM's clock, with explicit times: no database, no sleeping. */
class LeaseExpiryTest {

  private static Execution leasedUntil(long nanos) {
    return new Execution(
        new ClaimedJob(
            1, "t", "{}", 1, 0, 3, 60, 2, Instant.EPOCH, Instant.EPOCH, false, 0, null, null),
        nanos,
        new LocalQueue("default"));
  }

  @Test
  void aLeaseHoldsUntilItsEndAndNotAfter() {
    Execution execution = leasedUntil(1_000);
    assertThat(LeaseKeeper.expired(execution, 999)).isFalse();
    assertThat(LeaseKeeper.expired(execution, 1_000)).isFalse();
    assertThat(LeaseKeeper.expired(execution, 1_001)).isTrue();
  }

  @Test
  void aRenewalMovesTheEnd() {
    Execution execution = leasedUntil(1_000);
    execution.leaseRenewed(5_000);
    assertThat(LeaseKeeper.expired(execution, 4_000)).isFalse();
  }

  @Test
  void theArithmeticSurvivesTheWrapOfTheMonotonicClock() {
    Execution execution = leasedUntil(Long.MAX_VALUE);
    assertThat(LeaseKeeper.expired(execution, Long.MAX_VALUE - 5)).isFalse();
    assertThat(LeaseKeeper.expired(execution, Long.MIN_VALUE + 5)).isTrue();
  }

  @Test
  void renewalsComeEveryThirdOfTheLeaseAndNoMoreOftenThanEvery100Ms() {
    assertThat(LeaseKeeper.renewalIntervalMillis(30_000)).isEqualTo(10_000);
    assertThat(LeaseKeeper.renewalIntervalMillis(150)).isEqualTo(100);
    assertThat(TimeUnit.MILLISECONDS.toNanos(LeaseKeeper.renewalIntervalMillis(3_000)) * 3)
        .isEqualTo(TimeUnit.SECONDS.toNanos(3));
  }
}
