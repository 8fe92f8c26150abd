package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** cancelJob: only a pending job becomes cancelled; everything else is a quiet false. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CancelJobIT {

  record Ping(String to) {}

  private TestDatabase db;
  private String schema;
  private JobQueueManager manager;

  @BeforeAll
  void setUp() {
    db = TestDatabase.get();
    schema = db.newSchema(getClass().getSimpleName());
    manager =
        db.managerBuilder(schema)
            .handler(JobHandler.of("ping", Ping.class, (p, c) -> null))
            .build();
    manager.initialize();
  }

  @AfterAll
  void tearDown() {
    manager.shutdown();
    db.dropSchema(schema);
  }

  @Test
  void pendingJobBecomesCancelled() {
    String id = newJob();
    Instant before = dbNow();

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
    String rowAfterFirstCancel = row(id);

    assertThat(manager.cancelJob(id)).isFalse();

    assertThat(row(id)).isEqualTo(rowAfterFirstCancel);
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
    String rowBefore = row(id);

    assertThat(manager.cancelJob(id)).isFalse();

    assertThat(row(id)).isEqualTo(rowBefore);
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
    assertThat(
            db.queryLong(
                "select count(*) from "
                    + schema
                    + ".jobs where id = "
                    + id
                    + " and locked_by is null and lease_expires_at is null"))
        .isEqualTo(1);
    assertThat(manager.cancelJob(id)).isFalse();
  }

  @Test
  void unknownIdIsNotCancelled() {
    long unused = db.queryLong("select coalesce(max(id), 0) + 1000 from " + schema + ".jobs");

    assertThat(manager.cancelJob(Long.toString(unused))).isFalse();
    assertThat(manager.cancelJob(Long.toString(Long.MAX_VALUE))).isFalse();
    assertThat(manager.getJob(Long.toString(unused))).isEmpty();
    assertThat(manager.getJob(Long.toString(Long.MAX_VALUE))).isEmpty();
  }

  @Test
  void cancellingOneJobLeavesTheOthersAlone() {
    String a = newJob();
    String b = newJob();
    String rowOfB = row(b);

    assertThat(manager.cancelJob(a)).isTrue();

    assertThat(row(b)).isEqualTo(rowOfB);
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
    long rowsBefore = rowCount();
    long cancelledBefore = cancelledCount();

    assertThatCode(() -> assertThat(manager.cancelJob(id)).isFalse()).doesNotThrowAnyException();
    assertThatCode(() -> assertThat(manager.getJob(id)).isEmpty()).doesNotThrowAnyException();

    assertThat(rowCount()).isEqualTo(rowsBefore);
    assertThat(manager.getJob(existing).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
    assertThat(cancelledCount()).as("jobs cancelled by a malformed id").isEqualTo(cancelledBefore);
  }

  private String newJob() {
    return manager.createJob(CreateJobOptions.of("ping", Map.of("to", "x")));
  }

  private long rowCount() {
    return db.queryLong("select count(*) from " + schema + ".jobs");
  }

  private long cancelledCount() {
    return db.queryLong("select count(*) from " + schema + ".jobs where status = 'cancelled'");
  }

  /** The whole row as JSON text, to show that nothing in it changed. */
  private String row(String id) {
    return queryText("select row_to_json(j)::text from " + schema + ".jobs j where id = " + id);
  }

  private Instant dbNow() {
    long micros = db.queryLong("select (extract(epoch from now()) * 1000000)::bigint");
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  private String queryText(String sql) {
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      assertThat(rs.next()).as("a row from %s", sql).isTrue();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
