package dev.jobqueue.spring;

import dev.jobqueue.JobQueueManager;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.dashboard.Dashboard;
import dev.jobqueue.dashboard.DashboardAuthenticator;
import dev.jobqueue.dashboard.DashboardServlet;
import dev.jobqueue.dashboard.PasswordAuthenticator;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.util.ClassUtils;

/**
 * Builds the dashboard's servlet registration from {@code jobqueue.dashboard.*}, choosing who signs
 * users in: the application's {@link DashboardAuthenticator} bean, else Spring Security when it is
 * on the class path, else the login form with {@code jobqueue.dashboard.users}; with none of them
 * the application refuses to start.
 */
final class DashboardRegistration {
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
  private static final String SPRING_SECURITY =
      "org.springframework.security.core.context.SecurityContextHolder";

  private DashboardRegistration() {}

  static ServletRegistrationBean<DashboardServlet> register(
      JobQueueManager manager,
      JobQueueProperties.DashboardProperties settings,
      DashboardAuthenticator bean,
      ClassLoader classLoader) {
    String path = settings.path();
    if (path == null || !PATH.matcher(path).matches()) {
      throw new IllegalStateException(
          "jobqueue.dashboard.path must be a path like /jobqueue, without a trailing slash (was '"
              + path
              + "')");
    }
    Dashboard dashboard =
        Dashboard.builder(JobQueueAdmin.of(manager))
            .authenticator(bean != null ? bean : authenticator(settings, classLoader))
            .refreshInterval(settings.refreshInterval())
            .sessionIdleTimeout(settings.sessionIdleTimeout())
            .secureCookies(settings.secureCookies())
            .trustForwardedHeaders(settings.trustForwardedHeaders())
            .build();
    ServletRegistrationBean<DashboardServlet> registration =
        new ServletRegistrationBean<>(new DashboardServlet(dashboard), path, path + "/*");
    registration.setName("jobqueueDashboard");
    return registration;
  }

  private static DashboardAuthenticator authenticator(
      JobQueueProperties.DashboardProperties settings, ClassLoader classLoader) {
    if (ClassUtils.isPresent(SPRING_SECURITY, classLoader)) {
      return new SpringSecurityAuthenticator(
          settings.adminAuthority(), settings.operatorAuthority(), settings.viewerAuthority());
    }
    List<String> users = settings.users();
    if (users != null && users.stream().anyMatch(u -> !u.isBlank())) {
      try {
        return PasswordAuthenticator.parse(users);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("jobqueue.dashboard.users: " + e.getMessage(), e);
      }
    }
    throw new IllegalStateException(
        "jobqueue.dashboard.enabled is true but nothing signs users in: put Spring Security on the"
            + " class path, set jobqueue.dashboard.users (name:role:hash entries), or define a"
            + " DashboardAuthenticator bean; the dashboard refuses to start without one");
  }
}
