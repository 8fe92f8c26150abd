package dev.jobqueue.spring;

import dev.jobqueue.JobEventListener;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.Schedule;
import dev.jobqueue.TransactionBridge;
import dev.jobqueue.dashboard.DashboardAuthenticator;
import dev.jobqueue.dashboard.DashboardServlet;
import dev.jobqueue.micrometer.JobQueueMetrics;
import dev.jobqueue.opentelemetry.JobQueueTracing;
import io.opentelemetry.api.OpenTelemetry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The Spring Boot auto-configuration: a {@link JobQueueManager} built from the {@code jobqueue.*}
 * properties ({@link JobQueueProperties}) over the application's {@code DataSource}, with every
 * {@link JobHandler}, {@link QueueOptions}, {@link Schedule} and {@link JobEventListener} bean, and
 * {@link JobQueueManagerCustomizer}s; its {@link JobQueueLifecycle}; a {@link
 * SpringTransactionBridge}, so that {@code createJob(options)} joins the caller's Spring
 * transaction; and, when their libraries are present, the Actuator health indicator {@code
 * jobqueue}, the Micrometer binder, tracing through the application's {@code OpenTelemetry} bean,
 * and the dashboard ({@code jobqueue.dashboard.enabled}). It backs off when the application defines
 * its own {@code JobQueueManager} bean, and is off with {@code jobqueue.enabled=false}.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
      "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration"
    })
