package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A schema of its own for a test class (or for each test), with the managers and pools the tests
 * start in it shut down and closed for them. Registered on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final JobQueueExtension jobqueue =
 *     JobQueueExtension.perClass().migrated().truncatingAfterEach();
 *
 * private final JobRows rows = jobqueue.rows();
 *
 * @Test
 * void runsTheJob() {
 *   JobQueueManager worker = jobqueue.start("worker", jobqueue.fastConfig().build(), handler);
 *   String id = worker.createJob(CreateJobOptions.of("work", new Work("w")));
 *   await().until(() -> rows.get(id).status().equals("completed"));
 * }
 * }</pre>
 *
 * <p><b>Schema.</b> {@link #perClass()}: one schema for the class, from before its first test until
 * after its last; {@link #perTest()}: a fresh schema for each test, while it runs. The schema is
 * dropped at the end either way. An instance field may hold {@link #schema()} (with {@code
 * perTest()}, unless one instance serves every test: {@code @TestInstance(PER_CLASS)}). {@link
 * #migrated()} creates the library's tables up front; {@link #truncatingAfterEach(String...)}
 * empties the jobs table (and others) after each test of a class-wide schema; {@link
 * #withSql(String...)} runs setup statements once the schema exists.
 *
 * <p><b>Managers and pools</b> come from {@link #start}, {@link #build} and {@link #newPool} (an
 * {@link EngineTestSupport} underneath, {@link #support()}). What a test, or its
 * {@code @BeforeEach}, starts is shut down (newest first) and closed after that test; what a
 * {@code @BeforeAll} method starts, after the class. {@link #withManager} asks for one enqueue-only
 * manager on the shared pool ({@link TestDatabase#managerBuilder(String)}), running for as long as
 * the schema lives: {@link #manager()}.
 *
 * <p><b>Failures.</b> When a step of the setup fails, what the earlier steps set up is torn down
 * before the failure is reported; the teardown runs every step even when one fails, and reports the
 * first failure with the others suppressed. Each scope is also held in the JUnit store, which
 * closes it should a callback be skipped.
 *
 * <p><b>Parallelism.</b> The build runs test classes one after the other in one JVM (no JUnit
 * parallel execution, one Surefire fork). Each class has its own extension (a static field) and
 * schema, so classes could also run concurrently; the tests of one class share its state and run
 * one at a time: a test that starts while another of the same class runs fails with a message
 * saying so (annotate such a class {@code @Execution(SAME_THREAD)}).
 */
public final class JobQueueExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(JobQueueExtension.class);

  private final boolean schemaPerClass;
  private final String hint;
  private boolean migrated;
  private boolean truncating;
  private final List<String> truncatedTables = new ArrayList<>(List.of("jobs"));
  private final List<String> setUpSql = new ArrayList<>();
  private UnaryOperator<JobQueueConfig.Builder> managerConfig;
  private List<JobHandler<?>> managerHandlers;

  private final JobRows rows;
  private String classSchema;
  private String nextSchema;
  private boolean sharedInstance;
  private Scope classScope;
  private Scope testScope;
  private ExtensionContext classOwner;

  private JobQueueExtension(boolean schemaPerClass, String hint) {
    this.schemaPerClass = schemaPerClass;
    this.hint = hint;
    this.rows = new JobRows(TestDatabase::get, this::schema);
  }

  /**
   * One schema for the whole test class, dropped after its last test.
   *
   * @return the extension, to configure further
   */
  public static JobQueueExtension perClass() {
    return new JobQueueExtension(true, callerName());
  }

  /**
   * A fresh schema for each test, dropped after it.
   *
   * @return the extension, to configure further
   */
  public static JobQueueExtension perTest() {
    return new JobQueueExtension(false, callerName());
  }

  /** The simple name of the class that called the factory: the test class, as a schema hint. */
  private static String callerName() {
    return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .walk(
            frames ->
                frames
                    .map(StackWalker.StackFrame::getDeclaringClass)
                    .filter(type -> type != JobQueueExtension.class)
                    .findFirst()
                    .map(Class::getSimpleName)
                    .orElse("test"));
  }

  /**
   * Creates the library's tables in the schema before the tests (or each test) run, so that they
   * may read and write the tables before any manager starts.
   *
   * @return this
   */
  public JobQueueExtension migrated() {
    migrated = true;
    return this;
  }

  /**
   * After each test of a class-wide schema, once the test's managers are shut down, empties the
   * jobs table and the given tables of the schema (one {@code truncate}). Implies {@link
   * #migrated()}.
   *
   * @param moreTables other tables of the schema, for example {@code "nodes", "job_stats"}
   * @return this
   */
  public JobQueueExtension truncatingAfterEach(String... moreTables) {
    if (!schemaPerClass) {
      throw new IllegalStateException("perTest() drops the schema after each test already");
    }
    truncating = true;
    truncatedTables.addAll(List.of(moreTables));
    return migrated();
  }

  /**
   * Statements to run once the schema exists (after the migration and the manager, if asked for):
   * test tables, triggers. {@code {schema}} stands for the schema's quoted name.
   *
   * @param statements the SQL
   * @return this
   */
  public JobQueueExtension withSql(String... statements) {
    setUpSql.addAll(List.of(statements));
    return this;
  }

  /**
   * An enqueue-only manager ({@code runWorkers(false)}) on the shared pool, with these handlers,
   * initialized when the schema is created and shut down before it is dropped: {@link #manager()}.
   *
   * @param handlers the handlers to register
   * @return this
   */
  public JobQueueExtension withManager(JobHandler<?>... handlers) {
    return withManager(config -> config, handlers);
  }

  /**
   * {@link #withManager(JobHandler...)} with other settings ({@code runWorkers(true)} makes it a
   * worker node, still on the shared pool).
   *
   * @param config changes to {@code JobQueueConfig.builder().schema(schema).runWorkers(false)}
   * @param handlers the handlers to register
   * @return this
   */
  public JobQueueExtension withManager(
      UnaryOperator<JobQueueConfig.Builder> config, JobHandler<?>... handlers) {
    managerConfig = config;
    managerHandlers = List.of(handlers);
    return this;
  }

  // ---------------------------------------------------------------- what the tests use

  /**
   * The test database.
   *
   * @return {@link TestDatabase#get()}
   */
  public TestDatabase db() {
    return TestDatabase.get();
  }

  /**
   * The schema: the class's, or the running test's with {@link #perTest()}.
   *
   * @return its name
   * @throws IllegalStateException with {@link #perTest()}, when no test runs
   */
  public synchronized String schema() {
    if (schemaPerClass) {
      if (classSchema == null) {
        classSchema = db().newSchema(hint);
      }
      return classSchema;
    }
    if (testScope != null) {
      return testScope.schema;
    }
    if (sharedInstance) {
      throw new IllegalStateException(
          "JobQueueExtension.perTest(): the schema exists only while a test runs;"
              + " ask for it in the test or @BeforeEach, not in @BeforeAll");
    }
    // An instance field of the next test (a new instance per test): its schema, named now.
    if (nextSchema == null) {
      nextSchema = db().newSchema(hint);
    }
    return nextSchema;
  }

  /**
   * The job rows of {@link #schema()}: one reader, which follows the schema of the running test, so
   * that it may be held in a field.
   *
   * @return the reader
   */
  public JobRows rows() {
    return rows;
  }

  /**
   * {@link EngineTestSupport#fastConfig(String)} for {@link #schema()}.
   *
   * @return a builder to adjust
   */
  public JobQueueConfig.Builder fastConfig() {
    return EngineTestSupport.fastConfig(schema());
  }

  /**
   * The manager asked for with {@link #withManager}.
   *
   * @return the running manager
   */
  public synchronized JobQueueManager manager() {
    Scope scope = schemaPerClass ? classScope : testScope;
    if (managerHandlers == null || scope == null || scope.manager == null) {
      throw new IllegalStateException(
          managerHandlers == null
              ? "no manager: register the extension withManager(...)"
              : "the manager runs while the schema exists; with perTest(), during a test");
    }
    return scope.manager;
  }

  /**
   * The support of the current scope: the running test's, or the class's outside a test ({@code
   * BeforeAll}, {@code AfterAll}). Its managers and pools end with that scope.
   *
   * @return the support
   */
  public synchronized EngineTestSupport support() {
    Scope scope = testScope != null ? testScope : classScope;
    if (scope == null) {
      throw new IllegalStateException(
          schemaPerClass
              ? "JobQueueExtension: no class or test is running"
              : "JobQueueExtension.perTest(): managers and pools belong to a test;"
                  + " start them in the test (or @BeforeEach), not in @BeforeAll");
    }
    return scope.support;
  }

  /**
   * {@link EngineTestSupport#start(String, JobQueueConfig, JobHandler[])} in the current scope: a
   * manager on a pool of its own ({@code maxWorkers + 8}), initialized.
   *
   * @param poolName the pool name
   * @param config the settings
   * @param handlers the handlers to register
   * @return the running manager
   */
  public JobQueueManager start(String poolName, JobQueueConfig config, JobHandler<?>... handlers) {
    return support().start(poolName, config, handlers);
  }

  /**
   * {@link EngineTestSupport#start(JobQueueConfig, DataSource, JobHandler[])} in the current scope:
   * a manager on a given data source, initialized.
   *
   * @param config the settings
   * @param dataSource where its connections come from
   * @param handlers the handlers to register
   * @return the running manager
   */
  public JobQueueManager start(
      JobQueueConfig config, DataSource dataSource, JobHandler<?>... handlers) {
    return support().start(config, dataSource, handlers);
  }

  /**
   * {@link EngineTestSupport#build(JobQueueConfig, DataSource, JobHandler[])} in the current scope:
   * a manager not initialized yet, shut down with the scope.
   *
   * @param config the settings
   * @param dataSource where its connections come from
   * @param handlers the handlers to register
   * @return the manager
   */
  public JobQueueManager build(
      JobQueueConfig config, DataSource dataSource, JobHandler<?>... handlers) {
    return support().build(config, dataSource, handlers);
  }

  /**
   * {@link EngineTestSupport#start(JobQueueManager.Builder)} in the current scope: a manager the
   * test configured itself (listeners, metrics), initialized.
   *
   * @param builder the configured builder
   * @return the running manager
   */
  public JobQueueManager start(JobQueueManager.Builder builder) {
    return support().start(builder);
  }

  /**
   * {@link EngineTestSupport#build(JobQueueManager.Builder)} in the current scope: a manager the
   * test configured itself, not initialized yet, shut down with the scope.
   *
   * @param builder the configured builder
   * @return the manager
   */
  public JobQueueManager build(JobQueueManager.Builder builder) {
    return support().build(builder);
  }

  /**
   * A pool of its own, closed with the current scope.
   *
   * @param name the pool name
   * @param size the maximum size
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size) {
    return support().newPool(name, size);
  }

  /**
   * A pool of its own, adjusted before it starts, closed with the current scope.
   *
   * @param name the pool name
   * @param size the maximum size
   * @param adjust changes to the configuration
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size, Consumer<HikariConfig> adjust) {
    return support().newPool(name, size, adjust);
  }

  // ---------------------------------------------------------------- callbacks

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!schemaPerClass) {
      synchronized (this) {
        sharedInstance =
            context.getTestInstanceLifecycle().orElse(TestInstance.Lifecycle.PER_METHOD)
                == TestInstance.Lifecycle.PER_CLASS;
        if (sharedInstance && nextSchema != null) {
          nextSchema = null;
          throw new IllegalStateException(
              "JobQueueExtension.perTest() in a @TestInstance(PER_CLASS) class: one instance"
                  + " serves every test, so a field cannot hold the schema of each;"
                  + " call jobqueue.schema() in the test");
        }
      }
      return;
    }
    synchronized (this) {
      if (classScope != null) {
        return; // a @Nested class: it shares the enclosing class's schema
      }
      classOwner = context;
    }
    Scope scope = new Scope(schema(), true);
    open(context, scope, s -> classScope = s);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    synchronized (this) {
      if (testScope != null) {
        throw new IllegalStateException(
            "JobQueueExtension: "
                + context.getDisplayName()
                + " started while "
                + testScope.test
                + " runs; the tests of a class share its schema and run one at a time"
                + " (@Execution(SAME_THREAD))");
      }
    }
    Scope scope;
    if (schemaPerClass) {
      scope = new Scope(schema(), false);
    } else {
      String schema;
      synchronized (this) {
        schema = nextSchema != null ? nextSchema : db().newSchema(hint);
        nextSchema = null;
      }
      scope = new Scope(schema, true);
    }
    scope.test = context.getDisplayName();
    open(context, scope, s -> testScope = s);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Scope scope;
    synchronized (this) {
      scope = testScope;
      testScope = null;
    }
    if (scope != null) {
      scope.close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Scope scope;
    synchronized (this) {
      nextSchema = null;
      if (classOwner != context) {
        return;
      }
      scope = classScope;
      classScope = null;
      classOwner = null;
      classSchema = null;
    }
    if (scope != null) {
      scope.close();
    }
  }

  /**
   * Publishes a scope, hands it to the JUnit store as a safety net, and sets it up; a failed setup
   * tears down what it did before the failure is reported.
   */
  private void open(ExtensionContext context, Scope scope, Consumer<Scope> publish) {
    synchronized (this) {
      publish.accept(scope);
    }
    context.getStore(NAMESPACE).put(scope, scope);
    try {
      scope.setUp();
    } catch (RuntimeException | Error e) {
      synchronized (this) {
        publish.accept(null);
      }
      try {
        scope.close();
      } catch (RuntimeException | Error cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * A schema's lifetime, or a test's within a class-wide schema: the managers and pools started in
   * it, and the schema it drops (or the tables it empties) when it ends.
   */
  private final class Scope implements AutoCloseable {
    final String schema;
    final boolean ownsSchema;
    final EngineTestSupport support;
    String test = "the class setup";
    JobQueueManager manager;
    private boolean closed;

    Scope(String schema, boolean ownsSchema) {
      this.schema = schema;
      this.ownsSchema = ownsSchema;
      this.support = new EngineTestSupport(db(), schema);
    }

    void setUp() {
      if (!ownsSchema) {
        return;
      }
      if (migrated) {
        support.migrate();
      }
      if (managerHandlers != null) {
        JobQueueConfig config =
            managerConfig.apply(JobQueueConfig.builder().schema(schema).runWorkers(false)).build();
        manager =
            support.start(config, db().dataSource(), managerHandlers.toArray(new JobHandler<?>[0]));
      }
      for (String sql : setUpSql) {
        db().execute(sql.replace("{schema}", "\"" + schema + "\""));
      }
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      Throwable failure = null;
      try {
        support.close();
      } catch (RuntimeException | Error e) {
        failure = e;
      }
      try {
        if (ownsSchema) {
          db().dropSchema(schema);
        } else if (truncating) {
          StringBuilder tables = new StringBuilder();
          for (String table : truncatedTables) {
            tables.append(tables.isEmpty() ? "" : ", ").append('"').append(schema).append("\".");
            tables.append(table);
          }
          db().execute("truncate table " + tables);
        }
      } catch (RuntimeException | Error e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
    }
  }
}
