package dev.jobqueue.micrometer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Counts the health checks that reach the database (connections taken on the manager's {@code
 * jobqueue-health-} threads, which run nothing else), and fails every connection on demand.
 */
final class CountingDataSource {
  final AtomicInteger healthChecks = new AtomicInteger();
  final AtomicBoolean failing = new AtomicBoolean();
  private final DataSource proxy;

  DataSource dataSource() {
    return proxy;
  }

  CountingDataSource(DataSource delegate) {
    this.proxy =
        (DataSource)
            Proxy.newProxyInstance(
                CountingDataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (self, method, args) -> {
                  if (method.getName().equals("getConnection")) {
                    if (Thread.currentThread().getName().startsWith("jobqueue-health-")) {
                      healthChecks.incrementAndGet();
                    }
                    if (failing.get()) {
                      throw new SQLException("connection refused by the test");
                    }
                  }
                  try {
                    return method.invoke(delegate, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
  }
}
