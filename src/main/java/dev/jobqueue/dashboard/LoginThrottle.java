package dev.jobqueue.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing: after {@value #USER_FAILURES} failed logins for one user name, or
 * {@value #ADDRESS_FAILURES} from one address, further attempts for it are refused for a while that
 * doubles with each further failure, from {@link #FIRST_LOCK} up to {@link #LONGEST_LOCK}. A
 * successful login clears its user name's failures; an address's failures clear when they are older
 * than the longest lock.
 */
final class LoginThrottle {
  static final int USER_FAILURES = 5;
  static final int ADDRESS_FAILURES = 20;
  static final Duration FIRST_LOCK = Duration.ofSeconds(15);
  static final Duration LONGEST_LOCK = Duration.ofMinutes(15);

  private static final int MAX_ENTRIES = 100_000;

  private record Entry(int failures, Instant last, Instant lockedUntil) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;

  LoginThrottle(Clock clock) {
    this.clock = clock;
  }

  /** How long the user name or the address is still locked, if it is. */
  Optional<Duration> lockedFor(String user, String address) {
    Instant now = clock.instant();
    Duration wait = Duration.ZERO;
    for (String key : new String[] {userKey(user), addressKey(address)}) {
      Entry entry = entries.get(key);
      if (entry != null && entry.lockedUntil().isAfter(now)) {
        Duration left = Duration.between(now, entry.lockedUntil());
        wait = left.compareTo(wait) > 0 ? left : wait;
      }
    }
    return wait.isZero() ? Optional.empty() : Optional.of(wait);
  }

  void failed(String user, String address) {
    Instant now = clock.instant();
    if (entries.size() >= MAX_ENTRIES) {
      entries.values().removeIf(e -> e.last().plus(LONGEST_LOCK).isBefore(now));
    }
    count(userKey(user), USER_FAILURES, now);
    count(addressKey(address), ADDRESS_FAILURES, now);
  }

  void succeeded(String user) {
    entries.remove(userKey(user));
  }

  private void count(String key, int threshold, Instant now) {
    entries.compute(
        key,
        (k, old) -> {
          int failures =
              old == null || old.last().plus(LONGEST_LOCK).isBefore(now) ? 1 : old.failures() + 1;
          Instant until = now;
          if (failures >= threshold) {
            int doublings = Math.min(failures - threshold, 20);
            Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
            until = now.plus(lock.compareTo(LONGEST_LOCK) > 0 ? LONGEST_LOCK : lock);
          }
          return new Entry(failures, now, until);
        });
  }

  private static String userKey(String user) {
    return "user:" + user;
  }

  private static String addressKey(String address) {
    return "address:" + address;
  }
}
