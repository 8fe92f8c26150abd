package dev.jobqueue.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.Schedule;
import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.admin.AuditEntry;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.admin.Role;
import dev.jobqueue.testing.JobQueueExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every command but {@code migrate} and {@code health} against one migrated schema: the jobs, the
 * bulk actions (a dry run changes nothing and writes no audit entry; a real one is audited as the
 * CLI's), queues, schedules, stats, {@code --json}, and bad input.
 */
class JobQueueCliIT {

  record Work(String name) {}

  /** A failure without a stack trace, so that the expected failures do not flood the log. */
  static final class QuietFailure extends RuntimeException {
    QuietFailure(String message) {
      super(message, null, false, false);
    }
  }

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JobQueueAdmin admin;
  private static Cli cli;
  private static List<String> failed;

  @BeforeAll
  static void failSomeJobs() {
    JobQueueConfig.Builder config = jobqueue.fastConfig().allowUnknownTypes(true);
    JobQueueManager worker =
        jobqueue.start(
            "worker",
            config.build(),
            JobHandler.of(
                "broken",
                Work.class,
                (payload, ctx) -> {
                  throw new QuietFailure("broken " + payload.name());
                }));
    failed = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      failed.add(
          worker.createJob(
              CreateJobOptions.builder("broken", new Work("f" + i)).maxRetries(0).build()));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> failed.stream().allMatch(id -> status(worker, id) == JobStatus.FAILED));
    worker.shutdown();
    admin = JobQueueAdmin.of(jobqueue.start("reader", config.runWorkers(false).build()));
    cli = Cli.on(jobqueue.schema());
  }

  private static JobStatus status(JobQueueManager manager, String id) {
    return manager.getJob(id).orElseThrow().status();
  }

  private static String create(String type, String name) {
    return admin
        .manager()
        .createJob(CreateJobOptions.builder(type, new Work(name)).queue("q-" + type).build());
  }

  private static Cli.Run ok(String... args) {
    Cli.Run run = cli.run(args);
    assertThat(run.exitCode()).as("exit code of %s; stderr: %s", List.of(args), run.err()).isZero();
    assertThat(run.err()).isEmpty();
    return run;
  }

  private static JsonNode json(Cli.Run run) throws Exception {
    return JSON.readTree(run.out());
  }

  @Test
  void listFiltersAndPagesWithTheNextCursor() throws Exception {
    List<String> ids = List.of(create("page", "a"), create("page", "b"), create("page", "c"));

    Cli.Run first = ok("jobs", "list", "--type", "page", "--limit", "2");
    assertThat(first.out()).contains("ID", "TYPE", "STATUS", ids.get(2), ids.get(1));
    assertThat(first.out()).doesNotContain("\n" + ids.get(0) + " ");
    String cursor = first.out().lines().reduce((a, b) -> b).orElseThrow();
    assertThat(cursor).startsWith("next page: --cursor ");

    JsonNode second =
        json(
            ok(
                "jobs",
                "list",
                "--type=page",
                "--limit=2",
                "--cursor",
                cursor.substring("next page: --cursor ".length()),
                "--json"));
    assertThat(second.get("jobs")).hasSize(1);
    assertThat(second.get("jobs").get(0).get("id").asText()).isEqualTo(ids.get(0));
    assertThat(second.get("jobs").get(0).get("status").asText()).isEqualTo("pending");
    assertThat(second.get("nextCursor").isNull()).isTrue();

    JsonNode byPayload =
        json(ok("jobs", "list", "--payload-contains", "{\"name\": \"b\"}", "--json"));
    assertThat(byPayload.get("jobs")).hasSize(1);
    assertThat(byPayload.get("jobs").get(0).get("id").asText()).isEqualTo(ids.get(1));
    assertThat(
            json(ok("jobs", "list", "--status", "FAILED,cancelled", "--type", "page", "--json"))
                .get("jobs"))
        .isEmpty();
  }

  @Test
  void showPrintsEveryDetailWithTheErrorHistory() throws Exception {
    String id = failed.get(0);

    Cli.Run text = ok("jobs", "show", id);
    assertThat(text.out())
        .contains("status", "failed", "payload", "{\"name\":\"f0\"}", "errors:", "broken f0");

    JsonNode job = json(ok("jobs", "show", id, "--json"));
    assertThat(job.get("id").asText()).isEqualTo(id);
    assertThat(job.get("payload").get("name").asText()).isEqualTo("f0");
    assertThat(job.get("errors").get(0).get("message").asText()).contains("broken f0");
    assertThat(job.get("errors").get(0).get("attempt").asInt()).isEqualTo(1);
    assertThat(job.has("progress")).isTrue();

    Cli.Run missing = cli.run("jobs", "show", "987654321");
    assertThat(missing.exitCode()).isEqualTo(JobQueueCli.FAILED);
    assertThat(missing.err()).contains("no job with id '987654321'");
  }

  @Test
  void aDryRunNamesTheJobsAndChangesNothingNorWritesTheAuditLog() throws Exception {
    int entries = admin.auditLog(0, 500).size();

    Cli.Run dry = ok("jobs", "retry", "--status", "failed", "--type", "broken", "--dry-run");
    assertThat(dry.out()).contains("dry run, nothing changed: would have retried");
    for (String id : failed.subList(1, 4)) {
      assertThat(dry.out()).contains(id);
    }
    JsonNode result =
        json(
            ok(
                "jobs",
                "retry",
                "--id",
                failed.get(1),
                "--id",
                failed.get(2),
                "--dry-run",
                "--json"));
    assertThat(result.get("dryRun").asBoolean()).isTrue();
    assertThat(result.get("changed").asInt()).isEqualTo(2);

    assertThat(failed.subList(1, 4))
        .allMatch(id -> status(admin.manager(), id) == JobStatus.FAILED);
    assertThat(admin.auditLog(0, 500)).hasSize(entries);
  }

  @Test
  void aRealRetryChangesTheJobAndIsAuditedAsTheCliActor() {
    String id = failed.get(3);

    Cli.Run run = ok("jobs", "retry", "--id", id, "--actor", "alice");
    assertThat(run.out()).contains("retried 1 of 1 matched job(s)", "ids: " + id);

    assertThat(status(admin.manager(), id)).isEqualTo(JobStatus.PENDING);
    AuditEntry entry = admin.auditLog(0, 1).get(0);
    assertThat(entry.action()).isEqualTo("jobs.retry");
    assertThat(entry.actor()).isEqualTo("alice");
    assertThat(entry.role()).isEqualTo(Role.ADMIN);
    assertThat(entry.via()).isEqualTo("cli");
    assertThat(entry.jobIds()).containsExactly(id);
  }

  @Test
  void cancelByFilterAndDeleteByIdAreAuditedAsTheUser() throws Exception {
    String a = create("doomed", "a");
    String b = create("doomed", "b");

    Cli.Run cancel = ok("jobs", "cancel", "--queue", "q-doomed");
    assertThat(cancel.out()).contains("cancelled 2 of 2 matched job(s)");
    assertThat(status(admin.manager(), a)).isEqualTo(JobStatus.CANCELLED);
    assertThat(admin.auditLog(0, 1).get(0).actor()).isEqualTo("tester");

    JsonNode delete = json(ok("jobs", "delete", "--id", a + "," + b, "--json"));
    assertThat(delete.get("action").asText()).isEqualTo("delete");
    assertThat(delete.get("changed").asInt()).isEqualTo(2);
    assertThat(admin.job(a)).isEmpty();
    assertThat(admin.auditLog(0, 1).get(0).action()).isEqualTo("jobs.delete");
  }

  @Test
  void queuesAreListedPausedAndResumed() throws Exception {
    create("mail", "m");

    assertThat(ok("queues", "pause", "q-mail").out()).contains("queue q-mail paused");
    assertThat(admin.queues())
        .filteredOn(q -> q.name().equals("q-mail"))
        .singleElement()
        .matches(QueueInfo::paused);
    Cli.Run list = ok("queues");
    assertThat(list.out()).containsPattern("q-mail\\s+paused\\s+1\\s+0");

    ok("queues", "resume", "q-mail");
    JsonNode queues = json(ok("queues", "--json"));
    JsonNode mail = null;
    for (JsonNode q : queues) {
      if (q.get("name").asText().equals("q-mail")) {
        mail = q;
      }
    }
    assertThat(mail).isNotNull();
    assertThat(mail.get("paused").asBoolean()).isFalse();
    assertThat(mail.get("pending").asLong()).isEqualTo(1);
    assertThat(admin.auditLog(0, 2))
        .extracting(AuditEntry::action)
        .containsExactly("queue.resume", "queue.pause");
  }

  @Test
  void schedulesAreListedPausedResumedAndRunNow() throws Exception {
    admin
        .manager()
        .addSchedule(
            Schedule.every(
                    "hourly", Duration.ofHours(1), CreateJobOptions.of("tick", new Work("t")))
                .build());

    assertThat(ok("schedules").out()).contains("NEXT RUN", "hourly", "every PT1H", "active");
    ok("schedules", "pause", "hourly");
    assertThat(admin.schedules()).singleElement().matches(ScheduleInfo::paused);
    Cli.Run paused = cli.run("schedules", "run-now", "hourly");
    assertThat(paused.exitCode()).isEqualTo(JobQueueCli.FAILED);
    assertThat(paused.err()).contains("paused");
    ok("schedules", "resume", "hourly");

    JsonNode run = json(ok("schedules", "run-now", "hourly", "--json"));
    assertThat(run.get("jobIds")).hasSize(1);
    assertThat(admin.job(run.get("jobIds").get(0).asText()).orElseThrow().scheduleName())
        .contains("hourly");
    JsonNode list = json(ok("schedules", "--json"));
    assertThat(list.get(0).get("lastRunAt").isNull()).isFalse();
    assertThat(list.get(0).get("intervalMillis").asLong()).isEqualTo(3_600_000);

    Cli.Run unknown = cli.run("schedules", "pause", "no-such");
    assertThat(unknown.exitCode()).isEqualTo(JobQueueCli.FAILED);
    assertThat(unknown.err()).contains("no schedule named 'no-such'");
  }

  @Test
  void statsCountByStatusAndShowQueuesThroughputAndNodes() throws Exception {
    Cli.Run text = ok("stats");
    assertThat(text.out()).contains("Jobs by status", "Queues", "Last hour", "Nodes", "failed");

    JsonNode stats = json(ok("stats", "--json"));
    assertThat(stats.get("jobs").get("failed").get("value").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(stats.get("jobs").get("failed").get("atLeast").asBoolean()).isFalse();
    assertThat(stats.get("lastHour").get("failed").asLong()).isGreaterThanOrEqualTo(4);
    assertThat(stats.get("queues").isArray()).isTrue();
    assertThat(stats.get("nodes").isArray()).isTrue();
  }

  @Test
  void badInputIsAUsageErrorNamingTheValue() {
    Map<List<String>, String> cases =
        Map.of(
            List.of("jobs", "list", "--created-after", "yesterday"), "'yesterday'",
            List.of("jobs", "list", "--payload-contains", "[1]"), "--payload-contains",
            List.of("jobs", "list", "--limit", "0"), "(was 0)",
            List.of("jobs", "list", "--cursor", "abc"), "'abc'",
            List.of("jobs", "list", "--priority", "urgent"), "'urgent'",
            List.of("jobs", "retry", "--id", "x1"), "'x1'",
            List.of("jobs", "cancel"), "select jobs with --id or with at least one filter",
            List.of("jobs", "list", "--schema", "Bad-Schema"), "--schema",
            List.of("jobs", "list", "--password-env", "NO_SUCH_VARIABLE"), "NO_SUCH_VARIABLE",
            List.of("jobs", "frobnicate"), "frobnicate");
    cases.forEach(
        (args, named) -> {
          Cli.Run run = cli.run(args.toArray(String[]::new));
          assertThat(run.exitCode())
              .as("exit code of %s; stderr: %s", args, run.err())
              .isEqualTo(JobQueueCli.USAGE);
          assertThat(run.err()).as("error of %s", args).contains(named);
          assertThat(run.out()).isEmpty();
        });
  }

  @Test
  void everyCommandHasHelp() {
    for (String command :
        List.of(
            "migrate",
            "migrate status",
            "migrate sql",
            "jobs list",
            "jobs show",
            "jobs retry",
            "jobs cancel",
            "jobs delete",
            "queues",
            "queues pause",
            "queues resume",
            "schedules",
            "schedules pause",
            "schedules resume",
            "schedules run-now",
            "stats",
            "health")) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.add("--help");
      Cli.Run run = cli.run(args.toArray(String[]::new));
      assertThat(run.exitCode()).as(command).isZero();
      assertThat(run.out()).as(command).contains("Usage: jobqueue " + command, "--json", "--url");
    }
  }
}
