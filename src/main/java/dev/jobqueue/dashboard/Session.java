package dev.jobqueue.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One browser's session: its id (the cookie's value), its CSRF token, and the signed-in user, if
 * any. A session without a user exists only to carry the login form's CSRF token.
 */
final class Session {
  private final String id;
  private final String csrfToken;
  private final DashboardUser user;
  private volatile long lastSeenNanos;
  private final AtomicReference<String> notice = new AtomicReference<>();

  Session(String id, String csrfToken, DashboardUser user, long nowNanos) {
    this.id = id;
    this.csrfToken = csrfToken;
    this.user = user;
    this.lastSeenNanos = nowNanos;
  }

  String id() {
    return id;
  }

  String csrfToken() {
    return csrfToken;
  }

  Optional<DashboardUser> user() {
    return Optional.ofNullable(user);
  }

  /** When the session last served a request, by {@link System#nanoTime()}. */
  long lastSeenNanos() {
    return lastSeenNanos;
  }

  void seen(long nowNanos) {
    lastSeenNanos = nowNanos;
  }

  /** Whether a submitted token is this session's, compared in constant time. */
  boolean csrfMatches(String submitted) {
    return submitted != null
        && MessageDigest.isEqual(
            csrfToken.getBytes(StandardCharsets.UTF_8), submitted.getBytes(StandardCharsets.UTF_8));
  }

  /** Leaves a message for the next page shown, such as the outcome of an action. */
  void notice(String message) {
    notice.set(message);
  }

  /** Takes the message left for this page, once. */
  Optional<String> takeNotice() {
    return Optional.ofNullable(notice.getAndSet(null));
  }
}
