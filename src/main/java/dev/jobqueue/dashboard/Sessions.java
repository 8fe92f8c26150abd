package dev.jobqueue.dashboard;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The server-side session store: sessions by id, each ending after a time without requests. Ids and
 * CSRF tokens are 256 random bits. Idle time is measured on the monotonic clock. The store holds at
 * most {@value #MAX_SESSIONS} sessions; beyond that the longest idle one goes.
 */
final class Sessions {
  static final int MAX_SESSIONS = 10_000;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Session> byId = new ConcurrentHashMap<>();
  private final Duration idleTimeout;
  private final LongSupplier nanoTime;

  Sessions(Duration idleTimeout, LongSupplier nanoTime) {
    this.idleTimeout = idleTimeout;
    this.nanoTime = nanoTime;
  }

  /** A new session, for a user or (null) for the login form only. */
  Session create(DashboardUser user) {
    long now = nanoTime.getAsLong();
    if (byId.size() >= MAX_SESSIONS) {
      byId.values().removeIf(s -> expired(s, now));
      while (byId.size() >= MAX_SESSIONS) {
        byId.values().stream()
            .min(Comparator.comparingLong(Session::lastSeenNanos))
            .ifPresent(oldest -> byId.remove(oldest.id()));
      }
    }
    Session session = new Session(token(), token(), user, now);
    byId.put(session.id(), session);
    return session;
  }

  /** The live session with this id, marked as seen now; an expired one is removed. */
  Optional<Session> find(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Session session = byId.get(id);
    long now = nanoTime.getAsLong();
    if (session == null) {
      return Optional.empty();
    }
    if (expired(session, now)) {
      byId.remove(id);
      return Optional.empty();
    }
    session.seen(now);
    return Optional.of(session);
  }

  void remove(Session session) {
    byId.remove(session.id());
  }

  private boolean expired(Session session, long nowNanos) {
    return nowNanos - session.lastSeenNanos() > idleTimeout.toNanos();
  }

  private static String token() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
