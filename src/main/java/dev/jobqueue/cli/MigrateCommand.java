package dev.jobqueue.cli;

import dev.jobqueue.admin.SchemaMigrations;
import dev.jobqueue.admin.SchemaMigrations.Migration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code migrate}: applies the pending migrations; {@code status} and {@code sql} only read. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = {
      "Apply the pending migrations, creating the schema if needed.",
      "One process migrates at a time; others wait up to $JOB_QUEUE_MIGRATION_LOCK_TIMEOUT.",
      "Migrations go over $JOB_QUEUE_MIGRATION_DATABASE_URL when it is set."
    },
    subcommands = {MigrateCommand.Status.class, MigrateCommand.Sql.class})
final class MigrateCommand extends CliCommand {

  @Override
  int run() {
    try (SchemaMigrations migrations = open(this)) {
      int applied = migrations.migrate();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("schema", migrations.schema());
      result.put("applied", applied);
      output()
          .print(
              result,
              out ->
                  out.println(
                      applied == 0
                          ? "schema " + migrations.schema() + " is up to date"
                          : "applied "
                              + applied
                              + " migration(s) to schema "
                              + migrations.schema()));
      return JobQueueCli.OK;
    }
  }

  /** Connects for migrations, failing with {@link JobQueueCli#UNREACHABLE}. */
  static SchemaMigrations open(CliCommand command) {
    try {
      return SchemaMigrations.open(command.config());
    } catch (dev.jobqueue.JobStoreException e) {
      throw new CliFailure(JobQueueCli.UNREACHABLE, e.getMessage(), e);
    }
  }

  /** {@code migrate status}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "List every migration: applied (when), pending, failed, or future.")
  static final class Status extends CliCommand {
    @Override
    int run() {
      try (SchemaMigrations migrations = open(this)) {
        List<Migration> status = migrations.status();
        output()
            .print(
                status.stream().map(Status::view).toList(),
                out -> {
                  Table table = Table.of("VERSION", "DESCRIPTION", "STATE", "APPLIED AT");
                  for (Migration m : status) {
                    table.row(m.version(), m.description(), word(m), m.appliedAt().orElse(null));
                  }
                  table.print(out);
                  long pending =
                      status.stream()
                          .filter(m -> m.state() == SchemaMigrations.State.PENDING)
                          .count();
                  out.println(
                      pending == 0
                          ? "schema " + migrations.schema() + " is up to date"
                          : pending
                              + " pending: run 'jobqueue migrate', or 'jobqueue migrate sql' for a DBA");
                });
        return JobQueueCli.OK;
      }
    }

    private static String word(Migration m) {
      return m.state().name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> view(Migration m) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("version", m.version());
      v.put("description", m.description());
      v.put("script", m.script());
      v.put("state", word(m));
      v.put("appliedAt", m.appliedAt().orElse(null));
      return v;
    }
  }

  /** {@code migrate sql}. */
  @Command(
      name = "sql",
      mixinStandardHelpOptions = true,
      description = {
        "Print the SQL of the pending migrations for a DBA to apply by hand, changing nothing:",
        "each script with its placeholders replaced, and the history rows that record it,",
        "so that applications (and 'migrate status') then find it applied.",
        "Run it in one transaction: psql -v ON_ERROR_STOP=1 --single-transaction -f FILE"
      })
  static final class Sql extends CliCommand {
    @Override
    int run() {
      try (SchemaMigrations migrations = open(this)) {
        String sql = migrations.pendingSql();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("schema", migrations.schema());
        result.put("sql", sql);
        output().print(result, out -> out.print(sql));
        return JobQueueCli.OK;
      }
    }
  }
}