@ConditionalOnProperty(prefix = "jobqueue", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(JobQueueProperties.class)
public class JobQueueAutoConfiguration {

  /** The property a test context sets to have its schema dropped when the context closes. */
  static final String DROP_SCHEMA = "jobqueue.test.drop-schema";

  private static final Logger log = LoggerFactory.getLogger(JobQueueAutoConfiguration.class);

  /** Creates the auto-configuration; Spring Boot does. */
  public JobQueueAutoConfiguration() {}

  /**
   * The manager, not yet initialized: {@link JobQueueLifecycle} does that.
   *
   * @param properties the {@code jobqueue.*} properties
   * @param dataSources the application's {@code DataSource}, unless {@code jobqueue.database-url}
   *     names another database
   * @param bridges the transaction bridge, when spring-jdbc is present
   * @param handlers the handler beans
   * @param queues the queue beans
   * @param schedules the schedule beans
   * @param listeners the event listener beans
   * @param customizers the customizers, in order
   * @return the manager
   */
  @Bean
  @ConditionalOnMissingBean
  public JobQueueManager jobQueueManager(
      JobQueueProperties properties,
      ObjectProvider<DataSource> dataSources,
      ObjectProvider<TransactionBridge> bridges,
      ObjectProvider<JobHandler<?>> handlers,
      ObjectProvider<QueueOptions> queues,
      ObjectProvider<Schedule> schedules,
      ObjectProvider<JobEventListener> listeners,
      ObjectProvider<JobQueueManagerCustomizer> customizers) {
    JobQueueConfig config = SpringSettings.toConfig(properties, queues.orderedStream().toList());
    JobQueueManager.Builder builder = JobQueueManager.builder().config(config);
    if (properties.databaseUrl() == null) {
      DataSource dataSource = dataSources.getIfUnique();
      if (dataSource == null) {
        throw new IllegalStateException(
            "jobqueue needs a database: define one DataSource bean (spring.datasource.url), mark"
                + " one of several @Primary, or set jobqueue.database-url");
      }
      builder.dataSource(SpringTransactionBridge.unwrap(dataSource));
      bridges.ifAvailable(builder::transactionBridge);
    }
    handlers.orderedStream().forEach(builder::handler);
    schedules.orderedStream().forEach(builder::schedule);
    listeners.orderedStream().forEach(builder::listener);
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    return builder.build();
  }

  /**
   * Starts the manager once the context is refreshed and stops it before the data source closes.
   *
   * @param manager the manager
   * @param properties for {@code jobqueue.keep-alive}
   * @param environment for the test contexts' schema
   * @param dataSources to drop a test context's schema
   * @return the lifecycle
   */
  @Bean
  public JobQueueLifecycle jobQueueLifecycle(
      JobQueueManager manager,
      JobQueueProperties properties,
      Environment environment,
      ObjectProvider<DataSource> dataSources) {
    Runnable afterShutdown = () -> {};
    if (environment.getProperty(DROP_SCHEMA, Boolean.class, false)) {
      String schema = manager.config().schema();
      afterShutdown = () -> dropSchema(dataSources.getIfUnique(), schema);
    }
    return new JobQueueLifecycle(manager, properties.keepAlive(), afterShutdown);
  }

  /**
   * Drops a test context's schema, waiting at most 5 s: a context cached by the test framework
   * closes when the JVM exits, when the test database may be going away too.
   */
  private static void dropSchema(DataSource dataSource, String schema) {
    if (dataSource == null || !JobQueueConfig.SCHEMA_PATTERN.matcher(schema).matches()) {
      return;
    }
    Thread drop =
        new Thread(
            () -> {
              try (Connection connection =
                      SpringTransactionBridge.unwrap(dataSource).getConnection();
                  Statement statement = connection.createStatement()) {
                statement.execute("drop schema if exists " + schema + " cascade");
              } catch (SQLException | RuntimeException e) {
                log.warn("Could not drop the test schema {}: {}", schema, e.toString());
              }
            },
            "jobqueue-drop-test-schema");
    drop.setDaemon(true);
    drop.start();
    try {
      drop.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (drop.isAlive()) {
      log.warn("Gave up dropping the test schema {} after 5 s", schema);
    }
  }

  /** The bridge into Spring's transactions, when spring-jdbc is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.jdbc.datasource.DataSourceUtils")
  static class Transactions {
    @Bean
    @ConditionalOnMissingBean(TransactionBridge.class)
    @ConditionalOnBean(DataSource.class)
    SpringTransactionBridge jobQueueTransactionBridge(ObjectProvider<DataSource> dataSources) {
      return new SpringTransactionBridge(dataSources.getObject());
    }
  }

  /** The Actuator health indicator, when Actuator is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  @ConditionalOnProperty(
      prefix = "management.health.jobqueue",
      name = "enabled",
      matchIfMissing = true)
  static class Health {
    @Bean
    @ConditionalOnMissingBean(name = "jobqueueHealthIndicator")
    JobQueueHealthIndicator jobqueueHealthIndicator(JobQueueManager manager) {
      return new JobQueueHealthIndicator(manager);
    }
  }

  /**
   * Tracing through the application's {@code OpenTelemetry} bean, when there is one (as with the
   * OpenTelemetry Spring Boot starter); without one, the library's default applies (the global
   * instance, once set).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.opentelemetry.api.OpenTelemetry")
  static class Tracing {
    @Bean
    @ConditionalOnBean(OpenTelemetry.class)
    JobQueueManagerCustomizer jobQueueTracing(ObjectProvider<OpenTelemetry> openTelemetry) {
      return builder -> builder.tracing(JobQueueTracing.create(openTelemetry.getObject()));
    }
  }

  /**
   * The dashboard at {@code jobqueue.dashboard.path}, when {@code jobqueue.dashboard.enabled} is
   * true in a Servlet web application.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "jakarta.servlet.http.HttpServlet")
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnProperty(prefix = "jobqueue.dashboard", name = "enabled", havingValue = "true")
  static class DashboardMount {
    @Bean
    @ConditionalOnMissingBean(name = "jobQueueDashboard")
    ServletRegistrationBean<DashboardServlet> jobQueueDashboard(
        JobQueueManager manager,
        JobQueueProperties properties,
        ObjectProvider<DashboardAuthenticator> authenticator,
        ApplicationContext context) {
      return DashboardRegistration.register(
          manager, properties.dashboard(), authenticator.getIfUnique(), context.getClassLoader());
    }
  }

  /** The Micrometer binder, when Micrometer is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static class Metrics {
    @Bean
    @ConditionalOnMissingBean
    JobQueueMetrics jobQueueMetrics() {
      return new JobQueueMetrics();
    }

    @Bean
    SmartInitializingSingleton jobQueueMetricsMonitor(
        ObjectProvider<JobQueueMetrics> metrics, ObjectProvider<JobQueueManager> manager) {
      return () -> manager.ifAvailable(jobs -> metrics.ifAvailable(m -> m.monitor(jobs)));
    }
  }
}
