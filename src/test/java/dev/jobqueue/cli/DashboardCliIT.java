package dev.jobqueue.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.dashboard.PasswordHash;
import dev.jobqueue.dashboard.WebClient;
import dev.jobqueue.testing.JobQueueExtension;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code dashboard}: refuses to start without users, serves sign-in, stops; and its hashes. */
class DashboardCliIT {

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private static final Pattern URL = Pattern.compile("dashboard at (http://\\S+)");

  /** A hash made once: 210,000 PBKDF2 rounds take a while. */
  private static final String HASH = PasswordHash.hash("s3cret-pw".toCharArray());

  private Cli cli() {
    return Cli.on(jobqueue.schema());
  }

  @Test
  void refusesToStartWithoutUsers() {
    Cli.Run run = cli().run("dashboard", "--port", "0");
    assertThat(run.exitCode()).isEqualTo(JobQueueCli.USAGE);
    assertThat(run.err())
        .contains("$JOB_QUEUE_DASHBOARD_USERS")
        .contains("does not start without them");
    Cli.Run bad = cli().with("JOB_QUEUE_DASHBOARD_USERS", "ada:boss:" + HASH).run("dashboard");
    assertThat(bad.exitCode()).isEqualTo(JobQueueCli.USAGE);
    assertThat(bad.err()).contains("user line 1").contains("boss").doesNotContain(HASH);
  }

  @Test
  void servesTheDashboardUntilStopped(@TempDir Path dir) throws Exception {
    Path users = dir.resolve("users");
    Files.write(users, List.of("ada:admin:" + HASH, "vera:viewer:" + HASH));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread serving =
        new Thread(
            () ->
                exit.set(
                    cli()
                        .commandLine(out, err)
                        .execute("dashboard", "--port", "0", "--users-file", users.toString())));
    serving.start();
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> URL.matcher(out.toString()).find() || !serving.isAlive());
      Matcher url = URL.matcher(out.toString());
      assertThat(url.find()).as("stdout: %s, stderr: %s", out, err).isTrue();
      WebClient browser = new WebClient(url.group(1));
      assertThat(browser.get("/").statusCode()).isEqualTo(303);
      assertThat(browser.login("ada", "wrong").statusCode()).isNotEqualTo(303);
      assertThat(browser.login("ada", "s3cret-pw").statusCode()).isEqualTo(303);
      assertThat(browser.get("/").body()).contains("Overview");
    } finally {
      serving.interrupt();
      serving.join(10_000);
    }
    assertThat(serving.isAlive()).isFalse();
    assertThat(exit.get()).as("stderr: %s", err).isZero();
  }

  @Test
  void hashesAPasswordFromStandardInput() {
    InputStream stdin = System.in;
    System.setIn(new ByteArrayInputStream("pa55word\n".getBytes(StandardCharsets.UTF_8)));
    try {
      Cli.Run run = cli().run("dashboard", "hash-password", "--stdin");
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(PasswordHash.matches("pa55word".toCharArray(), run.out().trim())).isTrue();
    } finally {
      System.setIn(stdin);
    }
  }
}
