package dev.jobqueue.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The insert that claims its job in the same statement ({@link JobRepository#insertClaimed}): it
 * leases the job to the node only when the job could not run sooner any other way, and otherwise
 * stores it pending, exactly as the plain insert does. Priorities, pauses and limits decide, as
 * they do for the claim.
 */
class InsertClaimedIT {
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perClass();

  private static final TestDatabase db = TestDatabase.get();
  private static final String NODE = "node-insert-claimed";
  private static final String[] TYPES = {"t", "u"};
  private static String schema;
  private static JobRepository repository;

  @BeforeAll
  static void setUp() {
    schema = jobqueue.schema();
    HikariDataSource pool = jobqueue.newPool("insert-claimed", 4);
    SchemaMigrator.migrate(pool, schema);
    repository = new JobRepository(pool, schema);
  }

  @BeforeEach
  void emptyTable() {
    db.execute("delete from \"" + schema + "\".jobs");
    db.execute("delete from \"" + schema + "\".queues where name <> 'default'");
    db.execute(
        "update \""
            + schema
            + "\".queues set paused = false, max_running = null, rate_limit = null,"
            + " rate_window_ms = null");
  }

  private static NewJob job(String type, int priority) {
    return new NewJob(type, priority, "{\"n\": 1}", 3, 60, null, "default", null, null);
  }

  private static JobRepository.ClaimedOnInsert insert(NewJob job) {
    return repository.insertClaimed(job, TYPES, NODE, 30_000, false);
  }

  private static String row(long id, String columns) {
    return db.queryString("select " + columns + " from \"" + schema + "\".jobs where id = " + id);
  }

  @Test
  void aJobWithNothingAheadIsStoredRunningAndLeasedToTheNode() {
    JobRepository.ClaimedOnInsert inserted = insert(job("t", 2));

    assertThat(inserted.job()).isPresent();
    ClaimedJob claimed = inserted.job().get();
    assertThat(claimed.id()).isEqualTo(inserted.id());
    assertThat(claimed.token()).isEqualTo(1);
    assertThat(claimed.type()).isEqualTo("t");
    assertThat(claimed.payloadJson()).isEqualTo("{\"n\": 1}");
    assertThat(claimed.givenBack()).isFalse();
    assertThat(row(inserted.id(), "status || ' ' || attempt || ' ' || locked_by"))
        .isEqualTo("running 1 " + NODE);
    // One statement: created, started and leased at the same database instant.
    assertThat(
            row(
                inserted.id(),
                "(started_at = created_at and lease_expires_at = created_at"
                    + " + interval '30 seconds')::text"))
        .isEqualTo("true");
  }

  @Test
  void aDuePendingJobOfAnEqualOrHigherPriorityKeepsItsPlace() {
    long waiting = repository.insert(List.of(job("u", 2)), false).get(0);

    JobRepository.ClaimedOnInsert same = insert(job("t", 2));
    JobRepository.ClaimedOnInsert lower = insert(job("t", 3));

    assertThat(same.job()).as("same priority").isEmpty();
    assertThat(lower.job()).as("lower priority").isEmpty();
    assertThat(row(same.id(), "status || ' ' || attempt || ' ' || coalesce(locked_by, '-')"))
        .isEqualTo("pending 0 -");
    assertThat(row(waiting, "status")).isEqualTo("pending");
  }

  @Test
  void aPendingJobBehindItOrNotDueOrNotServedHereDoesNotHoldItBack() {
    repository.insert(List.of(job("t", 3)), false); // lower priority
    repository.insert(
        List.of(
            new NewJob(
                "t",
                1,
                "{}",
                3,
                60,
                java.time.Instant.now().plusSeconds(3_600),
                "default",
                null,
                null)),
        false); // not due
    repository.insert(List.of(job("other-type", 1)), false); // a type this node does not serve

    assertThat(insert(job("t", 2)).job()).isPresent();
  }

  @Test
  void aPausedQueueGetsItsJobPending() {
    db.execute("update \"" + schema + "\".queues set paused = true where name = 'default'");

    JobRepository.ClaimedOnInsert inserted = insert(job("t", 1));

    assertThat(inserted.job()).isEmpty();
    assertThat(row(inserted.id(), "status")).isEqualTo("pending");
  }

  @Test
  void aLimitedQueueGetsItsJobPending() {
    db.execute("update \"" + schema + "\".queues set max_running = 100 where name = 'default'");

    JobRepository.ClaimedOnInsert inserted = insert(job("t", 1));

    assertThat(inserted.job()).isEmpty();
    assertThat(row(inserted.id(), "status")).isEqualTo("pending");
  }

  @Test
  void theClaimedJobIsFencedAndCompletesLikeAnyClaimedJob() {
    ClaimedJob claimed = insert(job("t", 2)).job().orElseThrow();

    // Another node's completion changes nothing; this node's does.
    assertThat(
            repository
                .executions()
                .completeMany(
                    "someone-else", List.of(new Completion(claimed.id(), claimed.token(), null))))
        .isEmpty();
    assertThat(
            repository
                .executions()
                .completeMany(NODE, List.of(new Completion(claimed.id(), claimed.token(), null))))
        .containsExactly(claimed.id());
    assertThat(row(claimed.id(), "status")).isEqualTo("completed");
  }
}
