package dev.jobqueue.internal.notify;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.testing.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's probe comes from another connection and is repeated: a path that starts dropping
 * notifications after the listener connected (a pooler that moves the listening session) is noticed
 * within one probe interval plus the probe timeout, and the listener says it is not connected until
 * notifications arrive again.
 */
class NotificationListenerProbeIT {

  private final TestDatabase db = TestDatabase.get();
  private final HikariDataSource pool = db.newPool("listener-probe", 4);
  private NotificationListener listener;

  @AfterEach
  void tearDown() {
    if (listener != null) {
      listener.stop(Deadline.inMillis(5_000));
    }
    pool.close();
  }

  @Test
  void notificationsThatStopArrivingAreNoticedAndTheirReturnToo() {
    AtomicBoolean lost = new AtomicBoolean();
    listener =
        new NotificationListener(
            losingNotifications(pool, lost),
            "jobqueue_probe_test",
            queue -> {},
            queue -> {},
            id -> {},
            300);
    listener.start();
    await().atMost(Duration.ofSeconds(10)).until(listener::isConnected);

    lost.set(true);
    await().atMost(Duration.ofSeconds(6)).until(() -> !listener.isConnected());
    await().during(Duration.ofSeconds(2)).until(() -> !listener.isConnected());

    lost.set(false);
    await().atMost(Duration.ofSeconds(10)).until(listener::isConnected);
  }

  /** While {@code lost} is set, every pg_notify goes to another channel: nothing arrives. */
  private static DataSource losingNotifications(DataSource delegate, AtomicBoolean lost) {
    return proxy(
        DataSource.class,
        delegate,
        (method, args, value) ->
            value instanceof Connection connection
                ? proxy(
                    Connection.class,
                    connection,
                    (inner, innerArgs, result) -> {
                      if (inner.getName().equals("prepareStatement")
                          && innerArgs[0] instanceof String sql
                          && sql.contains("pg_notify")
                          && lost.get()) {
                        ((AutoCloseable) result).close();
                        return connection.prepareStatement(
                            "select pg_notify('jobqueue_elsewhere' || left(?, 0), ?)");
                      }
                      return result;
                    })
                : value);
  }

  private interface Wrap {
    Object apply(Method method, Object[] args, Object value) throws Exception;
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, T target, Wrap wrap) {
    return (T)
        Proxy.newProxyInstance(
            NotificationListenerProbeIT.class.getClassLoader(),
            new Class<?>[] {type},
            (p, method, args) -> {
              Object value;
              try {
                value = method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return value;
              }
              return wrap.apply(method, args, value);
            });
  }
}
