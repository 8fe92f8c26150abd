package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** cancelJob: only a pending job becomes cancelled; everything else is a quiet false. */
class CancelJobIT {

  record Ping(String to) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().withManager(JobHandler.of("ping", Ping.class, (p, c) -> null));

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final JobQueueManager manager = jobqueue.manager();

  @Test
  void pendingJobBecomesCancelled() {
    String id = newJob();
    Instant before = rows.dbNow();

    assertThat(manager.cancelJob(id)).isTrue();

    Job job = manager.getJob(id).orElseThrow();
    assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(job.completedAt()).hasValueSatisfying(at -> assertThat(at).isAfterOrEqualTo(before));
    assertThat(job.updatedAt()).isEqualTo(job.completedAt().orElseThrow());
    assertThat(job.updatedAt()).isAfter(job.createdAt());
    assertThat(job.startedAt()).isEmpty();
  }

  @Test
  void cancellingTwiceReturnsFalseTheSecondTime() {
    String id = newJob();
    assertThat(manager.cancelJob(id)).isTrue();
    String rowAfterFirstCancel = rows.json(id);

    assertThat(manager.cancelJob(id)).isFalse();

    assertThat(rows.json(id)).isEqualTo(rowAfterFirstCancel);
  }

  @ParameterizedTest
  @EnumSource(
      value = JobStatus.class,
      names = {"COMPLETED", "FAILED", "CANCELLED"})
  void finishedJobIsNotCancelledAndNotChanged(JobStatus status) {
    String id = newJob();
    db.execute(
        "update "
            + schema
            + ".jobs set status = '"
            + status.wireName()
            + "', completed_at = now() - interval '1 hour'"
            + ", updated_at = now() - interval '1 hour' where id = "
            + id);
    String rowBefore = rows.json(id);

    assertThat(manager.cancelJob(id)).isFalse();

    assertThat(rows.json(id)).isEqualTo(rowBefore);
    assertThat(manager.getJob(id).orElseThrow().status()).isEqualTo(status);
  }

  @Test
  void runningJobIsCancelledAndReleasedFromItsNode() {
    String id = newJob();
    db.execute(
        "update "
            + schema
            + ".jobs set status = 'running', locked_by = 'node-1',"
            + " lease_expires_at = now() + interval '5 minutes', started_at = now(), attempt = 1"
            + " where id = "
            + id);

    assertThat(manager.cancelJob(id)).isTrue();

    Job job = manager.getJob(id).orElseThrow();
    assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(job.completedAt()).isPresent();
    assertThat(rows.count("id = " + id + " and locked_by is null and lease_expires_at is null"))
        .isEqualTo(1);
    assertThat(manager.cancelJob(id)).isFalse();
  }

  @Test
  void unknownIdIsNotCancelled() {
    long unused = rows.maxId() + 1000;

    assertThat(manager.cancelJob(Long.toString(unused))).isFalse();
    assertThat(manager.cancelJob(Long.toString(Long.MAX_VALUE))).isFalse();
    assertThat(manager.getJob(Long.toString(unused))).isEmpty();
    assertThat(manager.getJob(Long.toString(Long.MAX_VALUE))).isEmpty();
  }

  @Test
  void cancellingOneJobLeavesTheOthersAlone() {
    String a = newJob();
    String b = newJob();
    String rowOfB = rows.json(b);

    assertThat(manager.cancelJob(a)).isTrue();

    assertThat(rows.json(b)).isEqualTo(rowOfB);
    assertThat(manager.getJob(b).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "abc",
        "-1",
        "0",
        "00",
        "1.5",
        "1e3",
        "",
        " ",
        " 1",
        "1 ",
        "+1",
        "0x1",
        "' or 1=1 --",
        "1; drop table jobs",
        "1 or 1=1",
        "99999999999999999999",
        "9223372036854775808",
        "\u0661", // ARABIC-INDIC DIGIT ONE: Character.isDigit would accept it
        "1\u0000",
      })
  void malformedIdIsQuietlyNotFound(String id) {
    String existing = newJob();
    long rowsBefore = rows.count();
    long cancelledBefore = rows.count("status = 'cancelled'");

    assertThatCode(() -> assertThat(manager.cancelJob(id)).isFalse()).doesNotThrowAnyException();
    assertThatCode(() -> assertThat(manager.getJob(id)).isEmpty()).doesNotThrowAnyException();

    assertThat(rows.count()).isEqualTo(rowsBefore);
    assertThat(manager.getJob(existing).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
    assertThat(rows.count("status = 'cancelled'"))
        .as("jobs cancelled by a malformed id")
        .isEqualTo(cancelledBefore);
  }

  private String newJob() {
    return manager.createJob(CreateJobOptions.of("ping", Map.of("to", "x")));
  }
}
