package dev.jobqueue.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limit on failed logins, and session expiry, on a clock the test moves. */
class LoginThrottleTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final LoginThrottle throttle = new LoginThrottle(now::get);

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void fiveFailuresForAUserLockItForFifteenSecondsThenTheLockDoubles() {
    for (int i = 0; i < 4; i++) {
      throttle.failed("ada", "10.0.0." + i);
    }
    assertThat(throttle.lockedFor("ada", "10.0.0.9")).isEmpty();
    throttle.failed("ada", "10.0.0.5");
    assertThat(throttle.lockedFor("ada", "10.0.0.9")).contains(Duration.ofSeconds(15));
    assertThat(throttle.lockedFor("bob", "10.0.0.9")).as("another user").isEmpty();

    advance(Duration.ofSeconds(16));
    assertThat(throttle.lockedFor("ada", "10.0.0.9")).isEmpty();
    throttle.failed("ada", "10.0.0.6");
    assertThat(throttle.lockedFor("ada", "10.0.0.9")).contains(Duration.ofSeconds(30));
  }

  @Test
  void theLockStopsAtFifteenMinutesAndASuccessClearsTheUser() {
    for (int i = 0; i < 30; i++) {
      throttle.failed("ada", "10.0.0." + i);
    }
    assertThat(throttle.lockedFor("ada", "10.0.1.1")).contains(LoginThrottle.LONGEST_LOCK);
    throttle.succeeded("ada");
    assertThat(throttle.lockedFor("ada", "10.0.1.1")).isEmpty();
  }

  @Test
  void twentyFailuresFromOneAddressLockItForEveryUser() {
    for (int i = 0; i < LoginThrottle.ADDRESS_FAILURES; i++) {
      throttle.failed("user" + i, "192.0.2.1");
    }
    assertThat(throttle.lockedFor("someone-else", "192.0.2.1")).isPresent();
    assertThat(throttle.lockedFor("someone-else", "192.0.2.2")).isEmpty();
  }

  @Test
  void failuresOlderThanTheLongestLockAreForgotten() {
    for (int i = 0; i < 4; i++) {
      throttle.failed("ada", "10.0.0.1");
    }
    advance(LoginThrottle.LONGEST_LOCK.plusSeconds(1));
    throttle.failed("ada", "10.0.0.1");
    assertThat(throttle.lockedFor("ada", "10.0.0.1")).isEmpty();
  }

  @Test
  void aSessionEndsAfterItsIdleTimeoutAndEachRequestExtendsIt() {
    Sessions sessions = new Sessions(Duration.ofMinutes(30), now::get);
    Session session = sessions.create(null);
    assertThat(session.id()).hasSize(43).isNotEqualTo(session.csrfToken());
    advance(Duration.ofMinutes(29));
    assertThat(sessions.find(session.id())).containsSame(session);
    advance(Duration.ofMinutes(29));
    assertThat(sessions.find(session.id())).as("seen 29 minutes ago").isPresent();
    advance(Duration.ofMinutes(31));
    assertThat(sessions.find(session.id())).isEmpty();
    assertThat(session.csrfMatches(session.csrfToken())).isTrue();
    assertThat(session.csrfMatches(session.csrfToken() + "x")).isFalse();
    assertThat(session.csrfMatches(null)).isFalse();
  }
}
