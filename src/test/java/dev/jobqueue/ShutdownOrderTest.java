package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The order in which a worker node's services stop is written once, in the engine, and the
 * architecture document draws the same order. Building a pool connects to nothing.
 */
class ShutdownOrderTest {

  private static final List<String> STOP_ORDER =
      List.of(
          "queues",
          "listener",
          "scheduler",
          "pruner",
          "leader",
          "rescuer",
          "watchdog",
          "leases",
          "stats",
          "heartbeat",
          "completer");

  private static DataSource unused() {
    return (DataSource)
        Proxy.newProxyInstance(
            ShutdownOrderTest.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              throw new UnsupportedOperationException("no database in this test");
            });
  }

  @Test
  void theEngineStopsItsServicesInTheDocumentedOrder() throws Exception {
    WorkerPool pool = new WorkerPool(JobQueueConfig.defaults(), unused(), new JobHandlerRegistry());
    assertThat(pool.stopOrder()).containsExactlyElementsOf(STOP_ORDER);

    String architecture = Files.readString(Path.of("docs/architecture.md"));
    int previous = -1;
    int table = architecture.indexOf("| # | service | file | thread | does |");
    assertThat(table).as("the services table in docs/architecture.md").isPositive();
    for (int i = STOP_ORDER.size() - 1; i >= 0; i--) {
      String row = "| " + (STOP_ORDER.size() - i) + " | " + STOP_ORDER.get(i) + " |";
      int at = architecture.indexOf(row, table);
      assertThat(at).as("row %s in start order", row).isGreaterThan(previous);
      previous = at;
    }
  }
}
