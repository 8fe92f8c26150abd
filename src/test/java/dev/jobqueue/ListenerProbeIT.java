package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A LISTEN that succeeds but never delivers anything (as behind PgBouncer in transaction mode) must
 * not count as connected: the pool keeps polling, and says so in the health check.
 */
class ListenerProbeIT {
  record Work(int n) {}

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();

  @Test
  void listenThatReceivesNothingIsNotTrustedAndThePoolPolls() {
    HikariDataSource pool = jobqueue.newPool("probe-deaf", 12);
    JobQueueManager jobs =
        jobqueue.build(
            JobQueueManager.builder()
                .config(
                    JobQueueConfig.builder()
                        .schema(schema)
                        .pollInterval(Duration.ofMillis(200))
                        .build())
                .dataSource(listeningElsewhere(pool))
                .handler(JobHandler.of("work", Work.class, (payload, ctx) -> null)));
    jobs.initialize();

    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !jobs.workerPool().isListening());
    assertThat(jobs.healthCheck().cluster().wakeup()).isEqualTo("polling");

    String id = jobs.createJob(CreateJobOptions.of("work", new Work(1)));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> jobs.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
  }

  @Test
  void listenThatDeliversCountsAsConnected() {
    HikariDataSource pool = jobqueue.newPool("probe-ok", 12);
    JobQueueManager jobs =
        jobqueue.build(
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(schema).build())
                .dataSource(pool)
                .handler(JobHandler.of("work", Work.class, (payload, ctx) -> null)));
    jobs.initialize();

    await().atMost(Duration.ofSeconds(5)).until(() -> jobs.workerPool().isListening());
    assertThat(jobs.healthCheck().cluster().wakeup()).isEqualTo("notify");
  }

  /** LISTEN goes to another channel: it succeeds, and nothing sent to ours ever arrives. */
  private static DataSource listeningElsewhere(DataSource delegate) {
    return proxy(
        DataSource.class,
        delegate,
        value ->
            value instanceof Connection connection
                ? proxy(
                    Connection.class,
                    connection,
                    inner ->
                        inner instanceof Statement statement
                                && !(inner instanceof java.sql.PreparedStatement)
                            ? rewritingListen(statement)
                            : inner)
                : value);
  }

  private static Statement rewritingListen(Statement statement) {
    return (Statement)
        Proxy.newProxyInstance(
            ListenerProbeIT.class.getClassLoader(),
            new Class<?>[] {Statement.class},
            (p, method, args) -> {
              if (args != null
                  && args.length == 1
                  && args[0] instanceof String sql
                  && sql.trim().toUpperCase(Locale.ROOT).startsWith("LISTEN")) {
                args = new Object[] {"LISTEN \"somewhere_else\""};
              }
              return call(statement, method, args);
            });
  }

  private interface Wrap {
    Object apply(Object value);
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, T target, Wrap wrap) {
    return (T)
        Proxy.newProxyInstance(
            ListenerProbeIT.class.getClassLoader(),
            new Class<?>[] {type},
            (p, method, args) -> {
              if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return call(target, method, args);
              }
              return wrap.apply(call(target, method, args));
            });
  }

  private static Object call(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
