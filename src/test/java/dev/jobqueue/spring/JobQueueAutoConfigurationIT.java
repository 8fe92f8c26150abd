package dev.jobqueue.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobEventListener;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.Schedule;
import dev.jobqueue.testing.JobQueueExtension;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The auto-configuration in contexts of its own ({@link ApplicationContextRunner}): properties to
 * settings, errors that name the property, the beans it collects, backing off, and the lifecycle's
 * keep-alive thread.
 */
class JobQueueAutoConfigurationIT {

  record Ping(String text) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private HikariDataSource pool;
  private ApplicationContextRunner runner;

  @BeforeEach
  void setUp() {
    pool = jobqueue.newPool("autoconfig", 6);
    runner =
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JobQueueAutoConfiguration.class))
            // A pool per context: closing a context closes its DataSource bean.
            .withBean(DataSource.class, () -> jobqueue.newPool("autoconfig", 6))
            .withPropertyValues(
                "jobqueue.schema=" + jobqueue.schema(), "jobqueue.keep-alive=false");
  }

  @Test
  void everyPropertyIsABuilderSettingWithTheSameDefault() throws Exception {
    JobQueueConfig defaults = JobQueueConfig.defaults();
    for (RecordComponent component : JobQueueProperties.class.getRecordComponents()) {
      if (SpringSettings.SPRING_ONLY.contains(component.getName())) {
        continue;
      }
      Class<?> type =
          component.getName().equals("queues") ? java.util.List.class : component.getType();
      assertThat(JobQueueConfig.Builder.class.getMethod(component.getName(), type))
          .as("builder setter for " + component.getName())
          .isNotNull();
      assertThat(JobQueueConfig.class.getMethod(component.getName())).isNotNull();
    }
    long settings =
        java.util.Arrays.stream(JobQueueConfig.Builder.class.getMethods())
            .filter(m -> m.getDeclaringClass() != Object.class && !m.getName().equals("build"))
            .map(java.lang.reflect.Method::getName)
            .distinct()
            .count();
    assertThat(
            JobQueueProperties.class.getRecordComponents().length
                - SpringSettings.SPRING_ONLY.size())
        .as("one property per builder setting")
        .isEqualTo(settings);
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          JobQueueConfig bound = context.getBean(JobQueueManager.class).config();
          assertThat(bound.toBuilder().schema(defaults.schema()).build().toString())
              .as("the defaults of the properties are the library's")
              .isEqualTo(defaults.toString());
        });
  }

  @Test
  void propertiesBindWithRelaxedNamesAndDurations() {
    runner
        .withPropertyValues(
            "jobqueue.maxWorkers=7",
            "jobqueue.min-workers=2",
            "jobqueue.poll-interval=250ms",
            "jobqueue.lease-duration=45s",
            "jobqueue.retry-strategy=LINEAR",
            "jobqueue.queues=default,emails:3")
        .run(
            context -> {
              JobQueueConfig config = context.getBean(JobQueueManager.class).config();
              assertThat(config.maxWorkers()).isEqualTo(7);
              assertThat(config.minWorkers()).isEqualTo(2);
              assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(250));
              assertThat(config.leaseDuration()).isEqualTo(Duration.ofSeconds(45));
              assertThat(config.retryStrategy()).hasToString("LINEAR");
              assertThat(config.queues())
                  .extracting(QueueOptions::name)
                  .containsExactly("default", "emails");
              assertThat(config.queues().get(1).maxWorkers()).hasValue(3);
            });
  }

  @Test
  void aValueTheLibraryRejectsNamesTheProperty() {
    runner
        .withPropertyValues("jobqueue.max-workers=0")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "Invalid Spring property jobqueue.max-workers (was '0')"));
    runner
        .withPropertyValues("jobqueue.max-workers=3", "jobqueue.min-workers=4")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("jobqueue.max-workers")
                    .hasStackTraceContaining("jobqueue.min-workers"));
    runner
        .withPropertyValues("jobqueue.queues=Bad Queue!")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "Invalid Spring property jobqueue.queues (was 'Bad Queue!')"));
    runner
        .withPropertyValues("jobqueue.poll-interval=soon")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("jobqueue.poll-interval")
                    .hasStackTraceContaining("soon"));
    runner
        .withPropertyValues("jobqueue.database-password=hunter2", "jobqueue.schema=Bad-Schema")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("jobqueue.schema (was 'Bad-Schema')")
                    .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("hunter2")));
  }

  @Test
  void withoutADataSourceTheErrorSaysWhatToSet() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JobQueueAutoConfiguration.class))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("jobqueue.database-url")
                    .hasStackTraceContaining("spring.datasource.url"));
  }

  @Test
  void handlerQueueScheduleAndListenerBeansAreCollected() {
    JobHandler<Ping> handler = JobHandler.of("ping", Ping.class, (payload, ctx) -> null);
    JobEventListener listener = new JobEventListener() {};
    runner
        .withBean("pingHandler", JobHandler.class, () -> handler)
        .withBean(
            "emails",
            QueueOptions.class,
            () -> QueueOptions.builder("emails").maxWorkers(2).build())
        .withBean(
            "nightly",
            Schedule.class,
            () ->
                Schedule.every(
                        "nightly-ping",
                        Duration.ofHours(24),
                        CreateJobOptions.of("ping", new Ping("x")))
                    .build())
        .withBean("listener", JobEventListener.class, () -> listener)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              JobQueueManager manager = context.getBean(JobQueueManager.class);
              assertThat(manager.getRegisteredTypes()).containsExactly("ping");
              assertThat(manager.config().queues())
                  .extracting(QueueOptions::name)
                  .containsExactly("default", "emails");
              assertThat(manager.getSchedules())
                  .extracting(s -> s.name())
                  .containsExactly("nightly-ping");
              assertThat(
                      manager.getJob(manager.createJob(CreateJobOptions.of("ping", new Ping("y")))))
                  .isPresent();
            });
  }

  @Test
  void itBacksOffForTheApplicationsOwnManagerAndWhenDisabled() {
    JobQueueManager own =
        JobQueueManager.builder().config(jobqueue.fastConfig().build()).dataSource(pool).build();
    runner
        .withBean("ownManager", JobQueueManager.class, () -> own)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(JobQueueManager.class)).isSameAs(own);
            });
    runner
        .withPropertyValues("jobqueue.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(JobQueueManager.class));
  }

  @Test
  void aWorkerNodeKeepsTheJvmAliveUntilTheContextCloses() {
    runner
        .withPropertyValues("jobqueue.keep-alive=true")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Optional<Thread> keepAlive = keepAliveThread();
              assertThat(keepAlive).isPresent();
              assertThat(keepAlive.get().isDaemon()).isFalse();
              context.close();
              keepAlive.get().join(10_000);
              assertThat(keepAlive.get().isAlive()).isFalse();
            });
    runner
        .withPropertyValues("jobqueue.keep-alive=true", "jobqueue.run-workers=false")
        .run(context -> assertThat(keepAliveThread()).as("an enqueue-only node").isEmpty());
  }

  @Test
  void theHealthIndicatorMapsTheCheck() {
    runner.run(
        context -> {
          var health = context.getBean(JobQueueHealthIndicator.class).health();
          assertThat(health.getStatus().getCode()).isEqualTo("UP");
          assertThat(health.getDetails())
              .containsKeys("workers", "jobs", "queues", "cluster", "reasons");
        });
    runner
        .withPropertyValues("management.health.jobqueue.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(JobQueueHealthIndicator.class));
  }

  @Test
  void withoutMicrometerActuatorOrOpenTelemetryOnTheClassPathTheirBeansAreLeftOut() {
    runner
        .withClassLoader(
            new FilteredClassLoader(
                "io.micrometer.", "org.springframework.boot.actuate.", "io.opentelemetry."))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(JobQueueManager.class);
              assertThat(context).doesNotHaveBean("jobQueueMetrics");
              assertThat(context).doesNotHaveBean("jobqueueHealthIndicator");
            });
    runner.run(
        context -> {
          assertThat(context).hasBean("jobQueueMetrics");
          assertThat(context).hasBean("jobqueueHealthIndicator");
        });
  }

  @Test
  void anOpenTelemetryBeanTracesTheJobs() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    JobHandler<Ping> handler = JobHandler.of("ping", Ping.class, (payload, ctx) -> null);
    runner
        .withBean(OpenTelemetry.class, () -> sdk)
        .withBean("pingHandler", JobHandler.class, () -> handler)
        .run(
            context -> {
              JobQueueManager manager = context.getBean(JobQueueManager.class);
              String id = manager.createJob(CreateJobOptions.of("ping", new Ping("traced")));
              org.awaitility.Awaitility.await()
                  .atMost(Duration.ofSeconds(10))
                  .until(
                      () ->
                          spans.getFinishedSpanItems().stream()
                              .anyMatch(span -> span.getKind() == SpanKind.CONSUMER));
              assertThat(spans.getFinishedSpanItems())
                  .extracting(span -> span.getKind())
                  .contains(SpanKind.PRODUCER, SpanKind.CONSUMER);
              assertThat(manager.getJob(id)).isPresent();
            });
    sdk.close();
  }

  private static Optional<Thread> keepAliveThread() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("jobqueue-keep-alive") && t.isAlive())
        .findFirst();
  }

  private static String stackTrace(Throwable e) {
    var out = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(out));
    return out.toString();
  }
}
