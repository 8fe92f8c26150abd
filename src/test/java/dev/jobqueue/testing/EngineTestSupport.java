package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Helpers for the execution-engine integration tests: managers on pools of their own that are shut
 * down and closed together, fast engine settings, and data sources that misbehave on purpose.
 *
 * <p>{@link JobQueueExtension} hands one to each test and closes it afterwards; rows are read with
 * {@link #rows()}.
 */
public final class EngineTestSupport implements AutoCloseable {

  private final TestDatabase db;
  private final String schema;
  private final JobRows rows;
  private final List<JobQueueManager> managers = Collections.synchronizedList(new ArrayList<>());
  private final List<HikariDataSource> pools = Collections.synchronizedList(new ArrayList<>());

  /**
   * Support for one schema.
   *
   * @param db the test database
   * @param schema the schema the tests use
   */
  public EngineTestSupport(TestDatabase db, String schema) {
    this.db = db;
    this.schema = schema;
    this.rows = new JobRows(db, schema);
  }

  /**
   * Settings that make the engine react within milliseconds: short polls, leases, rescues and retry
   * delays, and a short graceful shutdown so that a test never waits long for a blocked handler.
   *
   * @param schema the schema
   * @return a builder to adjust
   */
  public static JobQueueConfig.Builder fastConfig(String schema) {
    return JobQueueConfig.builder()
        .schema(schema)
        .pollInterval(Duration.ofMillis(100))
        .leaseDuration(Duration.ofSeconds(2))
        .rescueInterval(Duration.ofMillis(500))
        .retryBaseDelay(Duration.ofMillis(50))
        .retryMaxDelay(Duration.ofMillis(200))
        .retryJitter(0)
        .gracefulShutdownTimeout(Duration.ofSeconds(1));
  }

  /** The schema these helpers query. */
  public String schema() {
    return schema;
  }

  /**
   * The schema's job rows: the one way tests read the jobs table.
   *
   * @return the reader
   */
  public JobRows rows() {
    return rows;
  }

  /** Creates the schema's tables, so that tests may read and truncate them before any manager. */
  public void migrate() {
    JobQueueManager manager = db.managerBuilder(schema).build();
    manager.initialize();
    manager.shutdown();
  }

  /**
   * A pool of its own, closed by {@link #close()}.
   *
   * @param name the pool name
   * @param size the maximum size
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size) {
    return newPool(name, size, config -> {});
  }

  /**
   * A pool of its own, adjusted before it starts ({@link TestDatabase#newPool(String, int,
   * Consumer)}), closed by {@link #close()}.
   *
   * @param name the pool name
   * @param size the maximum size
   * @param adjust changes to the configuration
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size, Consumer<HikariConfig> adjust) {
    HikariDataSource pool = db.newPool(name, size, adjust);
    pools.add(pool);
    return pool;
  }

  /**
   * Builds and initializes a manager on a new pool of its own ({@code maxWorkers + 8} connections);
   * {@link #close()} shuts it down.
   *
   * @param name the pool name
   * @param config the settings
   * @param handlers the handlers to register
   * @return the initialized manager
   */
  public JobQueueManager start(String name, JobQueueConfig config, JobHandler<?>... handlers) {
    return start(config, newPool(name, config.maxWorkers() + 8), handlers);
  }

  /**
   * Builds and initializes a manager on a given data source; {@link #close()} shuts it down.
   *
   * @param config the settings
   * @param dataSource where its connections come from
   * @param handlers the handlers to register
   * @return the initialized manager
   */
  public JobQueueManager start(
      JobQueueConfig config, DataSource dataSource, JobHandler<?>... handlers) {
    JobQueueManager manager = build(config, dataSource, handlers);
    manager.initialize();
    return manager;
  }

  /**
   * Builds a manager without initializing it; {@link #close()} shuts it down.
   *
   * @param config the settings
   * @param dataSource where its connections come from
   * @param handlers the handlers to register
   * @return the manager
   */
  public JobQueueManager build(
      JobQueueConfig config, DataSource dataSource, JobHandler<?>... handlers) {
    JobQueueManager.Builder builder =
        JobQueueManager.builder().config(config).dataSource(dataSource);
    for (JobHandler<?> handler : handlers) {
      builder.handler(handler);
    }
    JobQueueManager manager = builder.build();
    managers.add(manager);
    return manager;
  }

  /**
   * Builds and initializes a manager a test configured itself (listeners, another data source);
   * {@link #close()} shuts it down.
   *
   * @param builder the configured builder
   * @return the initialized manager
   */
  public JobQueueManager start(JobQueueManager.Builder builder) {
    JobQueueManager manager = build(builder);
    manager.initialize();
    return manager;
  }

  /**
   * Builds a manager a test configured itself, without initializing it (for tests of {@code
   * initialize()} itself); {@link #close()} shuts it down.
   *
   * @param builder the configured builder
   * @return the manager
   */
  public JobQueueManager build(JobQueueManager.Builder builder) {
    JobQueueManager manager = builder.build();
    managers.add(manager);
    return manager;
  }

  /** Shuts the managers down (newest first) and closes the pools. */
  @Override
  public void close() {
    List<JobQueueManager> toStop;
    synchronized (managers) {
      toStop = new ArrayList<>(managers);
      managers.clear();
    }
    Collections.reverse(toStop);
    RuntimeException failure = null;
    for (JobQueueManager manager : toStop) {
      try {
        manager.shutdown();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    List<HikariDataSource> toClose;
    synchronized (pools) {
      toClose = new ArrayList<>(pools);
      pools.clear();
    }
    toClose.forEach(HikariDataSource::close);
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * The {@code p}-th percentile (nearest rank) of some values.
   *
   * @param values the values
   * @param p from 0 to 100
   * @return the percentile
   */
  public static long percentile(List<Long> values, double p) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /**
   * Wraps a data source so that {@code LISTEN} fails on its connections: a pool built on it can
   * only be woken by polling or by its own JVM.
   *
   * @param delegate the real data source
   * @return the wrapper
   */
  public static DataSource refusingListen(DataSource delegate) {
    return onListen(
        delegate,
        statement -> {
          throw new SQLException("LISTEN refused by the test");
        });
  }

  /**
   * Wraps a data source so that each {@code LISTEN} on its connections reports the server process
   * id of its connection (the listener's backend, for {@code pg_terminate_backend}) before it runs.
   *
   * @param delegate the real data source
   * @param listenerPids told the backend pid of every connection that runs {@code LISTEN}
   * @return the wrapper
   */
  public static DataSource observingListen(DataSource delegate, IntConsumer listenerPids) {
    return onListen(
        delegate,
        statement ->
            listenerPids.accept(
                statement.getConnection().unwrap(PGConnection.class).getBackendPID()));
  }

  /**
   * Wraps a data source so that {@code getConnection} waits {@code millis} first when called from a
   * thread whose name starts with {@code threadPrefix}, while {@code active} holds: a pool that is
   * slow to hand out connections (exhausted, or reconnecting after an outage).
   *
   * @param delegate the real data source
   * @param threadPrefix the threads to slow down, for example {@code "jobqueue-poller-"}
   * @param millis the wait
   * @param active whether to wait now
   * @return the wrapper
   */
  public static DataSource slowConnections(
      DataSource delegate, String threadPrefix, long millis, BooleanSupplier active) {
    return (DataSource)
        Proxy.newProxyInstance(
            EngineTestSupport.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")
                  && active.getAsBoolean()
                  && Thread.currentThread().getName().startsWith(threadPrefix)) {
                Thread.sleep(millis);
              }
              return invoke(delegate, method, args);
            });
  }

  /**
   * Wraps a data source that can be made unreachable: while {@code down} holds, {@code
   * getConnection} fails at once, and each call reports the calling thread's name.
   *
   * @param delegate the real data source
   * @param down whether the database is unreachable now
   * @param attempts told the thread name of each refused {@code getConnection}
   * @return the wrapper
   */
  public static DataSource unreachableWhen(
      DataSource delegate, BooleanSupplier down, Consumer<String> attempts) {
    return (DataSource)
        Proxy.newProxyInstance(
            EngineTestSupport.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection") && down.getAsBoolean()) {
                attempts.accept(Thread.currentThread().getName());
                throw new SQLException("the database is unreachable (test)", "08001");
              }
              return invoke(delegate, method, args);
            });
  }

  /**
   * Wraps a data source to report the calling thread's name on every {@code getConnection}: how
   * often a node asks its pool for a connection.
   *
   * @param delegate the real data source
   * @param requests told the thread name of each {@code getConnection}
   * @return the wrapper
   */
  public static DataSource countingConnections(DataSource delegate, Consumer<String> requests) {
    return (DataSource)
        Proxy.newProxyInstance(
            EngineTestSupport.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                requests.accept(Thread.currentThread().getName());
              }
              return invoke(delegate, method, args);
            });
  }

  /**
   * Wraps a data source so that preparing a statement whose SQL contains {@code fragment} fails:
   * for example a node that never gets to run its rescue.
   *
   * @param delegate the real data source
   * @param fragment a piece of SQL text
   * @return the wrapper
   */
  public static DataSource refusingStatements(DataSource delegate, String fragment) {
    return wrappingConnections(
        delegate,
        (target, m, a) -> {
          if (m.getName().equals("prepareStatement")
              && a[0] instanceof String sql
              && sql.contains(fragment)) {
            throw new SQLException("statement refused by the test: " + fragment);
          }
          return invoke(target, m, a);
        });
  }

  /** A data source whose connections answer every call through {@code call}. */
  private static DataSource wrappingConnections(DataSource delegate, Call call) {
    return (DataSource)
        Proxy.newProxyInstance(
            EngineTestSupport.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object value = invoke(delegate, method, args);
              return value instanceof Connection connection
                  ? proxy(Connection.class, connection, call)
                  : value;
            });
  }

  private interface ListenHook {
    void beforeListen(Statement statement) throws SQLException;
  }

  private static DataSource onListen(DataSource delegate, ListenHook hook) {
    return wrappingConnections(delegate, (target, m, a) -> wrapStatements(target, m, a, hook));
  }

  private static Object wrapStatements(Object target, Method method, Object[] args, ListenHook hook)
      throws Throwable {
    Object value = invoke(target, method, args);
    if (value instanceof Statement statement && !(value instanceof PreparedStatement)) {
      return proxy(
          Statement.class,
          statement,
          (inner, m, a) -> {
            if (a != null
                && a.length > 0
                && a[0] instanceof String sql
                && sql.trim().toUpperCase(Locale.ROOT).startsWith("LISTEN")) {
              hook.beforeListen(statement);
            }
            return invoke(inner, m, a);
          });
    }
    return value;
  }

  private interface Call {
    Object call(Object target, Method method, Object[] args) throws Throwable;
  }

  private static <T> T proxy(Class<T> type, T target, Call call) {
    InvocationHandler handler = (proxy, method, args) -> call.call(target, method, args);
    return type.cast(
        Proxy.newProxyInstance(
            EngineTestSupport.class.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
