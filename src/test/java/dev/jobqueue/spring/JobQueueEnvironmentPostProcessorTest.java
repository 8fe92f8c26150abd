package dev.jobqueue.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Boot's Flyway stays off unless the application asks for it, and the {@code DEGRADED} health
 * status gets its order and HTTP code, each only where the application set nothing itself.
 */
class JobQueueEnvironmentPostProcessorTest {

  private final JobQueueEnvironmentPostProcessor processor =
      new JobQueueEnvironmentPostProcessor(
          destination -> LogFactory.getLog(JobQueueEnvironmentPostProcessorTest.class));

  private StandardEnvironment environment(Map<String, Object> application) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("application", application));
    processor.postProcessEnvironment(environment, new SpringApplication());
    return environment;
  }

  @Test
  void withoutMigrationsOfItsOwnTheApplicationGetsNoFlyway() {
    StandardEnvironment environment = environment(Map.of());
    assertThat(environment.getProperty("spring.flyway.enabled")).isEqualTo("false");
  }

  @Test
  void anApplicationThatAsksForFlywayKeepsIt() {
    assertThat(
            environment(Map.of("spring.flyway.enabled", "true"))
                .getProperty("spring.flyway.enabled"))
        .isEqualTo("true");
  }

  @Test
  void anApplicationWithMigrationsKeepsBootsFlyway(@TempDir Path folder) throws Exception {
    Files.writeString(folder.resolve("V1__orders.sql"), "create table orders(id int);");
    StandardEnvironment environment =
        environment(Map.of("spring.flyway.locations", "filesystem:" + folder));
    assertThat(environment.getProperty("spring.flyway.enabled")).isNull();
    Path empty = Files.createDirectory(folder.resolve("empty"));
    assertThat(
            JobQueueEnvironmentPostProcessor.hasMigrations(
                java.util.List.of("filesystem:" + empty, "classpath:no/such/place"),
                getClass().getClassLoader()))
        .isFalse();
    assertThat(
            JobQueueEnvironmentPostProcessor.hasMigrations(
                java.util.List.of("classpath:dev/jobqueue/db/migration"),
                getClass().getClassLoader()))
        .as("a classpath location with files")
        .isTrue();
  }

  @Test
  void degradedIsOrderedBetweenDownAndUpAndAnsweredWith200UnlessTheApplicationSaysOtherwise() {
    StandardEnvironment defaults = environment(Map.of());
    assertThat(defaults.getProperty("management.endpoint.health.status.order"))
        .isEqualTo("DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN");
    assertThat(defaults.getProperty("management.endpoint.health.status.http-mapping.degraded"))
        .isEqualTo("200");
    StandardEnvironment own =
        environment(
            Map.of(
                "management.endpoint.health.status.order", "DEGRADED,DOWN,UP",
                "management.endpoint.health.status.http-mapping.degraded", "503"));
    assertThat(own.getProperty("management.endpoint.health.status.order"))
        .isEqualTo("DEGRADED,DOWN,UP");
    assertThat(own.getProperty("management.endpoint.health.status.http-mapping.degraded"))
        .isEqualTo("503");
  }
}
