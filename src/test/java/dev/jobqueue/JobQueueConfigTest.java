package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JobQueueConfigTest {

  private static final String PASSWORD = "s3cr3t-Pa55word";

  @Nested
  class Defaults {

    @Test
    void defaultsMatchTheSpecification() {
      assertDefaults(JobQueueConfig.defaults());
    }

    @Test
    void emptyBuilderBuildsTheDefaults() {
      assertDefaults(JobQueueConfig.builder().build());
    }

    @Test
    void emptyEnvironmentGivesTheDefaults() {
      assertDefaults(JobQueueConfig.fromEnvironment(Map.of()));
    }

    private void assertDefaults(JobQueueConfig config) {
      assertThat(config.maxWorkers()).isEqualTo(5);
      assertThat(config.minWorkers()).isEqualTo(1);
      assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(1000));
      assertThat(config.maxJobsPerWorker()).isEqualTo(10);
      assertThat(config.workerTimeout()).isEqualTo(Duration.ofMillis(300_000));
      assertThat(config.gracefulShutdownTimeout()).isEqualTo(Duration.ofMillis(30_000));
      assertThat(config.defaultMaxRetries()).isEqualTo(3);
      assertThat(config.defaultTimeoutSeconds()).isEqualTo(300);
      assertThat(config.retryStrategy()).isEqualTo(RetryStrategy.EXPONENTIAL);
      assertThat(config.retryBaseDelay()).isEqualTo(Duration.ofMillis(1000));
      assertThat(config.retryMaxDelay()).isEqualTo(Duration.ofMillis(60_000));
      assertThat(config.enableMetrics()).isFalse();
      assertThat(config.metricsInterval()).isEqualTo(Duration.ofMillis(60_000));
      assertThat(config.schema()).isEqualTo("jobqueue");
      assertThat(config.runMigrations()).isTrue();
      assertThat(config.allowUnknownTypes()).isFalse();
      assertThat(config.maxPayloadBytes()).isEqualTo(1_048_576);
      assertThat(config.databaseUrl()).isEmpty();
      assertThat(config.databaseUser()).isEmpty();
      assertThat(config.databasePassword()).isEmpty();
    }
  }

  @Nested
  class FromEnvironment {

    @Test
    void readsEveryJobQueueVariable() {
      Map<String, String> env = new HashMap<>();
      env.put("JOB_QUEUE_MAX_WORKERS", "12");
      env.put("JOB_QUEUE_MIN_WORKERS", "3");
      env.put("JOB_QUEUE_POLL_INTERVAL", "250");
      env.put("JOB_QUEUE_MAX_JOBS_PER_WORKER", "42");
      env.put("JOB_QUEUE_WORKER_TIMEOUT", "120000");
      env.put("JOB_QUEUE_GRACEFUL_SHUTDOWN_TIMEOUT", "5000");
      env.put("JOB_QUEUE_DEFAULT_MAX_RETRIES", "7");
      env.put("JOB_QUEUE_DEFAULT_TIMEOUT_SECONDS", "90");
      env.put("JOB_QUEUE_RETRY_STRATEGY", "linear");
      env.put("JOB_QUEUE_RETRY_BASE_DELAY", "2000");
      env.put("JOB_QUEUE_RETRY_MAX_DELAY", "45000");
      env.put("JOB_QUEUE_ENABLE_METRICS", "true");
      env.put("JOB_QUEUE_METRICS_INTERVAL", "15000");
      env.put("JOB_QUEUE_SCHEMA", "tenant_jobs");
      env.put("JOB_QUEUE_RUN_MIGRATIONS", "false");
      env.put("JOB_QUEUE_ALLOW_UNKNOWN_TYPES", "true");
      env.put("JOB_QUEUE_MAX_PAYLOAD_BYTES", "65536");
      env.put("JOB_QUEUE_DATABASE_URL", "jdbc:postgresql://db.example:5433/app");
      env.put("JOB_QUEUE_DATABASE_USER", "app_user");
      env.put("JOB_QUEUE_DATABASE_PASSWORD", PASSWORD);

      JobQueueConfig config = JobQueueConfig.fromEnvironment(env);

      assertThat(config.maxWorkers()).isEqualTo(12);
      assertThat(config.minWorkers()).isEqualTo(3);
      assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(250));
      assertThat(config.maxJobsPerWorker()).isEqualTo(42);
      assertThat(config.workerTimeout()).isEqualTo(Duration.ofMillis(120_000));
      assertThat(config.gracefulShutdownTimeout()).isEqualTo(Duration.ofMillis(5000));
      assertThat(config.defaultMaxRetries()).isEqualTo(7);
      assertThat(config.defaultTimeoutSeconds()).isEqualTo(90);
      assertThat(config.retryStrategy()).isEqualTo(RetryStrategy.LINEAR);
      assertThat(config.retryBaseDelay()).isEqualTo(Duration.ofMillis(2000));
      assertThat(config.retryMaxDelay()).isEqualTo(Duration.ofMillis(45_000));
      assertThat(config.enableMetrics()).isTrue();
      assertThat(config.metricsInterval()).isEqualTo(Duration.ofMillis(15_000));
      assertThat(config.schema()).isEqualTo("tenant_jobs");
      assertThat(config.runMigrations()).isFalse();
      assertThat(config.allowUnknownTypes()).isTrue();
      assertThat(config.maxPayloadBytes()).isEqualTo(65_536);
      assertThat(config.databaseUrl()).contains("jdbc:postgresql://db.example:5433/app");
      assertThat(config.databaseUser()).contains("app_user");
      assertThat(config.databasePassword()).contains(PASSWORD);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("dev.jobqueue.JobQueueConfigTest#malformedEnvironmentValues")
    void rejectsMalformedValueNamingVariableAndValue(String variable, String value) {
      Map<String, String> env = Map.of(variable, value);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
          .withMessageContaining(variable)
          .withMessageContaining(value);
    }

    @Test
    void treatsBlankValuesAsUnset() {
      Map<String, String> env = new HashMap<>();
      env.put("JOB_QUEUE_MAX_WORKERS", "");
      env.put("JOB_QUEUE_MIN_WORKERS", "   ");
      env.put("JOB_QUEUE_RETRY_STRATEGY", "\t");
      env.put("JOB_QUEUE_SCHEMA", " ");
      env.put("JOB_QUEUE_ENABLE_METRICS", "");
      env.put("JOB_QUEUE_DATABASE_PASSWORD", "");

      JobQueueConfig config = JobQueueConfig.fromEnvironment(env);

      assertThat(config.maxWorkers()).isEqualTo(5);
      assertThat(config.minWorkers()).isEqualTo(1);
      assertThat(config.retryStrategy()).isEqualTo(RetryStrategy.EXPONENTIAL);
      assertThat(config.schema()).isEqualTo("jobqueue");
      assertThat(config.enableMetrics()).isFalse();
      assertThat(config.databasePassword()).isEmpty();
    }

    @Test
    void ignoresVariablesWithoutThePrefix() {
      Map<String, String> env = new HashMap<>();
      env.put("MAX_WORKERS", "abc");
      env.put("JOBQUEUE_MAX_WORKERS", "abc");
      env.put("job_queue_max_workers", "abc");
      env.put("PATH", "/usr/bin");
      env.put("DATABASE_URL", "mysql://nope");

      JobQueueConfig config = JobQueueConfig.fromEnvironment(env);

      assertThat(config.maxWorkers()).isEqualTo(5);
      assertThat(config.databaseUrl()).isEmpty();
    }

    @Test
    void ignoresUnknownPrefixedVariables() {
      JobQueueConfig config =
          JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_MAX_WORKER", "not-a-number"));

      assertThat(config.maxWorkers()).isEqualTo(5);
    }

    @Test
    void trimsSurroundingWhitespace() {
      JobQueueConfig config =
          JobQueueConfig.fromEnvironment(
              Map.of("JOB_QUEUE_MAX_WORKERS", " 8 ", "JOB_QUEUE_RETRY_STRATEGY", " Fixed "));

      assertThat(config.maxWorkers()).isEqualTo(8);
      assertThat(config.retryStrategy()).isEqualTo(RetryStrategy.FIXED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "1", "yes", "Yes"})
    void acceptsTrueSpellings(String value) {
      assertThat(
              JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_ENABLE_METRICS", value))
                  .enableMetrics())
          .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "FALSE", "0", "no", "No"})
    void acceptsFalseSpellings(String value) {
      assertThat(
              JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_RUN_MIGRATIONS", value))
                  .runMigrations())
          .isFalse();
    }

    @Test
    void rejectsMinWorkersAboveMaxWorkersFromEnvironment() {
      Map<String, String> env = Map.of("JOB_QUEUE_MAX_WORKERS", "2", "JOB_QUEUE_MIN_WORKERS", "4");

      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
          .withMessageContaining("maxWorkers must be >= minWorkers (was 2 < 4)");
    }

    @Test
    void rejectsNullEnvironment() {
      assertThatThrownBy(() -> JobQueueConfig.fromEnvironment(null))
          .isInstanceOf(NullPointerException.class);
    }
  }

  static Stream<Arguments> malformedEnvironmentValues() {
    return Stream.of(
        Arguments.of("JOB_QUEUE_MAX_WORKERS", "abc"),
        Arguments.of("JOB_QUEUE_MAX_WORKERS", "-1"),
        Arguments.of("JOB_QUEUE_MAX_WORKERS", "0"),
        Arguments.of("JOB_QUEUE_MAX_WORKERS", "1.5"),
        Arguments.of("JOB_QUEUE_MAX_WORKERS", "99999999999"),
        Arguments.of("JOB_QUEUE_MIN_WORKERS", "-1"),
        Arguments.of("JOB_QUEUE_POLL_INTERVAL", "1s"),
        Arguments.of("JOB_QUEUE_POLL_INTERVAL", "0"),
        Arguments.of("JOB_QUEUE_MAX_JOBS_PER_WORKER", "ten"),
        Arguments.of("JOB_QUEUE_WORKER_TIMEOUT", "-5"),
        Arguments.of("JOB_QUEUE_GRACEFUL_SHUTDOWN_TIMEOUT", "forever"),
        Arguments.of("JOB_QUEUE_DEFAULT_MAX_RETRIES", "-1"),
        Arguments.of("JOB_QUEUE_DEFAULT_TIMEOUT_SECONDS", "0"),
        Arguments.of("JOB_QUEUE_RETRY_STRATEGY", "random"),
        Arguments.of("JOB_QUEUE_RETRY_BASE_DELAY", "-1"),
        Arguments.of("JOB_QUEUE_RETRY_MAX_DELAY", "1e3"),
        Arguments.of("JOB_QUEUE_ENABLE_METRICS", "maybe"),
        Arguments.of("JOB_QUEUE_METRICS_INTERVAL", "10"),
        Arguments.of("JOB_QUEUE_SCHEMA", "Public"),
        Arguments.of("JOB_QUEUE_SCHEMA", "a; drop schema public"),
        Arguments.of("JOB_QUEUE_RUN_MIGRATIONS", "sometimes"),
        Arguments.of("JOB_QUEUE_ALLOW_UNKNOWN_TYPES", "2"),
        Arguments.of("JOB_QUEUE_MAX_PAYLOAD_BYTES", "0"),
        Arguments.of("JOB_QUEUE_DATABASE_URL", "mysql://db.example/app"));
  }

  @Nested
  class Secrets {

    @Test
    void toStringNeverShowsThePassword() {
      JobQueueConfig config =
          JobQueueConfig.builder()
              .databaseUrl("jdbc:postgresql://db.example/app")
              .databaseUser("app_user")
              .databasePassword(PASSWORD)
              .build();

      assertThat(config.toString()).doesNotContain(PASSWORD).contains("<redacted>");
    }

    @Test
    void toStringFromEnvironmentNeverShowsThePassword() {
      JobQueueConfig config =
          JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_DATABASE_PASSWORD", PASSWORD));

      assertThat(config.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void malformedVariableMessageNeverShowsThePassword() {
      Map<String, String> env = new HashMap<>();
      env.put("JOB_QUEUE_DATABASE_PASSWORD", PASSWORD);
      env.put("JOB_QUEUE_MAX_WORKERS", "abc");

      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
          .satisfies(e -> assertNoSecretInChain(e, PASSWORD));
    }

    @Test
    void contradictingSettingsMessageNeverShowsThePassword() {
      Map<String, String> env = new HashMap<>();
      env.put("JOB_QUEUE_DATABASE_PASSWORD", PASSWORD);
      env.put("JOB_QUEUE_MAX_WORKERS", "2");
      env.put("JOB_QUEUE_MIN_WORKERS", "4");

      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
          .satisfies(e -> assertNoSecretInChain(e, PASSWORD));
    }

    @Test
    void builderRejectsMalformedUrlWithoutShowingItsCredentials() {
      assertThatIllegalArgumentException()
          .isThrownBy(
              () -> JobQueueConfig.builder().databaseUrl("mysql://app:" + PASSWORD + "@db/app"))
          .withMessageContaining("databaseUrl")
          .satisfies(e -> assertNoSecretInChain(e, PASSWORD));
    }

    @Test
    void malformedUrlVariableMessageNeverShowsItsCredentials() {
      Map<String, String> env =
          Map.of("JOB_QUEUE_DATABASE_URL", "mysql://app:" + PASSWORD + "@db.example/app");

      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
          .withMessageContaining("JOB_QUEUE_DATABASE_URL")
          .satisfies(e -> assertNoSecretInChain(e, PASSWORD));
    }

    @Test
    void toStringNeverShowsAPasswordInsideTheUrl() {
      JobQueueConfig config =
          JobQueueConfig.builder()
              .databaseUrl("postgresql://app:" + PASSWORD + "@db.example:5432/app")
              .build();

      assertThat(config.toString()).doesNotContain(PASSWORD);
    }

    private void assertNoSecretInChain(Throwable error, String secret) {
      for (Throwable t = error; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
        assertThat(t.toString()).doesNotContain(secret);
      }
    }
  }

  @Nested
  class Building {

    @Test
    void rejectsMaxWorkersBelowMinWorkersNamingBoth() {
      JobQueueConfig.Builder builder = JobQueueConfig.builder().minWorkers(4).maxWorkers(2);

      assertThatIllegalArgumentException()
          .isThrownBy(builder::build)
          .withMessage("maxWorkers must be >= minWorkers (was 2 < 4)");
    }

    @Test
    void acceptsMinWorkersEqualToMaxWorkers() {
      JobQueueConfig config = JobQueueConfig.builder().maxWorkers(3).minWorkers(3).build();

      assertThat(config.minWorkers()).isEqualTo(3);
      assertThat(config.maxWorkers()).isEqualTo(3);
    }

    @Test
    void rejectsRetryMaxDelayBelowRetryBaseDelay() {
      JobQueueConfig.Builder builder =
          JobQueueConfig.builder()
              .retryBaseDelay(Duration.ofSeconds(10))
              .retryMaxDelay(Duration.ofSeconds(5));

      assertThatIllegalArgumentException()
          .isThrownBy(builder::build)
          .withMessageContaining("retryMaxDelay")
          .withMessageContaining("retryBaseDelay")
          .withMessageContaining("5000")
          .withMessageContaining("10000");
    }

    @Test
    void acceptsRetryMaxDelayEqualToRetryBaseDelay() {
      JobQueueConfig config =
          JobQueueConfig.builder()
              .retryBaseDelay(Duration.ofSeconds(5))
              .retryMaxDelay(Duration.ofSeconds(5))
              .build();

      assertThat(config.retryMaxDelay()).isEqualTo(config.retryBaseDelay());
    }

    @ParameterizedTest(name = "{0}({1})")
    @MethodSource("dev.jobqueue.JobQueueConfigTest#outOfRangeIntSettings")
    void rejectsOutOfRangeNumberNamingSettingAndValue(String setting, int value) {
      JobQueueConfig.Builder builder = JobQueueConfig.builder();

      assertThatIllegalArgumentException()
          .isThrownBy(() -> setInt(builder, setting, value))
          .withMessageStartingWith(setting + " must be")
          .withMessageContaining("(was " + value + ")");
    }

    @ParameterizedTest(name = "{0}({1} ms)")
    @MethodSource("dev.jobqueue.JobQueueConfigTest#outOfRangeDurationSettings")
    void rejectsOutOfRangeDurationNamingSettingAndValue(String setting, long millis) {
      JobQueueConfig.Builder builder = JobQueueConfig.builder();

      assertThatIllegalArgumentException()
          .isThrownBy(() -> setDuration(builder, setting, Duration.ofMillis(millis)))
          .withMessageStartingWith(setting + " must be")
          .withMessageContaining("(was " + millis + " ms)");
    }

    @Test
    void rejectsNullDurationNamingTheSetting() {
      assertThatThrownBy(() -> JobQueueConfig.builder().pollInterval(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("pollInterval");
    }

    @Test
    void toBuilderRoundTripsEverySetting() {
      JobQueueConfig original =
          JobQueueConfig.builder()
              .maxWorkers(12)
              .minWorkers(3)
              .pollInterval(Duration.ofMillis(250))
              .maxJobsPerWorker(42)
              .workerTimeout(Duration.ofMinutes(2))
              .gracefulShutdownTimeout(Duration.ofSeconds(5))
              .defaultMaxRetries(7)
              .defaultTimeoutSeconds(90)
              .retryStrategy(RetryStrategy.FIXED)
              .retryBaseDelay(Duration.ofSeconds(2))
              .retryMaxDelay(Duration.ofSeconds(45))
              .enableMetrics(true)
              .metricsInterval(Duration.ofSeconds(15))
              .schema("tenant_jobs")
              .runMigrations(false)
              .allowUnknownTypes(true)
              .maxPayloadBytes(65_536)
              .databaseUrl("jdbc:postgresql://db.example/app")
              .databaseUser("app_user")
              .databasePassword(PASSWORD)
              .build();

      JobQueueConfig copy = original.toBuilder().build();

      assertThat(copy).isNotSameAs(original).usingRecursiveComparison().isEqualTo(original);
      assertThat(copy.toString()).isEqualTo(original.toString());
    }

    @Test
    void toBuilderDerivesAChangedCopyWithoutTouchingTheOriginal() {
      JobQueueConfig original = JobQueueConfig.defaults();

      JobQueueConfig changed = original.toBuilder().maxWorkers(9).schema("other").build();

      assertThat(changed.maxWorkers()).isEqualTo(9);
      assertThat(changed.schema()).isEqualTo("other");
      assertThat(changed.toBuilder().maxWorkers(5).schema("jobqueue").build())
          .usingRecursiveComparison()
          .isEqualTo(original);
      assertThat(original.maxWorkers()).isEqualTo(5);
      assertThat(original.schema()).isEqualTo("jobqueue");
    }

    private void setInt(JobQueueConfig.Builder builder, String setting, int value) {
      switch (setting) {
        case "maxWorkers" -> builder.maxWorkers(value);
        case "minWorkers" -> builder.minWorkers(value);
        case "maxJobsPerWorker" -> builder.maxJobsPerWorker(value);
        case "defaultMaxRetries" -> builder.defaultMaxRetries(value);
        case "defaultTimeoutSeconds" -> builder.defaultTimeoutSeconds(value);
        case "maxPayloadBytes" -> builder.maxPayloadBytes(value);
        default -> throw new AssertionError("unknown setting " + setting);
      }
    }

    private void setDuration(JobQueueConfig.Builder builder, String setting, Duration value) {
      switch (setting) {
        case "pollInterval" -> builder.pollInterval(value);
        case "workerTimeout" -> builder.workerTimeout(value);
        case "gracefulShutdownTimeout" -> builder.gracefulShutdownTimeout(value);
        case "retryBaseDelay" -> builder.retryBaseDelay(value);
        case "retryMaxDelay" -> builder.retryMaxDelay(value);
        case "metricsInterval" -> builder.metricsInterval(value);
        default -> throw new AssertionError("unknown setting " + setting);
      }
    }
  }

  static Stream<Arguments> outOfRangeIntSettings() {
    return Stream.of(
        Arguments.of("maxWorkers", 0),
        Arguments.of("maxWorkers", -1),
        Arguments.of("maxWorkers", 10_001),
        Arguments.of("maxWorkers", Integer.MIN_VALUE),
        Arguments.of("minWorkers", -1),
        Arguments.of("minWorkers", Integer.MAX_VALUE),
        Arguments.of("maxJobsPerWorker", 0),
        Arguments.of("defaultMaxRetries", -1),
        Arguments.of("defaultTimeoutSeconds", 0),
        Arguments.of("maxPayloadBytes", 0),
        Arguments.of("maxPayloadBytes", JobQueueConfig.MAX_PAYLOAD_BYTES_LIMIT + 1));
  }

  static Stream<Arguments> outOfRangeDurationSettings() {
    return Stream.of(
        Arguments.of("pollInterval", 0L),
        Arguments.of("pollInterval", -1L),
        Arguments.of("pollInterval", Duration.ofHours(1).toMillis() + 1),
        Arguments.of("workerTimeout", 0L),
        Arguments.of("gracefulShutdownTimeout", -1L),
        Arguments.of("retryBaseDelay", -1L),
        Arguments.of("retryMaxDelay", Duration.ofDays(7).toMillis() + 1),
        Arguments.of("metricsInterval", 999L));
  }

  @Nested
  class SchemaNames {

    @ParameterizedTest
    @MethodSource("dev.jobqueue.JobQueueConfigTest#validSchemaNames")
    void acceptsValidSchemaName(String name) {
      assertThat(JobQueueConfig.builder().schema(name).build().schema()).isEqualTo(name);
    }

    @ParameterizedTest
    @MethodSource("dev.jobqueue.JobQueueConfigTest#invalidSchemaNames")
    void rejectsInvalidSchemaNameNamingTheValue(String name) {
      JobQueueConfig.Builder builder = JobQueueConfig.builder();

      assertThatIllegalArgumentException()
          .isThrownBy(() -> builder.schema(name))
          .withMessageContaining("schema")
          .withMessageContaining("'" + name + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a; drop schema public", "\"x\"", "Upper", "1abc", "a-b", "$$", "é"})
    void rejectsInvalidSchemaNameFromEnvironment(String name) {
      Map<String, String> env = Map.of("JOB_QUEUE_SCHEMA", name);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
          .withMessageContaining("JOB_QUEUE_SCHEMA")
          .withMessageContaining(name);
    }

    // PostgreSQL reserves the pg_ prefix (CREATE SCHEMA refuses it) and owns these schemas.
    @ParameterizedTest
    @ValueSource(strings = {"pg_catalog", "pg_temp", "pg_toast", "pg_jobs", "information_schema"})
    void rejectsSystemSchemaNames(String name) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.builder().schema(name))
          .withMessageContaining("schema must not be a PostgreSQL system schema")
          .withMessageContaining("'" + name + "'");
    }

    @Test
    void rejectsNullSchemaName() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> JobQueueConfig.builder().schema(null))
          .withMessageContaining("schema")
          .withMessageContaining("null");
    }
  }

  static Stream<String> validSchemaNames() {
    return Stream.of("jobqueue", "_x", "a1_b", "_", "z", "a".repeat(63));
  }

  static Stream<String> invalidSchemaNames() {
    return Stream.of(
        "a; drop schema public",
        "\"x\"",
        "x\"",
        "Upper",
        "1abc",
        "",
        "a".repeat(64),
        "$$",
        "%I",
        "a-b",
        "a b",
        "é",
        "caf\u00e9",
        "a\u0000b",
        "\u0000",
        "abc\n",
        "a\nb",
        "public.jobs",
        "x'",
        "jobqueue; --");
  }
}
