package dev.jobqueue.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.RetryStrategy;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The descriptors and their wiring into {@code JobQueueConfig}: every setting reaches its accessor
 * from the builder and from the environment, errors name where a value came from, and no internal
 * type leaks into the public API. No database.
 */
class SettingsTest {

  static Stream<Setting<?>> settings() {
    return Settings.ALL.stream();
  }

  @Test
  void namesVariablesAndIndexesAreUnique() {
    Set<String> names = new HashSet<>();
    Set<String> variables = new HashSet<>();
    for (int i = 0; i < Settings.ALL.size(); i++) {
      Setting<?> setting = Settings.ALL.get(i);
      assertThat(setting.index()).isEqualTo(i);
      assertThat(names.add(setting.name())).as(setting.name()).isTrue();
      assertThat(variables.add(setting.variable())).as(setting.variable()).isTrue();
      assertThat(setting.variable()).startsWith("JOB_QUEUE_");
    }
    assertThat(Settings.variables()).isSorted().hasSize(Settings.ALL.size());
  }

  @Test
  void settingsOfAGroupAreNextToEachOther() {
    List<Group> order = new ArrayList<>();
    for (Setting<?> setting : Settings.ALL) {
      if (order.isEmpty() || order.get(order.size() - 1) != setting.group()) {
        order.add(setting.group());
      }
    }
    assertThat(order).containsExactly(Group.values());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void accessorReturnsTheDefault(Setting<?> setting) throws Exception {
    Object value = unwrap(JobQueueConfig.class.getMethod(setting.name()).invoke(defaults()));

    assertThat(value).isEqualTo(setting.defaultValue());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void builderSetterReachesTheAccessor(Setting<?> setting) throws Exception {
    Object sample = sample(setting);
    JobQueueConfig.Builder builder = JobQueueConfig.builder();

    setter(setting, sample).invoke(builder, sample);
    JobQueueConfig config = builder.build();

    assertThat(unwrap(JobQueueConfig.class.getMethod(setting.name()).invoke(config)))
        .isEqualTo(sample);
    assertThat(
            unwrap(
                JobQueueConfig.class.getMethod(setting.name()).invoke(config.toBuilder().build())))
        .isEqualTo(sample);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void environmentVariableReachesTheAccessor(Setting<?> setting) throws Exception {
    Object sample = sample(setting);

    JobQueueConfig config =
        JobQueueConfig.fromEnvironment(Map.of(setting.variable(), " " + text(sample) + " "));

    assertThat(unwrap(JobQueueConfig.class.getMethod(setting.name()).invoke(config)))
        .isEqualTo(sample);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void toStringShowsEverySettingAndNoSecret(Setting<?> setting) throws Exception {
    Object sample = sample(setting);
    JobQueueConfig.Builder builder = JobQueueConfig.builder();
    setter(setting, sample).invoke(builder, sample);

    String shown = builder.build().toString();

    String expected =
        switch (setting.sensitivity()) {
          case PLAIN -> shownInToString(sample);
          case URL -> Sensitivity.redactUrl(text(sample));
          case SECRET -> "<redacted>";
        };
    assertThat(shown).contains(setting.name() + "=" + expected);
    if (setting.secret()) {
      assertThat(shown).doesNotContain(text(sample));
    }
  }

  @Test
  void toStringListsTheSettingsInTableOrder() {
    assertThat(defaults().toString())
        .startsWith(
            "JobQueueConfig[maxWorkers=5, minWorkers=1, queues=default, maxJobsPerWorker=10,"
                + " pollInterval=PT1S,")
        .contains(", retryStrategy=exponential,", ", completedJobRetention=PT168H,")
        .endsWith(", databaseUrl=null, databaseUser=null, databasePassword=null]");
  }

  @Test
  void builderErrorNamesTheOptionAndTheValue() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.builder().maxWorkers(0))
        .withMessage("maxWorkers must be between 1 and 10000 (was 0)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.builder().leaseDuration(Duration.ofMillis(499)))
        .withMessage("leaseDuration must be between 500 ms and 3600000 ms (was 499 ms)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.builder().completedJobRetention(Duration.ofSeconds(59)))
        .withMessage(
            "completedJobRetention must be between 60000 ms and 315619200000 ms (was 59000 ms)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.builder().retryJitter(Double.NaN))
        .withMessage("retryJitter must be between 0.0 and 1.0 (was NaN)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.builder().nodeId("a b"))
        .withMessage(
            "nodeId must be 1 to 100 printable ASCII characters without spaces (was 'a b')");
    assertThatThrownBy(() -> JobQueueConfig.builder().retryStrategy(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("retryStrategy must not be null");
  }

  @Test
  void retentionAcceptsZero() {
    JobQueueConfig config =
        JobQueueConfig.builder()
            .completedJobRetention(Duration.ZERO)
            .failedJobRetention(Duration.ZERO)
            .build();

    assertThat(config.completedJobRetention()).isZero();
    assertThat(config.failedJobRetention()).isZero();
  }

  @Test
  void failedSetterLeavesTheBuilderUnchanged() {
    JobQueueConfig.Builder builder = JobQueueConfig.builder().maxWorkers(7);

    assertThatIllegalArgumentException().isThrownBy(() -> builder.maxWorkers(0));

    assertThat(builder.build().maxWorkers()).isEqualTo(7);
  }

  @Test
  void environmentErrorNamesTheVariableAndTheValue() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_MAX_WORKERS", "abc")))
        .withMessage(
            "environment variable JOB_QUEUE_MAX_WORKERS is invalid (was 'abc'): expected a whole"
                + " number");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_MAX_WORKERS", "0")))
        .withMessage(
            "environment variable JOB_QUEUE_MAX_WORKERS is invalid (was '0'): maxWorkers must be"
                + " between 1 and 10000 (was 0)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_LEASE_DURATION", "30s")))
        .withMessage(
            "environment variable JOB_QUEUE_LEASE_DURATION is invalid (was '30s'): expected a"
                + " whole number of milliseconds");
  }

  @Test
  void contradictionFromTheEnvironmentNamesBothVariables() {
    Map<String, String> env = Map.of("JOB_QUEUE_MAX_WORKERS", "2", "JOB_QUEUE_MIN_WORKERS", "4");

    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
        .withMessage(
            "environment variables JOB_QUEUE_MAX_WORKERS (was '2') and JOB_QUEUE_MIN_WORKERS"
                + " (was '4') contradict each other: maxWorkers must be >= minWorkers (was 2 < 4)");
  }

  @Test
  void contradictionWithADefaultNamesTheVariableAndTheDefault() {
    Map<String, String> env = Map.of("JOB_QUEUE_RETRY_BASE_DELAY", "90000");

    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobQueueConfig.fromEnvironment(env))
        .withMessage(
            "environment variable JOB_QUEUE_RETRY_BASE_DELAY (was '90000') contradicts the default"
                + " of retryMaxDelay: retryMaxDelay must be >= retryBaseDelay (was 60000 ms <"
                + " 90000 ms)");
  }

  @Test
  void environmentErrorsRedactSecretsAndUrlCredentials() {
    String url = "mysql://app:hunter2@db/app";

    assertThatIllegalArgumentException()
        .isThrownBy(
            () -> JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_MIGRATION_DATABASE_URL", url)))
        .withMessageStartingWith(
            "environment variable JOB_QUEUE_MIGRATION_DATABASE_URL is invalid (was"
                + " 'mysql://<credentials>@db/app'): migrationDatabaseUrl must start with")
        .withMessageNotContaining("hunter2");
    assertThat(Sensitivity.SECRET.redact("hunter2")).isEqualTo("<redacted>");
  }

  @Test
  void publicSignaturesOfTheConfigurationUseNoInternalType() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> type : List.of(JobQueueConfig.class, JobQueueConfig.Builder.class)) {
      for (Method method : type.getDeclaredMethods()) {
        if (Modifier.isPublic(method.getModifiers())) {
          List<Type> used = new ArrayList<>(Arrays.asList(method.getGenericParameterTypes()));
          used.add(method.getGenericReturnType());
          checkTypes(method.toGenericString(), used, leaks);
        }
      }
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isPublic(field.getModifiers())) {
          checkTypes(field.toGenericString(), List.of(field.getGenericType()), leaks);
        }
      }
      for (Constructor<?> constructor : type.getDeclaredConstructors()) {
        assertThat(Modifier.isPublic(constructor.getModifiers()))
            .as(constructor.toString())
            .isFalse();
      }
    }
    assertThat(leaks).isEmpty();
  }

  private static void checkTypes(String member, List<Type> types, List<String> leaks) {
    for (Type type : types) {
      if (type.getTypeName().contains("dev.jobqueue.internal")) {
        leaks.add(member);
      }
    }
  }

  private static JobQueueConfig defaults() {
    return JobQueueConfig.defaults();
  }

  /** A valid value other than the default, of the setting's type. */
  private static Object sample(Setting<?> setting) {
    Object value = setting.defaultValue();
    return switch (setting.name()) {
      case "nodeId" -> "node-7";
      case "schema" -> "other_jobs";
      case "migrationDatabaseUrl" -> "postgresql://migrator:pw@db.example/app";
      case "databaseUrl" -> "jdbc:postgresql://db.example/app?password=pw";
      case "databaseUser" -> "app_user";
      case "databasePassword" -> "s3cr3t-Pa55word";
      case "queues" ->
          List.of(QueueOptions.of("default"), QueueOptions.builder("emails").maxWorkers(4).build());
      default -> {
        if (value instanceof Integer i) {
          yield i + 1;
        } else if (value instanceof Duration d) {
          yield d.plusSeconds(1);
        } else if (value instanceof Boolean b) {
          yield !b;
        } else if (value instanceof Double) {
          yield 0.5;
        } else if (value instanceof RetryStrategy) {
          yield RetryStrategy.FIXED;
        }
        throw new AssertionError("no sample for " + setting);
      }
    };
  }

  /** A value as an environment variable gives it. */
  private static String text(Object value) {
    if (value instanceof Duration d) {
      return String.valueOf(d.toMillis());
    }
    if (value instanceof RetryStrategy s) {
      return s.wireName();
    }
    return shownInToString(value);
  }

  private static String shownInToString(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return value instanceof RetryStrategy s ? s.wireName() : String.valueOf(value);
  }

  private static Method setter(Setting<?> setting, Object sample) {
    for (Method method : JobQueueConfig.Builder.class.getMethods()) {
      if (method.getName().equals(setting.name())
          && method.getParameterCount() == 1
          && boxed(method.getParameterTypes()[0]).isInstance(sample)) {
        return method;
      }
    }
    throw new AssertionError("no builder setter " + setting.name());
  }

  private static Class<?> boxed(Class<?> type) {
    if (type == int.class) {
      return Integer.class;
    }
    if (type == boolean.class) {
      return Boolean.class;
    }
    return type == double.class ? Double.class : type;
  }

  private static Object unwrap(Object value) {
    return value instanceof Optional<?> optional ? optional.orElse(null) : value;
  }
}
