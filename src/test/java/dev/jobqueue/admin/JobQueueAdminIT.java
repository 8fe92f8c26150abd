package dev.jobqueue.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.Job;
import dev.jobqueue.JobFilters;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobProgress;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.QueueLimits;
import dev.jobqueue.Schedule;
import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator API's actions: each checked against the actor's role, each written to the audit log,
 * dry runs changing nothing; and progress reported by a handler.
 */
class JobQueueAdminIT {

  record Work(String name) {}

  /** A failure without a stack trace, so that the expected failures do not flood the log. */
  static final class QuietFailure extends RuntimeException {
    QuietFailure(String message) {
      super(message, null, false, false);
    }
  }

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perTest().migrated();

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Actor VIEWER = new Actor("vera", Role.VIEWER, "test");
  private static final Actor OPERATOR = new Actor("otto", Role.OPERATOR, "test");
  private static final Actor ADMIN = new Actor("ada", Role.ADMIN, "test");

  private JobQueueConfig.Builder config() {
    return EngineTestSupport.fastConfig(jobqueue.schema()).pollInterval(Duration.ofMillis(50));
  }

  private static JobHandler<Work> failing() {
    return JobHandler.of(
        "work",
        Work.class,
        (payload, ctx) -> {
          throw new QuietFailure("broken " + payload.name());
        });
  }

  /** A manager without workers, so that jobs stay where the test puts them. */
  private JobQueueManager reader() {
    return jobqueue.start("reader", config().runWorkers(false).build(), failing());
  }

  private static String create(JobQueueManager manager, String name) {
    return manager.createJob(
        CreateJobOptions.builder("work", new Work(name)).maxRetries(0).build());
  }

