package dev.jobqueue.dashboard;

import dev.jobqueue.admin.JobQueueAdmin;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The web dashboard of a job queue: overview, jobs, failed jobs with bulk actions, queues,
 * schedules, nodes and the audit log, on top of {@link JobQueueAdmin}. It is served by {@link
 * DashboardServer} (the JDK's own HTTP server, no further dependency) or by {@link
 * DashboardServlet} under any path of a Servlet container.
 *
 * <pre>{@code
 * Dashboard dashboard =
 *     Dashboard.builder(JobQueueAdmin.of(manager))
 *         .authenticator(PasswordAuthenticator.parse(List.of("ada:admin:" + hash)))
 *         .build();
 * DashboardServer server = DashboardServer.start(dashboard, new InetSocketAddress(8080));
 * }</pre>
 *
 * <p>Secure by default: it refuses to start without a {@link DashboardAuthenticator}; every
 * state-changing request is a POST carrying the session's CSRF token; session cookies are {@code
 * HttpOnly} and {@code SameSite=Strict}; every response carries a strict Content-Security-Policy.
 * Thread-safe; one instance may serve several servers.
 */
public final class Dashboard {
  /**
   * When session cookies get the {@code Secure} attribute, which keeps browsers from sending them
   * over plain HTTP.
   */
  public enum SecureCookies {
    /**
     * When the request came over HTTPS: a Servlet container says so, or a trusted proxy sent {@code
     * X-Forwarded-Proto: https} ({@link Builder#trustForwardedHeaders}).
     */
    AUTO,
    /** Always: the dashboard is only ever reached over HTTPS. */
    ALWAYS,
    /** Never: for plain HTTP on a trusted network or on localhost only. */
    NEVER
  }

  private final JobQueueAdmin admin;
  private final DashboardAuthenticator authenticator;
  private final Duration refreshInterval;
  private final SecureCookies secureCookies;
  private final boolean trustForwardedHeaders;
  private final Dispatcher dispatcher;

  private Dashboard(Builder b) {
    this.admin = b.admin;
    this.authenticator = b.authenticator;
    this.refreshInterval = b.refreshInterval;
    this.secureCookies = b.secureCookies;
    this.trustForwardedHeaders = b.trustForwardedHeaders;
    this.dispatcher =
        new Dispatcher(this, new Sessions(b.sessionIdleTimeout, b.nanoTime), b.nanoTime);
  }

  /**
   * A builder for a dashboard on an admin.
   *
   * @param admin the operator API it shows and acts through
   * @return the builder
   */
  public static Builder builder(JobQueueAdmin admin) {
    return new Builder(Objects.requireNonNull(admin, "admin must not be null"));
  }

  /**
   * The operator API the dashboard works on.
   *
   * @return the admin
   */
  public JobQueueAdmin admin() {
    return admin;
  }

  /**
   * Who may use the dashboard.
   *
   * @return the authenticator
   */
  public DashboardAuthenticator authenticator() {
    return authenticator;
  }

  /**
   * How often the pages refresh their figures.
   *
   * @return the interval
   */
  public Duration refreshInterval() {
    return refreshInterval;
  }

  /**
   * When session cookies are {@code Secure}.
   *
   * @return the policy
   */
  public SecureCookies secureCookies() {
    return secureCookies;
  }

  /**
   * Whether {@code X-Forwarded-Proto} and {@code X-Forwarded-For} are believed.
   *
   * @return true when a trusted proxy sets them
   */
  public boolean trustForwardedHeaders() {
    return trustForwardedHeaders;
  }

  /** Serves one request: every server adapter calls this. */
  Response handle(Request request) {
    return dispatcher.handle(request);
  }

  /**
   * Refuses a request whose parameters or body the adapter could not read, with the usual headers.
   */
  Response refuse(Request bare, HttpError error) {
    return dispatcher
        .error(new Context(bare, null, this), error.status(), error.getMessage())
        .secured();
  }

  /** Builds a {@link Dashboard}. */
  public static final class Builder {
    private final JobQueueAdmin admin;
    private DashboardAuthenticator authenticator;
    private Duration refreshInterval = Duration.ofSeconds(5);
    private Duration sessionIdleTimeout = Duration.ofMinutes(30);
    private SecureCookies secureCookies = SecureCookies.AUTO;
    private boolean trustForwardedHeaders;
    private LongSupplier nanoTime = System::nanoTime;

    private Builder(JobQueueAdmin admin) {
      this.admin = admin;
    }

    /**
     * Who may use the dashboard, and with which role. Required.
     *
     * @param authenticator a {@link PasswordAuthenticator}, Spring Security's, or your own
     * @return this
     */
    public Builder authenticator(DashboardAuthenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator must not be null");
      return this;
    }

    /**
     * How often the pages refresh their figures by polling; 5 seconds by default.
     *
     * @param interval 1 second to 10 minutes
     * @return this
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval =
          within("refreshInterval", interval, Duration.ofSeconds(1), Duration.ofMinutes(10));
      return this;
    }

    /**
     * How long a session lasts without requests; 30 minutes by default. The pages' own refreshing
     * counts as requests.
     *
     * @param timeout 1 minute to 7 days
     * @return this
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Builder sessionIdleTimeout(Duration timeout) {
      this.sessionIdleTimeout =
          within("sessionIdleTimeout", timeout, Duration.ofMinutes(1), Duration.ofDays(7));
      return this;
    }

    /**
     * When session cookies get the {@code Secure} attribute; {@link SecureCookies#AUTO} by default.
     *
     * @param policy the policy
     * @return this
     */
    public Builder secureCookies(SecureCookies policy) {
      this.secureCookies = Objects.requireNonNull(policy, "policy must not be null");
      return this;
    }

    /**
     * Whether to believe {@code X-Forwarded-Proto} (for {@link SecureCookies#AUTO}) and the first
     * address of {@code X-Forwarded-For} (for the limit on failed logins). Only set it when a proxy
     * in front of the dashboard sets these headers and clients cannot reach it directly. Off by
     * default.
     *
     * @param trust true to believe them
     * @return this
     */
    public Builder trustForwardedHeaders(boolean trust) {
      this.trustForwardedHeaders = trust;
      return this;
    }

    /** The monotonic clock of session expiry and the login limit: a test's own. */
    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime must not be null");
      return this;
    }

    /**
     * Builds the dashboard.
     *
     * @return the dashboard
     * @throws IllegalStateException when no authenticator was given: the dashboard refuses to start
     *     without one
     */
    public Dashboard build() {
      if (authenticator == null) {
        throw new IllegalStateException(
            "the dashboard refuses to start without an authenticator: give"
                + " Dashboard.builder(admin).authenticator(...) a PasswordAuthenticator, Spring"
                + " Security's, or your own DashboardAuthenticator");
      }
      return new Dashboard(this);
    }

    private static Duration within(String name, Duration value, Duration min, Duration max) {
      Objects.requireNonNull(value, name + " must not be null");
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name + " must be between " + min + " and " + max + " (was " + value + ")");
      }
      return value;
    }
  }
}
