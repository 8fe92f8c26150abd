package dev.jobqueue.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.dashboard.DashboardServlet;
import dev.jobqueue.dashboard.PasswordHash;
import dev.jobqueue.testing.JobQueueExtension;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The dashboard's part of the auto-configuration: off by default and outside Servlet web
 * applications, mounted at its path, and refusing to start when nothing would sign users in.
 */
class DashboardAutoConfigurationIT {

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private static final String HASH = PasswordHash.hash("pw".toCharArray());

  private WebApplicationContextRunner web() {
    return new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JobQueueAutoConfiguration.class))
        .withBean(DataSource.class, () -> jobqueue.newPool("dashboard-autoconfig", 4))
        .withPropertyValues(
            "jobqueue.schema=" + jobqueue.schema(),
            "jobqueue.keep-alive=false",
            "jobqueue.run-workers=false");
  }

  @Test
  void theDashboardIsOffByDefaultAndOutsideServletApplications() {
    web().run(context -> assertThat(context).doesNotHaveBean("jobQueueDashboard"));
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JobQueueAutoConfiguration.class))
        .withBean(DataSource.class, () -> jobqueue.newPool("dashboard-autoconfig", 4))
        .withPropertyValues(
            "jobqueue.schema=" + jobqueue.schema(),
            "jobqueue.keep-alive=false",
            "jobqueue.run-workers=false",
            "jobqueue.dashboard.enabled=true")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("jobQueueDashboard"));
  }

  @Test
  void withSpringSecurityTheServletIsMountedAtItsPath() {
    web()
        .withPropertyValues("jobqueue.dashboard.enabled=true", "jobqueue.dashboard.path=/ops/jobs")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              ServletRegistrationBean<?> registration =
                  context.getBean("jobQueueDashboard", ServletRegistrationBean.class);
              assertThat(registration.getServlet()).isInstanceOf(DashboardServlet.class);
              assertThat(registration.getUrlMappings()).containsExactly("/ops/jobs", "/ops/jobs/*");
            });
  }

  @Test
  void withoutSpringSecurityTheUsersPropertySignsUsersIn() {
    web()
        .withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
        .withPropertyValues(
            "jobqueue.dashboard.enabled=true", "jobqueue.dashboard.users=ada:admin:" + HASH)
        .run(context -> assertThat(context).hasNotFailed().hasBean("jobQueueDashboard"));
  }

  @Test
  void withNothingToSignUsersInTheApplicationRefusesToStart() {
    web()
        .withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
        .withPropertyValues("jobqueue.dashboard.enabled=true")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("nothing signs users in")
                    .hasMessageContaining("jobqueue.dashboard.users"));
  }

  @Test
  void aBadPathOrUserLineIsNamed() {
    web()
        .withPropertyValues("jobqueue.dashboard.enabled=true", "jobqueue.dashboard.path=/")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("jobqueue.dashboard.path must be a path like /jobqueue"));
    web()
        .withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
        .withPropertyValues(
            "jobqueue.dashboard.enabled=true", "jobqueue.dashboard.users=ada:boss:" + HASH)
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("role must be one of"));
  }
}