  /** Jobs that failed for good: a worker runs them once, then stops. */
  private List<String> failedJobs(int n) {
    JobQueueManager worker = jobqueue.start("worker", config().build(), failing());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(create(worker, "f" + i));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                ids.stream()
                    .allMatch(id -> worker.getJob(id).orElseThrow().status() == JobStatus.FAILED));
    worker.shutdown();
    return ids;
  }

  private static JobStatus status(JobQueueAdmin admin, String id) {
    return admin.job(id).orElseThrow().status();
  }

  @Test
  void retryByFilterDryRunChangesNothingAndWritesNoAuditEntryThenTheRealRunDoes() {
    List<String> failed = failedJobs(3);
    JobQueueAdmin admin = JobQueueAdmin.of(reader());
    String pending = create(admin.manager(), "p");
    JobSelection everyFailed =
        JobSelection.matching(JobSearch.builder().status(JobStatus.FAILED).build());

    BulkResult dry = admin.retryJobs(OPERATOR, everyFailed, true);
    assertThat(dry.dryRun()).isTrue();
    assertThat(dry.matched()).isEqualTo(3);
    assertThat(dry.changed()).isEqualTo(3);
    assertThat(dry.changedIds()).containsExactlyInAnyOrderElementsOf(failed);
    assertThat(failed).allMatch(id -> status(admin, id) == JobStatus.FAILED);
    assertThat(admin.auditLog(0, 50)).isEmpty();

    BulkResult real = admin.retryJobs(OPERATOR, everyFailed, false);
    assertThat(real.changed()).isEqualTo(3);
    assertThat(failed).allMatch(id -> status(admin, id) == JobStatus.PENDING);
    assertThat(status(admin, pending)).isEqualTo(JobStatus.PENDING);

    List<AuditEntry> log = admin.auditLog(0, 50);
    assertThat(log).hasSize(1);
    AuditEntry entry = log.get(0);
    assertThat(entry.actor()).isEqualTo("otto");
    assertThat(entry.role()).isEqualTo(Role.OPERATOR);
    assertThat(entry.via()).isEqualTo("test");
    assertThat(entry.action()).isEqualTo("jobs.retry");
    assertThat(entry.jobCount()).isEqualTo(3);
    assertThat(entry.jobIds()).containsExactlyInAnyOrderElementsOf(failed);
    assertThat(entry.target()).contains("FAILED");
    assertThat(entry.at()).isNotNull();
  }

  @Test
  void byIdsAJobInAnotherStateIsSkippedWithItsReasonAndUnknownIdsAreNotMatched() {
    List<String> failed = failedJobs(1);
    JobQueueAdmin admin = JobQueueAdmin.of(reader());
    String pending = create(admin.manager(), "p");

    BulkResult result =
        admin.retryJobs(
            OPERATOR, JobSelection.ids(List.of(failed.get(0), pending, "999999")), false);

    assertThat(result.matched()).isEqualTo(2);
    assertThat(result.changed()).isEqualTo(1);
    assertThat(result.skipped()).containsExactly("1 pending");
    assertThat(status(admin, failed.get(0))).isEqualTo(JobStatus.PENDING);
  }

  @Test
  void cancelAndDeleteNeedTheirRolesAndAViewerChangesNothing() {
    JobQueueAdmin admin = JobQueueAdmin.of(reader());
    String a = create(admin.manager(), "a");
    String b = create(admin.manager(), "b");
    JobSelection both = JobSelection.ids(List.of(a, b));

    assertThatThrownBy(() -> admin.cancelJobs(VIEWER, both, false))
        .isInstanceOf(ActionDeniedException.class)
        .hasMessage("'vera' (viewer) may not cancel jobs: that needs the operator role");
    assertThatThrownBy(() -> admin.retryJobs(VIEWER, both, true))
        .isInstanceOf(ActionDeniedException.class);
    assertThatThrownBy(() -> admin.deleteJobs(OPERATOR, both, false))
        .isInstanceOf(ActionDeniedException.class)
        .hasMessageContaining("needs the admin role");
    assertThatThrownBy(() -> admin.pauseQueue(VIEWER, "default"))
        .isInstanceOf(ActionDeniedException.class);
    assertThatThrownBy(() -> admin.setQueueLimits(OPERATOR, "default", QueueLimits.none()))
        .isInstanceOf(ActionDeniedException.class);
    assertThat(status(admin, a)).isEqualTo(JobStatus.PENDING);
    assertThat(admin.auditLog(0, 50)).isEmpty();

    assertThat(admin.cancelJobs(OPERATOR, JobSelection.ids(List.of(a)), false).changed())
        .isEqualTo(1);
    assertThat(status(admin, a)).isEqualTo(JobStatus.CANCELLED);

    BulkResult deleted = admin.deleteJobs(ADMIN, both, false);
    assertThat(deleted.changed()).isEqualTo(2);
    assertThat(admin.job(a)).isEmpty();
    assertThat(admin.job(b)).isEmpty();
    assertThat(admin.auditLog(0, 50))
        .extracting(AuditEntry::action)
        .containsExactly("jobs.delete", "jobs.cancel");
  }

  @Test
  void aRunningJobIsNeitherDeletedNorLostAndCancellingItStopsIt() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    JobHandler<Work> blocking =
        JobHandler.of(
            "work",
            Work.class,
            (payload, ctx) -> {
              started.countDown();
              while (!ctx.isCancellationRequested()) {
                Thread.sleep(20);
              }
              return null;
            });
    JobQueueManager worker = jobqueue.start("worker", config().build(), blocking);
    JobQueueAdmin admin = JobQueueAdmin.of(worker);
    String id = create(worker, "r");
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    BulkResult delete = admin.deleteJobs(ADMIN, JobSelection.ids(List.of(id)), false);
    assertThat(delete.changed()).isZero();
    assertThat(delete.skipped()).containsExactly("1 running");
    assertThat(status(admin, id)).isEqualTo(JobStatus.RUNNING);
    Job running = admin.job(id).orElseThrow();
    assertThat(running.lockedBy()).isPresent();
    assertThat(running.leaseExpiresAt()).isPresent();

    assertThat(admin.cancelJobs(OPERATOR, JobSelection.ids(List.of(id)), false).changed())
        .isEqualTo(1);
    assertThat(status(admin, id)).isEqualTo(JobStatus.CANCELLED);
  }

  @Test
  void aSelectionOverTheCapIsRefusedBeforeAnythingChanges() {
    JobQueueAdmin admin = JobQueueAdmin.of(reader());
    List<CreateJobOptions> many = new ArrayList<>();
    for (int i = 0; i <= JobSelection.MAX_JOBS; i++) {
      many.add(CreateJobOptions.builder("work", new Work("m" + i)).build());
    }
    admin.manager().createJobs(many);

    assertThatThrownBy(
            () ->
                admin.cancelJobs(
                    OPERATOR,
                    JobSelection.matching(JobSearch.builder().status(JobStatus.PENDING).build()),
                    false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than 10000 jobs");
    assertThat(admin.countJobs(JobSearch.builder().status(JobStatus.CANCELLED).build()).value())
        .isZero();
  }

  @Test
  void queuesAndSchedulesActionsAreAuditedAndRunNowEnqueuesTheTemplate() {
    JobQueueAdmin admin = JobQueueAdmin.of(reader());
    admin
        .manager()
        .addSchedule(
            Schedule.every(
                    "nightly",
                    Duration.ofHours(1),
                    CreateJobOptions.builder("work", new Work("tick")).build())
                .build());

    admin.pauseQueue(OPERATOR, "default");
    assertThat(admin.queues())
        .filteredOn(q -> q.name().equals("default"))
        .allMatch(QueueInfo::paused);
    admin.resumeQueue(OPERATOR, "default");
    admin.setQueueLimits(ADMIN, "default", QueueLimits.builder().maxRunning(3).build());
    assertThat(admin.pauseSchedule(OPERATOR, "nightly")).isTrue();
    assertThat(admin.schedules())
        .filteredOn(s -> s.name().equals("nightly"))
        .allMatch(ScheduleInfo::paused);
    assertThatThrownBy(() -> admin.runScheduleNow(OPERATOR, "nightly"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("paused");
    assertThat(admin.resumeSchedule(OPERATOR, "nightly")).isTrue();
    assertThat(admin.pauseSchedule(OPERATOR, "no-such")).isFalse();

    List<String> ids = admin.runScheduleNow(OPERATOR, "nightly");
    assertThat(ids).hasSize(1);
    Job job = admin.job(ids.get(0)).orElseThrow();
    assertThat(job.payloadJson()).contains("tick");
    assertThat(job.scheduleName()).contains("nightly");

    assertThat(admin.auditLog(0, 50))
        .extracting(AuditEntry::action, AuditEntry::target)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple("schedule.run", "nightly"),
            org.assertj.core.api.Assertions.tuple("schedule.resume", "nightly"),
            org.assertj.core.api.Assertions.tuple("schedule.pause", "nightly"),
            org.assertj.core.api.Assertions.tuple("queue.limits", "default"),
            org.assertj.core.api.Assertions.tuple("queue.resume", "default"),
            org.assertj.core.api.Assertions.tuple("queue.pause", "default"));
    assertThat(admin.auditLog(0, 50).get(0).jobIds()).isEqualTo(ids);
  }

  @Test
  void theAuditLogPagesNewestFirstAndRecordsToolEvents() {
    JobQueueAdmin admin = JobQueueAdmin.of(reader());
    for (int i = 0; i < 5; i++) {
      admin.record(
          new Actor("user" + i, Role.VIEWER, "dashboard"), "login.failed", "from 10.0.0.1");
    }
    List<AuditEntry> first = admin.auditLog(0, 2);
    assertThat(first).extracting(AuditEntry::actor).containsExactly("user4", "user3");
    List<AuditEntry> second = admin.auditLog(first.get(1).id(), 2);
    assertThat(second).extracting(AuditEntry::actor).containsExactly("user2", "user1");
    assertThat(second.get(0).details()).isEqualTo("from 10.0.0.1");

    assertThatThrownBy(() -> admin.auditLog(-1, 2))
        .hasMessage("beforeId must not be negative (was -1)");
    assertThatThrownBy(() -> admin.auditLog(0, 501))
        .hasMessage("limit must be between 1 and 500 (was 501)");
    assertThatThrownBy(() -> admin.record(VIEWER, " ", ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRunningNodeIsListedLiveAndAsTheLeaderInTheOverview() {
    JobQueueManager worker = jobqueue.start("worker", config().build(), failing());
    JobQueueAdmin admin = JobQueueAdmin.of(worker);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> admin.nodes().stream().anyMatch(n -> n.live() && n.leader()));
    NodeView node = admin.nodes().get(0);
    assertThat(node.types()).containsExactly("work");
    assertThat(node.maxWorkers()).isPositive();

    Overview overview = admin.overview(Duration.ofHours(6));
    assertThat(overview.leader()).contains(node.nodeId());
    assertThat(overview.bucket()).isEqualTo(Duration.ofMinutes(5));
    assertThat(overview.throughput()).hasSize(72);
    assertThat(overview.health()).isNotNull();
    assertThatThrownBy(() -> admin.overview(Duration.ofDays(8)))
        .hasMessageContaining("window must be between 1 minute and 7 days");
  }

  @Test
  void progressIsStoredAtABoundedRateAndTheLastReportIsKept() throws Exception {
    CountDownLatch reported = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    AtomicReference<Throwable> badReport = new AtomicReference<>();
    JobHandler<Work> reporting =
        JobHandler.of(
            "work",
            Work.class,
            (payload, ctx) -> {
              ctx.reportProgress(10, "starting");
              ctx.reportProgress(60, "halfway"); // Within the second: held back.
              try {
                ctx.reportProgress(101, "too far");
              } catch (IllegalArgumentException e) {
                badReport.set(e);
              }
              reported.countDown();
              finish.await(10, TimeUnit.SECONDS);
              return null;
            });
    JobQueueManager worker = jobqueue.start("worker", config().build(), reporting);
    String id = create(worker, "progress");
    assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();

    JobProgress first = worker.getJob(id).orElseThrow().progress().orElseThrow();
    assertThat(first.percent()).isEqualTo(10);
    assertThat(first.message()).isEqualTo("starting");
    assertThat(badReport.get()).hasMessage("progress percent must be between 0 and 100 (was 101)");

    finish.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> worker.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    JobProgress last = worker.getJob(id).orElseThrow().progress().orElseThrow();
    assertThat(last.percent()).isEqualTo(60);
    assertThat(last.message()).isEqualTo("halfway");
    assertThat(last.reportedAt()).isAfterOrEqualTo(first.reportedAt());
  }

  /**
   * The payload filter reaches the SQL as a literal (for the planner's sake): quotes, backslashes
   * and comment markers in it must match exactly the job holding them, and nothing else.
   */
  @Test
  void aPayloadFilterWithQuotesAndBackslashesMatchesOnlyItsOwnJob() throws Exception {
    JobQueueManager manager = reader();
    JobQueueAdmin admin = JobQueueAdmin.of(manager);
    List<String> hostile =
        List.of("it's", "a\\' or true --", "x\\", "'; delete from jobs; --", "\\\\'\"");
    List<String> ids = new ArrayList<>();
    for (String name : hostile) {
      ids.add(create(manager, name));
    }
    create(manager, "plain");
    for (int i = 0; i < hostile.size(); i++) {
      String json = JSON.writeValueAsString(Map.of("name", hostile.get(i)));
      // more than five times, so that a cached plan would be used too
      for (int run = 0; run < 7; run++) {
        JobPage page = admin.findJobs(JobSearch.builder().payloadContainsJson(json).build());
        assertThat(page.jobs()).extracting(Job::id).as(json).containsExactly(ids.get(i));
        assertThat(
                manager.getJobs(
                    JobFilters.builder().payloadContains(Map.of("name", hostile.get(i))).build()))
            .extracting(Job::id)
            .as(json)
            .containsExactly(ids.get(i));
      }
    }
    assertThat(admin.countJobs(JobSearch.builder().build()).value()).isEqualTo(6);
  }

  @Test
  void badSearchValuesAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> JobSearch.builder().limit(0))
        .hasMessage("limit must be between 1 and 500 (was 0)");
    assertThatThrownBy(() -> JobSearch.builder().payloadContainsJson("[1]"))
        .hasMessageContaining("payloadContains must be a JSON object")
        .hasMessageContaining("(was '[1]')");
    assertThatThrownBy(() -> JobSearch.builder().payloadContainsJson("{oops"))
        .hasMessageContaining("(was '{oops')");
    assertThatThrownBy(() -> JobCursor.parse("12;drop table jobs"))
        .hasMessageContaining("cursor must be <microseconds>.<id>")
        .hasMessageContaining("12;drop table jobs");
    assertThatThrownBy(() -> JobSelection.ids(List.of("1", "x1")))
        .hasMessage("job id must be a positive decimal number (was 'x1')");
    assertThatThrownBy(() -> new Actor(" ", Role.ADMIN, "cli"))
        .hasMessageContaining("actor name must be 1 to 200 characters");
    assertThatThrownBy(() -> Role.fromWireName("root"))
        .hasMessage("role must be one of viewer, operator, admin (was 'root')");
    JobCursor cursor = JobCursor.parse("1700000000123456.42");
    assertThat(JobCursor.parse(cursor.toString())).isEqualTo(cursor);
  }
}
