package dev.jobqueue.dashboard;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.UniqueOptions;
import dev.jobqueue.admin.Role;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * What the dashboard tests share: users of every role, a handler whose failures and progress carry
 * hostile markup, and jobs in several states.
 */
final class DashboardFixture {
  static final String PASSWORD = "correct horse battery staple";

  /** Markup that would run a script, break out of an attribute or a textarea if not escaped. */
  static final String HOSTILE =
      "<script>window.__xss=1;document.title='owned'</script>\"><img src=x"
          + " onerror=\"window.__xss=2\"></textarea><b>'bold'</b>";

  static final PasswordAuthenticator USERS =
      PasswordAuthenticator.builder()
          .user("ada", Role.ADMIN, hash())
          .user("otto", Role.OPERATOR, hash())
          .user("vera", Role.VIEWER, hash())
          .user("tess", Role.VIEWER, hash())
          .build();

  /** The names whose jobs fail; a test removes one to make its retry succeed. */
  static final Set<String> BROKEN = ConcurrentHashMap.newKeySet();

  /** Released by a test: a job named {@value #HELD} waits for it after reporting progress. */
  static final CountDownLatch RELEASE = new CountDownLatch(1);

  static final String HELD = "held";

  record Work(String name, String note) {}

  /** A failure without a stack trace, so that the expected failures do not flood the log. */
  static final class QuietFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    QuietFailure(String message) {
      super(message, null, false, false);
    }
  }

  private DashboardFixture() {}

  private static String hash() {
    return PasswordHash.hash(PASSWORD.toCharArray());
  }

  static JobHandler<Work> handler() {
    return JobHandler.of(
        "work",
        Work.class,
        (payload, ctx) -> {
          if (BROKEN.contains(payload.name())) {
            throw new QuietFailure("broken " + payload.name() + " " + HOSTILE);
          }
          ctx.reportProgress(42, "step " + HOSTILE);
          if (payload.name().equals(HELD) && !RELEASE.await(30, TimeUnit.SECONDS)) {
            throw new QuietFailure("never released");
          }
          return Map.of("echo", payload.name(), "html", HOSTILE);
        });
  }

  /** A job of {@code name} that fails for good. */
  static String failedJob(JobQueueManager manager, String name) {
    BROKEN.add(name);
    String id =
        manager.createJob(
            CreateJobOptions.builder("work", new Work(name, HOSTILE))
                .maxRetries(0)
                .concurrencyKey("key-" + HOSTILE)
                .unique(UniqueOptions.byKey("unique-" + name + HOSTILE))
                .build());
    awaitStatus(manager, id, JobStatus.FAILED);
    return id;
  }

  static String completedJob(JobQueueManager manager, String name) {
    String id =
        manager.createJob(CreateJobOptions.builder("work", new Work(name, HOSTILE)).build());
    awaitStatus(manager, id, JobStatus.COMPLETED);
    return id;
  }

  static void awaitStatus(JobQueueManager manager, String id, JobStatus status) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> manager.getJob(id).orElseThrow().status() == status);
  }
}
