package dev.jobqueue.spring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Adds the library's defaults to a Spring Boot application's environment, below every property
 * source of the application's own, so that any setting of the application wins:
 *
 * <ul>
 *   <li>{@code spring.flyway.enabled=false} when the application has not set it and has no Flyway
 *       migrations of its own at {@code spring.flyway.locations} (default {@code
 *       classpath:db/migration}). The library depends on Flyway for its own migrations, which it
 *       runs itself with a history table in its own schema; without this default, Flyway on the
 *       class path would switch on Boot's Flyway auto-configuration for the application's database,
 *       which the application never asked for.
 *   <li>The Actuator health status {@code DEGRADED} ({@link JobQueueHealthIndicator#DEGRADED}):
 *       ordered after {@code DOWN} and {@code OUT_OF_SERVICE} and before {@code UP}, and answered
 *       with HTTP 200.
 * </ul>
 */
public final class JobQueueEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

  /** The name of the property source holding the defaults, last in the environment. */
  public static final String SOURCE = "jobqueueDefaults";

  private static final String FLYWAY_ENABLED = "spring.flyway.enabled";
  private static final String FLYWAY_LOCATIONS = "spring.flyway.locations";
  private static final String STATUS_ORDER = "management.endpoint.health.status.order";
  private static final String DEGRADED_HTTP =
      "management.endpoint.health.status.http-mapping.degraded";

  private final Log log;

  /**
   * Created by Spring Boot from {@code META-INF/spring.factories}.
   *
   * @param logs Boot's logs for the time before logging is set up
   */
  public JobQueueEnvironmentPostProcessor(DeferredLogFactory logs) {
    this.log = logs.getLog(JobQueueEnvironmentPostProcessor.class);
  }

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    Map<String, Object> defaults = new LinkedHashMap<>();
    if (!environment.containsProperty(FLYWAY_ENABLED)) {
      List<String> locations =
          List.of(environment.getProperty(FLYWAY_LOCATIONS, "classpath:db/migration").split(","));
      if (!hasMigrations(locations, application.getClassLoader())) {
        defaults.put(FLYWAY_ENABLED, "false");
        log.info(
            "No Flyway migrations of the application at "
                + locations
                + ": Spring Boot's Flyway auto-configuration stays off (jobqueue runs its own"
                + " migrations). Set spring.flyway.enabled=true to have it on.");
      }
    }
    if (!environment.containsProperty(STATUS_ORDER)) {
      defaults.put(STATUS_ORDER, "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN");
    }
    defaults.put(DEGRADED_HTTP, "200");
    environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
  }

  /** Whether any location holds a file: a SQL, Java or callback migration of the application. */
  static boolean hasMigrations(List<String> locations, ClassLoader classLoader) {
    PathMatchingResourcePatternResolver resolver =
        new PathMatchingResourcePatternResolver(classLoader);
    for (String raw : locations) {
      String location = raw.trim().replace("{vendor}", "postgresql");
      if (location.isEmpty()) {
        continue;
      }
      if (location.startsWith("filesystem:")) {
        Path path = Path.of(location.substring("filesystem:".length()));
        try (var files = Files.walk(path)) {
          if (files.anyMatch(Files::isRegularFile)) {
            return true;
          }
        } catch (IOException | RuntimeException e) {
          continue; // A missing folder holds no migration.
        }
        continue;
      }
      String path = location.startsWith("classpath:") ? location.substring(10) : location;
      path = path.startsWith("/") ? path.substring(1) : path;
      try {
        for (Resource resource : resolver.getResources("classpath*:" + path + "/**/*")) {
          String name = resource.getFilename();
          if (resource.isReadable() && name != null && name.contains(".")) {
            return true;
          }
        }
      } catch (IOException e) {
        continue;
      }
    }
    return false;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
