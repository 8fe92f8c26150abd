package dev.jobqueue.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@link JobQueueExtension} driven through its callbacks, as JUnit calls them, against the test
 * database: what each scope creates, and that nothing is left behind, also when a setup fails.
 */
class JobQueueExtensionIT {

  record Ping(int n) {}

  private final TestDatabase db = TestDatabase.get();

  @Test
  void aClassWideSchemaOutlivesItsTestsAndEachTestLeavesNothingBehind() {
    JobQueueExtension extension =
        JobQueueExtension.perClass().migrated().truncatingAfterEach("nodes");
    ExtensionContext type = context("class", null);
    extension.beforeAll(type);
    String schema = extension.schema();
    assertThat(schemaExists(schema)).isTrue();
    assertThat(extension.rows().count()).isZero();

    ExtensionContext test = context("first test", null);
    extension.beforeEach(test);
    JobQueueManager manager =
        extension.start("probe", extension.fastConfig().runWorkers(false).build(), noop());
    HikariDataSource pool = extension.newPool("probe-extra", 1);
    manager.createJob(CreateJobOptions.of("ping", new Ping(1)));
    assertThat(extension.rows().count()).isEqualTo(1);
    extension.afterEach(test);

    assertThat(pool.isClosed()).as("a test's pool is closed after it").isTrue();
    assertThatThrownBy(() -> manager.createJob(CreateJobOptions.of("ping", new Ping(2))))
        .as("a test's manager is shut down after it")
        .hasMessageContaining("shut down");
    assertThat(extension.rows().count()).as("jobs truncated after the test").isZero();
    assertThat(extension.schema()).isEqualTo(schema);
    assertThat(schemaExists(schema)).isTrue();

    extension.afterAll(type);
    assertThat(schemaExists(schema)).as("dropped after the class").isFalse();
  }

  @Test
  void aSchemaPerTestWithItsManagerIsFreshForEachTestAndDroppedAfterIt() {
    JobQueueExtension extension = JobQueueExtension.perTest().withManager(noop());
    ExtensionContext type = context("class", null);
    extension.beforeAll(type);

    List<String> schemas = new ArrayList<>();
    List<JobQueueManager> managers = new ArrayList<>();
    for (String name : List.of("first test", "second test")) {
      ExtensionContext test = context(name, null);
      extension.beforeEach(test);
      schemas.add(extension.schema());
      managers.add(extension.manager());
      String id = extension.manager().createJob(CreateJobOptions.of("ping", new Ping(1)));
      assertThat(extension.rows().get(id).status()).isEqualTo("pending");
      extension.afterEach(test);
    }
    extension.afterAll(type);

    assertThat(schemas.get(0)).isNotEqualTo(schemas.get(1));
    assertThat(schemas).noneMatch(this::schemaExists);
    for (JobQueueManager manager : managers) {
      assertThatThrownBy(() -> manager.getJob("1")).hasMessageContaining("shut down");
    }
    assertThatThrownBy(extension::manager).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aFailedSetupTearsDownWhatItHadSetUpAndReportsTheFailure() {
    JobQueueExtension extension =
        JobQueueExtension.perTest()
            .migrated()
            .withManager(noop())
            .withSql("create table {schema}.extra (n int)", "select * from no_such_table");
    ExtensionContext type = context("class", null);
    extension.beforeAll(type);
    // As an instance field of the next test would: the name that test's schema gets.
    String schema = extension.schema();
    long notifiersBefore = notifierThreads();

    ExtensionContext test = context("failing test", null);
    assertThatThrownBy(() -> extension.beforeEach(test)).hasMessageContaining("no_such_table");
    extension.afterEach(test);
    extension.afterAll(type);

    assertThat(schemaExists(schema)).as("the migrated schema is dropped").isFalse();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(notifierThreads())
                    .as("the manager started before the failure is shut down")
                    .isLessThanOrEqualTo(notifiersBefore));
  }

  @Test
  void twoTestsOfOneClassAtOnceAreRefusedAndAPerTestSchemaFieldInAPerClassInstanceToo() {
    JobQueueExtension extension = JobQueueExtension.perClass();
    ExtensionContext type = context("class", null);
    extension.beforeAll(type);
    ExtensionContext first = context("first test", null);
    extension.beforeEach(first);
    assertThatThrownBy(() -> extension.beforeEach(context("second test", null)))
        .hasMessageContaining("one at a time")
        .hasMessageContaining("SAME_THREAD");
    extension.afterEach(first);
    extension.afterAll(type);

    JobQueueExtension perTest = JobQueueExtension.perTest();
    String fieldValue = perTest.schema();
    assertThat(fieldValue).isNotBlank();
    assertThatThrownBy(() -> perTest.beforeAll(context("class", TestInstance.Lifecycle.PER_CLASS)))
        .hasMessageContaining("PER_CLASS");
    assertThatThrownBy(perTest::schema).hasMessageContaining("while a test runs");
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static JobHandler<Ping> noop() {
    return JobHandler.of("ping", Ping.class, (payload, ctx) -> null);
  }

  private boolean schemaExists(String schema) {
    return db.queryLong("select count(*) from pg_namespace where nspname = '" + schema + "'") == 1;
  }

  private static long notifierThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.isAlive() && thread.getName().startsWith("jobqueue-notifier-"))
        .count();
  }

  /**
   * The part of an {@link ExtensionContext} the extension uses: a name, the test-instance
   * lifecycle, and a store that keeps what is put in it.
   */
  private static ExtensionContext context(String name, TestInstance.Lifecycle lifecycle) {
    List<Object> stored = new ArrayList<>();
    ExtensionContext.Store store =
        (ExtensionContext.Store)
            Proxy.newProxyInstance(
                JobQueueExtensionIT.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.Store.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("put")) {
                    stored.add(args[1]);
                  }
                  return null;
                });
    Map<String, Object> answers =
        Map.of("getDisplayName", name, "getTestInstanceLifecycle", Optional.ofNullable(lifecycle));
    return (ExtensionContext)
        Proxy.newProxyInstance(
            JobQueueExtensionIT.class.getClassLoader(),
            new Class<?>[] {ExtensionContext.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getStore" -> store;
                  case "toString" -> "context " + name;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> answers.get(method.getName());
                });
  }
}
