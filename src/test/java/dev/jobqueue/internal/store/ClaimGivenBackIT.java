package dev.jobqueue.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The claim says which jobs were given back, by a rescue or a release, since they were last claimed
 * ({@link ClaimedJob#givenBack()}): the pool runs those first and keeps claiming while claims end
 * with one. A failed attempt that is retried, and a job claimed for the first time, are not.
 */
class ClaimGivenBackIT {
  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perClass();

  private static final TestDatabase db = TestDatabase.get();
  private static final String NODE = "node-given-back";
  private static final String[] TYPES = {"t"};
  private static String schema;
  private static HikariDataSource pool;
  private static JobRepository repository;

  @BeforeAll
  static void setUp() {
    schema = jobqueue.schema();
    pool = jobqueue.newPool("given-back", 4);
    SchemaMigrator.migrate(pool, schema);
    repository = new JobRepository(pool, schema);
  }

  private static ClaimedJob claimOne() {
    List<ClaimedJob> claimed =
        repository
            .executions()
            .claimAvailable("default", NODE, TYPES, new Integer[TYPES.length], false, 1, 1, 60_000)
            .jobs();
    assertThat(claimed).hasSize(1);
    return claimed.get(0);
  }

  @Test
  void onlyJobsGivenBackByARescueOrAReleaseAreMarked() {
    repository.insert(List.of(new NewJob("t", 2, "{}", 5, 60, null, "default", null, null)), false);
    ClaimedJob first = claimOne();
    assertThat(first.givenBack()).as("first claim").isFalse();

    // Its node died: the lease ran out and a rescue took the job back.
    db.execute(
        "update \""
            + schema
            + "\".jobs set lease_expires_at = now() - interval '1 second' where id = "
            + first.id());
    assertThat(
            repository
                .executions()
                .rescueExpired(10, (retryCount, maxRetries) -> retryCount < maxRetries))
        .hasSize(1);
    ClaimedJob rescued = claimOne();
    assertThat(rescued.givenBack()).as("after a rescue").isTrue();

    // The attempt fails and is retried at once.
    assertThat(
            repository
                .executions()
                .failMany(
                    NODE, List.of(new Failure(rescued.id(), rescued.token(), "boom", true, 0))))
        .containsExactly(rescued.id());
    ClaimedJob retried = claimOne();
    assertThat(retried.givenBack()).as("after a retried failure").isFalse();

    // The node shuts down and gives it back.
    assertThat(
            repository
                .executions()
                .release(NODE, List.of(new HeldJob(retried.id(), retried.token()))))
        .containsExactly(retried.id());
    assertThat(claimOne().givenBack()).as("after a release").isTrue();
  }
}
