package dev.jobqueue.dashboard;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows down password guessing: after {@value #USER_FAILURES} failed logins for one user name, or
 * {@value #ADDRESS_FAILURES} from one address, further attempts for it are refused for a while that
 * doubles with each further failure, from {@link #FIRST_LOCK} up to {@link #LONGEST_LOCK}. A
 * successful login clears its user name's failures; an address's failures clear when they are older
 * than the longest lock. Times are taken from the monotonic clock. The table holds at most {@value
 * #MAX_ENTRIES} keys; when it is full of recent failures, only the keys it holds keep counting.
 */
final class LoginThrottle {
  static final int USER_FAILURES = 5;
  static final int ADDRESS_FAILURES = 20;
  static final Duration FIRST_LOCK = Duration.ofSeconds(15);
  static final Duration LONGEST_LOCK = Duration.ofMinutes(15);

  static final int MAX_ENTRIES = 100_000;

  /** Failures of one key; the times are {@link System#nanoTime()} readings. */
  private record Entry(int failures, long last, long lockedUntil) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  LoginThrottle(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** How long the user name or the address is still locked, if it is. */
  Optional<Duration> lockedFor(String user, String address) {
    long now = nanoTime.getAsLong();
    long wait = 0;
    for (String key : new String[] {userKey(user), addressKey(address)}) {
      Entry entry = entries.get(key);
      if (entry != null) {
        wait = Math.max(wait, entry.lockedUntil() - now);
      }
    }
    return wait > 0 ? Optional.of(Duration.ofNanos(wait)) : Optional.empty();
  }

  void failed(String user, String address) {
    long now = nanoTime.getAsLong();
    if (entries.size() >= MAX_ENTRIES) {
      entries.values().removeIf(e -> stale(e, now));
    }
    boolean full = entries.size() >= MAX_ENTRIES;
    count(userKey(user), USER_FAILURES, now, full);
    count(addressKey(address), ADDRESS_FAILURES, now, full);
  }

  void succeeded(String user) {
    entries.remove(userKey(user));
  }

  private static boolean stale(Entry entry, long now) {
    return now - entry.last() > LONGEST_LOCK.toNanos();
  }

  /** Counts a failure; when the table is full, only for keys it holds already. */
  private void count(String key, int threshold, long now, boolean full) {
    if (full && !entries.containsKey(key)) {
      return;
    }
    entries.compute(
        key,
        (k, old) -> {
          int failures = old == null || stale(old, now) ? 1 : old.failures() + 1;
          long until = now;
          if (failures >= threshold) {
            int doublings = Math.min(failures - threshold, 20);
            long lock = FIRST_LOCK.toNanos() << doublings;
            until = now + Math.min(lock, LONGEST_LOCK.toNanos());
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
