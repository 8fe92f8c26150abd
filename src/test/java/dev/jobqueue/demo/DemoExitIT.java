package dev.jobqueue.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demo tells the truth: against a database where jobs can be enqueued but never claimed, it
 * says why and exits non-zero instead of reporting success.
 */
class DemoExitIT {
  private static final String SCHEMA = "jobqueue_demo";

  private final TestDatabase db = TestDatabase.get();

  @AfterEach
  void tearDown() {
    db.dropSchema(SCHEMA);
  }

  @Test
  void exitsNonZeroWhenClaimsCannotWork() throws Exception {
    db.dropSchema(SCHEMA);
    try (JobQueueManager owner =
        JobQueueManager.builder()
            .config(JobQueueConfig.builder().schema(SCHEMA).runWorkers(false).build())
            .dataSource(db.dataSource())
            .build()) {
      owner.initialize();
    }
    // Every claim sets status = 'running': make exactly that fail, as a missing privilege or an
    // unsupported server would, while enqueueing, cancelling and reading still work.
    db.execute(
        "create function "
            + SCHEMA
            + ".no_claims() returns trigger language plpgsql as"
            + " $$ begin raise exception 'claims cannot work on this database'; end $$");
    db.execute(
        "create trigger no_claims before update on "
            + SCHEMA
            + ".jobs for each row when (new.status = 'running') execute function "
            + SCHEMA
            + ".no_claims()");

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("-Dlogback.configurationFile=demo-logback.xml");
    command.add(Demo.class.getName());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("JOB_QUEUE_DATABASE_URL", db.urlWithoutCredentials());
    builder.environment().put("JOB_QUEUE_DATABASE_USER", db.user());
    builder.environment().put("JOB_QUEUE_DATABASE_PASSWORD", db.password());
    Process demo = builder.start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(demo.getInputStream(), output), "demo-output");
    reader.start();
    boolean ended = demo.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      demo.destroyForcibly();
    }
    reader.join(5_000);
    String printed = output.toString(StandardCharsets.UTF_8);
    System.out.println(printed);

    assertThat(ended).as("the demo ended").isTrue();
    assertThat(demo.exitValue()).isNotZero();
    assertThat(printed)
        .contains("DEMO FAILED")
        .contains("claiming jobs fails")
        .contains("claims cannot work on this database")
        .contains("Claiming jobs failed") // the library's own warning is shown
        .doesNotContain("Every job reached its expected state");
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try {
      in.transferTo(out);
    } catch (IOException e) {
      // The process ended.
    }
  }
}
