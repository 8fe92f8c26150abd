package dev.jobqueue.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.RetryStrategy;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The builder's setters are declared in a package-private superclass of {@code
 * JobQueueConfig.Builder} (to keep {@code JobQueueConfig.java} short). From outside {@code
 * dev.jobqueue}, as an application sees them, they must still be callable directly, by reflection
 * through {@code Builder} and by public method handles: that holds only because javac gives the
 * public {@code Builder} a public bridge for each inherited public method. Without the bridges,
 * {@code Builder.class.getMethod(...)} would return the superclass's method, and invoking it from
 * another package would throw {@link IllegalAccessException}. No database.
 */
class SettingsAccessFromOtherPackageTest {

  @Test
  void everySetterAndAccessorCanBeCalledFromAnotherPackage() {
    JobQueueConfig config =
        JobQueueConfig.builder()
            .maxWorkers(8)
            .minWorkers(2)
            .maxJobsPerWorker(11)
            .pollInterval(Duration.ofMillis(1001))
            .workerIdleTimeout(Duration.ofMillis(60001))
            .workerTimeout(Duration.ofMillis(300001))
            .gracefulShutdownTimeout(Duration.ofMillis(30001))
            .useVirtualThreads(true)
            .runWorkers(false)
            .nodeId("node-7")
            .defaultMaxRetries(4)
            .defaultTimeoutSeconds(301)
            .retryStrategy(RetryStrategy.LINEAR)
            .retryBaseDelay(Duration.ofMillis(1001))
            .retryMaxDelay(Duration.ofMillis(60001))
            .retryJitter(0.5)
            .allowUnknownTypes(true)
            .maxPayloadBytes(1024)
            .leaseDuration(Duration.ofMillis(30001))
            .rescueInterval(Duration.ofMillis(10001))
            .healthCheckTimeout(Duration.ofMillis(5001))
            .healthMaxQueueLag(Duration.ofMillis(300001))
            .enableMetrics(true)
            .metricsInterval(Duration.ofMillis(60001))
            .completedJobRetention(Duration.ZERO)
            .failedJobRetention(Duration.ofDays(31))
            .pruneInterval(Duration.ofMillis(60001))
            .pruneBatchSize(1001)
            .schema("other_jobs")
            .runMigrations(false)
            .migrationDatabaseUrl("postgresql://db.example/app")
            .migrationLockTimeout(Duration.ofMillis(120001))
            .transactionPooling(true)
            .databaseUrl("jdbc:postgresql://db.example/app")
            .databaseUser("app_user")
            .databasePassword("s3cr3t")
            .build();

    assertThat(config.maxWorkers()).isEqualTo(8);
    assertThat(config.minWorkers()).isEqualTo(2);
    assertThat(config.maxJobsPerWorker()).isEqualTo(11);
    assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(1001));
    assertThat(config.workerIdleTimeout()).isEqualTo(Duration.ofMillis(60001));
    assertThat(config.workerTimeout()).isEqualTo(Duration.ofMillis(300001));
    assertThat(config.gracefulShutdownTimeout()).isEqualTo(Duration.ofMillis(30001));
    assertThat(config.useVirtualThreads()).isTrue();
    assertThat(config.runWorkers()).isFalse();
    assertThat(config.nodeId()).contains("node-7");
    assertThat(config.defaultMaxRetries()).isEqualTo(4);
    assertThat(config.defaultTimeoutSeconds()).isEqualTo(301);
    assertThat(config.retryStrategy()).isEqualTo(RetryStrategy.LINEAR);
    assertThat(config.retryBaseDelay()).isEqualTo(Duration.ofMillis(1001));
    assertThat(config.retryMaxDelay()).isEqualTo(Duration.ofMillis(60001));
    assertThat(config.retryJitter()).isEqualTo(0.5);
    assertThat(config.allowUnknownTypes()).isTrue();
    assertThat(config.maxPayloadBytes()).isEqualTo(1024);
    assertThat(config.leaseDuration()).isEqualTo(Duration.ofMillis(30001));
    assertThat(config.rescueInterval()).isEqualTo(Duration.ofMillis(10001));
    assertThat(config.healthCheckTimeout()).isEqualTo(Duration.ofMillis(5001));
    assertThat(config.healthMaxQueueLag()).isEqualTo(Duration.ofMillis(300001));
    assertThat(config.enableMetrics()).isTrue();
    assertThat(config.metricsInterval()).isEqualTo(Duration.ofMillis(60001));
    assertThat(config.completedJobRetention()).isEqualTo(Duration.ZERO);
    assertThat(config.failedJobRetention()).isEqualTo(Duration.ofDays(31));
    assertThat(config.pruneInterval()).isEqualTo(Duration.ofMillis(60001));
    assertThat(config.pruneBatchSize()).isEqualTo(1001);
    assertThat(config.schema()).isEqualTo("other_jobs");
    assertThat(config.runMigrations()).isFalse();
    assertThat(config.migrationDatabaseUrl()).contains("postgresql://db.example/app");
    assertThat(config.migrationLockTimeout()).isEqualTo(Duration.ofMillis(120001));
    assertThat(config.transactionPooling()).isTrue();
    assertThat(config.databaseUrl()).contains("jdbc:postgresql://db.example/app");
    assertThat(config.databaseUser()).contains("app_user");
    assertThat(config.databasePassword()).contains("s3cr3t");
  }

  @Test
  void setterFoundByReflectionOnBuilderCanBeInvoked() throws Exception {
    Method maxWorkers = JobQueueConfig.Builder.class.getMethod("maxWorkers", int.class);

    Object builder = maxWorkers.invoke(JobQueueConfig.builder(), 7);

    assertThat(((JobQueueConfig.Builder) builder).build().maxWorkers()).isEqualTo(7);
    assertThat(maxWorkers.getDeclaringClass()).isEqualTo(JobQueueConfig.Builder.class);
  }

  /**
   * For every setting: {@code Builder.class.getMethod(name, type)}, with the type of the accessor,
   * is declared by the public {@code Builder}, returns {@code Builder}, and can be invoked without
   * {@code setAccessible}; so can a method handle from {@link MethodHandles#publicLookup()}.
   */
  @Test
  void everySetterIsPublicOnBuilderForReflectionAndMethodHandles() throws Throwable {
    List<String> problems = new ArrayList<>();
    for (Setting<?> setting : Settings.ALL) {
      Method accessor = JobQueueConfig.class.getMethod(setting.name());
      Class<?> type =
          accessor.getReturnType() == Optional.class ? String.class : accessor.getReturnType();
      Object value = setting.defaultValue() != null ? setting.defaultValue() : sample(type);

      Method setter = JobQueueConfig.Builder.class.getMethod(setting.name(), type);
      if (setter.getDeclaringClass() != JobQueueConfig.Builder.class
          || setter.getReturnType() != JobQueueConfig.Builder.class
          || !Modifier.isPublic(setter.getModifiers())) {
        problems.add(setter.toGenericString());
        continue;
      }
      JobQueueConfig.Builder builder = JobQueueConfig.builder();
      assertThat(setter.invoke(builder, value)).as(setting.name()).isSameAs(builder);
      assertThat(unwrap(accessor.invoke(builder.build()))).as(setting.name()).isEqualTo(value);

      MethodHandle handle =
          MethodHandles.publicLookup()
              .findVirtual(
                  JobQueueConfig.Builder.class,
                  setting.name(),
                  MethodType.methodType(JobQueueConfig.Builder.class, type));
      Object fromHandle = handle.invoke(JobQueueConfig.builder(), value);
      assertThat(fromHandle).as(setting.name()).isInstanceOf(JobQueueConfig.Builder.class);
    }
    assertThat(problems).as("setters not public on JobQueueConfig.Builder").isEmpty();
  }

  /** The settings without a default are the optional strings. */
  private static Object sample(Class<?> type) {
    assertThat(type).isEqualTo(String.class);
    return "postgresql://db.example/app";
  }

  private static Object unwrap(Object value) {
    return value instanceof Optional<?> optional ? optional.orElse(null) : value;
  }
}
