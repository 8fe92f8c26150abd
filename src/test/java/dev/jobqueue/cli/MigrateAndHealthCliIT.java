package dev.jobqueue.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.testing.JobQueueExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code migrate}, {@code migrate status}, {@code migrate sql} (applied by hand, as a DBA would),
 * and the exit codes of {@code health}; each test on a fresh, unmigrated schema.
 */
class MigrateAndHealthCliIT {

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private static final ObjectMapper JSON = new ObjectMapper();

  private Cli cli() {
    return Cli.on(jobqueue.schema());
  }

  private static JsonNode json(Cli.Run run) throws Exception {
    assertThat(run.exitCode()).as("stderr: %s", run.err()).isZero();
    return JSON.readTree(run.out());
  }

  private static List<String> states(JsonNode status) {
    return status.findValuesAsText("state");
  }

  private void sql(String sql) throws Exception {
    try (Connection connection = jobqueue.db().dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      try {
        statement.execute(sql);
        connection.commit();
      } finally {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    }
  }

  private long count(String table) throws Exception {
    try (Connection connection = jobqueue.db().dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery("select count(*) from " + jobqueue.schema() + "." + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void theSqlForADbaAppliedByHandLeavesNothingPendingForFlywayOrTheManager() throws Exception {
    Cli cli = cli();
    Cli.Run before = cli.run("migrate", "status");
    assertThat(before.exitCode()).isZero();
    assertThat(before.out()).contains("VERSION", "create jobs", "pending", "9 pending");
    Cli.Run unmigrated = cli.run("jobs", "list");
    assertThat(unmigrated.exitCode()).isEqualTo(JobQueueCli.UNREACHABLE);
    assertThat(unmigrated.err()).contains("pending migration");

    Cli.Run sql = cli.run("migrate", "sql");
    assertThat(sql.exitCode()).isZero();
    assertThat(sql.out())
        .contains("CREATE SCHEMA IF NOT EXISTS " + jobqueue.schema())
        .contains("CREATE TABLE " + jobqueue.schema() + ".jobs")
        .contains("V9__audit_log_and_progress.sql")
        .doesNotContain("${");
    assertThat(states(json(cli.run("migrate", "status", "--json")))).containsOnly("pending");
    sql(sql.out());

    JsonNode after = json(cli.run("migrate", "status", "--json"));
    assertThat(states(after)).hasSize(9).containsOnly("applied");
    assertThat(after.get(8).get("version").asText()).isEqualTo("9");
    assertThat(after.get(8).get("appliedAt").isNull()).isFalse();
    // Flyway validates the checksums the SQL recorded, and finds nothing to do.
    assertThat(json(cli.run("migrate", "--json")).get("applied").asInt()).isZero();
    assertThat(cli.run("migrate", "sql").out()).contains("-- nothing to apply");
    assertThat(cli.run("jobs", "list").exitCode()).isZero();
  }

  @Test
  void migrateAppliesEveryScriptOnceThenTheSchemaIsUpToDate() throws Exception {
    Cli cli = cli();
    Cli.Run applied = cli.run("migrate");
    assertThat(applied.exitCode()).as("stderr: %s", applied.err()).isZero();
    assertThat(applied.out()).contains("applied 9 migration(s) to schema " + jobqueue.schema());

    assertThat(cli.run("migrate").out()).contains("is up to date");
    assertThat(cli.run("migrate", "status").out()).contains("applied", "is up to date");
  }

  @Test
  void healthExitsZeroWhenHealthyOneWhenDegradedTwoWhenUnhealthy() throws Exception {
    Cli cli = cli();
    assertThat(cli.run("migrate").exitCode()).isZero();

    // Even where the environment asks a node to run workers, the CLI's manager runs none.
    Cli.Run healthy = cli.with("JOB_QUEUE_RUN_WORKERS", "true").run("health");
    assertThat(healthy.exitCode()).as("stderr: %s", healthy.err()).isEqualTo(0);
    assertThat(healthy.out()).contains("status: HEALTHY");
    assertThat(count("nodes")).as("nodes registered by the CLI").isZero();

    // A due job, and no worker node alive to run it: degraded.
    jobqueue
        .start("reader", jobqueue.fastConfig().allowUnknownTypes(true).runWorkers(false).build())
        .createJob(CreateJobOptions.of("nobody-serves-this", Map.of("n", 1)));
    Cli.Run degraded = cli.run("health");
    assertThat(degraded.exitCode()).isEqualTo(1);
    assertThat(degraded.out())
        .contains("status: DEGRADED", "jobs are due but no worker node is alive");
    JsonNode json = JSON.readTree(cli.run("health", "--json").out());
    assertThat(json.get("status").asText()).isEqualTo("degraded");
    assertThat(json.get("reasons").get(0).asText()).contains("no worker node is alive");

    // The check's queries fail: unhealthy.
    sql("DROP TABLE " + jobqueue.schema() + ".nodes");
    Cli.Run unhealthy = cli.run("health");
    assertThat(unhealthy.exitCode()).as("stdout: %s", unhealthy.out()).isEqualTo(2);
    assertThat(unhealthy.out()).contains("status: UNHEALTHY");
  }

  @Test
  void aDatabaseThatCannotBeReachedExitsThreeNamingItWithoutItsPassword() {
    Cli cli = cli().with("JOB_QUEUE_DATABASE_URL", "postgresql://someone:s3cret@127.0.0.1:1/none");

    for (String[] args : new String[][] {{"health"}, {"jobs", "list"}, {"migrate", "status"}}) {
      Cli.Run run = cli.run(args);
      assertThat(run.exitCode()).as("%s", List.of(args)).isEqualTo(JobQueueCli.UNREACHABLE);
      assertThat(run.err()).contains("127.0.0.1:1").doesNotContain("s3cret");
      assertThat(run.out()).isEmpty();
    }
  }

  @Test
  void theFlagsOverrideTheEnvironment() throws Exception {
    String password = jobqueue.db().password();
    Cli cli =
        cli()
            .with("JOB_QUEUE_DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/none")
            .with("JOB_QUEUE_SCHEMA", "not_this_one")
            .with("JOB_QUEUE_DATABASE_PASSWORD", null)
            .with("MY_PASSWORD", password);
    List<String> args =
        new ArrayList<>(
            List.of("migrate", "--url", jobqueue.db().jdbcUrl(), "--schema", jobqueue.schema()));
    if (password != null) {
      args.addAll(List.of("--password-env", "MY_PASSWORD"));
    }
    args.add("--json");
    Cli.Run run = cli.run(args.toArray(String[]::new));
    assertThat(json(run).get("schema").asText()).isEqualTo(jobqueue.schema());

    Cli.Run missing = cli().with("JOB_QUEUE_DATABASE_URL", null).run("health");
    assertThat(missing.exitCode()).isEqualTo(JobQueueCli.USAGE);
    assertThat(missing.err()).contains("no database: give --url or set JOB_QUEUE_DATABASE_URL");
  }
}
