package dev.jobqueue.internal.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lease arithmetic on a fake monotonic clock: no database, no threads. */
class LeaderLeaseTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** An arbitrary clock reading, near the overflow of a long, as System.nanoTime() may be. */
  private static final long T0 = Long.MAX_VALUE - 1_000 * MS;

  private final LeaderLease lease = new LeaderLease(Duration.ofMillis(3_000));

  @Test
  void derivedTimings() {
    assertThat(lease.ttlMillis()).isEqualTo(3_000);
    assertThat(lease.marginMillis()).isEqualTo(300);
    assertThat(lease.intervalMillis()).isEqualTo(1_000);
    assertThat(lease.followerIntervalMillis()).isEqualTo(1_000);
    assertThat(lease.takeoverBoundMillis()).isEqualTo(4_000);
  }

  @Test
  void aLongTtlKeepsFollowersAtOnceASecond() {
    LeaderLease longLease = new LeaderLease(Duration.ofSeconds(30));
    assertThat(longLease.intervalMillis()).isEqualTo(10_000);
    assertThat(longLease.marginMillis()).isEqualTo(3_000);
    assertThat(longLease.followerIntervalMillis()).isEqualTo(1_000);
    assertThat(longLease.followerDelayMillis(25_000)).isEqualTo(1_000);
    assertThat(longLease.followerDelayMillis(-1)).isEqualTo(1_000);
    assertThat(longLease.followerDelayMillis(300)).isEqualTo(301);
    // Within ttl + ttl/3 as promised, and tighter: ttl + 1 s.
    assertThat(longLease.takeoverBoundMillis()).isEqualTo(31_000).isLessThanOrEqualTo(40_000);
  }

  @Test
  void localLeaseRunsFromTheSendTimeMinusTheMargin() {
    long validUntil = lease.validUntil(T0);
    // send + ttl - margin: 2,700 ms after the send, even across the overflow of the clock.
    assertThat(validUntil - T0).isEqualTo(2_700 * MS);
    assertThat(LeaderLease.validAt(validUntil, T0)).isTrue();
    assertThat(LeaderLease.validAt(validUntil, T0 + 2_699 * MS)).isTrue();
    assertThat(LeaderLease.validAt(validUntil, validUntil - 1)).isTrue();
    assertThat(LeaderLease.validAt(validUntil, validUntil)).isFalse();
    assertThat(LeaderLease.validAt(validUntil, T0 + 2_701 * MS)).isFalse();
    assertThat(LeaderLease.validAt(validUntil, T0 + 3_000 * MS)).isFalse();
  }

  @Test
  void localLeaseEndsBeforeTheDatabaseLeaseHoweverLateTheStatementRan() {
    // The database counts ttl from its now(), which comes after the send.
    for (long delayMs : new long[] {0, 1, 50, 1_000, 2_999}) {
      long databaseNow = T0 + delayMs * MS;
      long databaseExpiry = databaseNow + 3_000 * MS;
      assertThat(databaseExpiry - lease.validUntil(T0))
          .as("database expiry minus local expiry, statement %d ms in flight", delayMs)
          .isGreaterThanOrEqualTo(300 * MS);
    }
  }

  @Test
  void aLeaderRenewsOneIntervalAfterItsLastSend() {
    // The statement took 40 ms: the next renewal is 1,000 ms after the send, not after the answer.
    assertThat(lease.leaderDelayMillis(T0, T0 + 40 * MS)).isEqualTo(960);
    assertThat(lease.leaderDelayMillis(T0, T0)).isEqualTo(1_000);
    // Rounded up: never early.
    assertThat(lease.leaderDelayMillis(T0, T0 + 40 * MS + 1)).isEqualTo(960);
    // A statement slower than the interval: renew at once.
    assertThat(lease.leaderDelayMillis(T0, T0 + 1_000 * MS)).isZero();
    assertThat(lease.leaderDelayMillis(T0, T0 + 1_500 * MS)).isZero();
  }

  @Test
  void aLeaderThatKeepsItsCadenceNeverLetsTheLocalLeaseRunOut() {
    long sent = T0;
    long validUntil = lease.validUntil(sent);
    for (int i = 0; i < 10; i++) {
      long answered = sent + 25 * MS;
      long next = answered + lease.leaderDelayMillis(sent, answered) * MS;
      assertThat(LeaderLease.validAt(validUntil, next)).isTrue();
      // A whole renewal can be missed: the one after it still comes within the lease.
      assertThat(LeaderLease.validAt(validUntil, next + lease.intervalMillis() * MS)).isTrue();
      // Not two: the margin and the statement's time eat into the third interval.
      assertThat(LeaderLease.validAt(validUntil, next + 2 * lease.intervalMillis() * MS)).isFalse();
      sent = next;
      validUntil = lease.validUntil(sent);
    }
  }

  @Test
  void aFollowerTriesEveryIntervalOrRightAfterTheHolderExpires() {
    // A healthy leader: its lease runs for at least two thirds of the TTL at any time.
    assertThat(lease.followerDelayMillis(2_000)).isEqualTo(1_000);
    assertThat(lease.followerDelayMillis(3_000)).isEqualTo(1_000);
    // A holder whose lease ends sooner: one millisecond past its expiry.
    assertThat(lease.followerDelayMillis(400)).isEqualTo(401);
    assertThat(lease.followerDelayMillis(0)).isEqualTo(1);
    // Unknown holder: one interval.
    assertThat(lease.followerDelayMillis(-1)).isEqualTo(1_000);
  }

  @Test
  void takeoverAfterACrashComesWithinTtlPlusOneInterval() {
    // The leader's last renewal ran at database time 0 and it died at once. A follower attempted
    // at time f (any phase), saw `remaining`, and waits as told; repeat until the lease expired.
    for (long firstAttempt = 0; firstAttempt <= 3_000; firstAttempt += 37) {
      long at = firstAttempt;
      while (at <= 3_000) { // expires_at < now() only after 3,000
        long remaining = 3_000 - at;
        at += lease.followerDelayMillis(remaining);
      }
      assertThat(at).as("takeover, first attempt at %d", firstAttempt).isGreaterThan(3_000);
      assertThat(at).isLessThanOrEqualTo(lease.takeoverBoundMillis());
      // Aiming at the expiry: in practice right after it.
      assertThat(at).isLessThanOrEqualTo(3_001);
    }
    // A follower that cannot see the holder (-1) still comes within the bound.
    long at = 0;
    while (at <= 3_000) {
      at += lease.followerDelayMillis(-1);
    }
    assertThat(at).isLessThanOrEqualTo(lease.takeoverBoundMillis());
  }

  @Test
  void shortAndInvalidTtls() {
    LeaderLease shortest = new LeaderLease(Duration.ofMillis(LeaderLease.MIN_TTL_MILLIS));
    assertThat(shortest.intervalMillis()).isEqualTo(10);
    assertThat(shortest.followerDelayMillis(-1)).isEqualTo(10);
    assertThat(shortest.validUntil(T0) - T0).isEqualTo(27 * MS);
    assertThatThrownBy(() -> new LeaderLease(Duration.ofMillis(29)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 30 ms");
  }
}
