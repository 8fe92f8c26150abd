package dev.jobqueue.cli;

import dev.jobqueue.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/** Runs the command line in-process against a schema of the test database, capturing its output. */
final class Cli {
  /** What one run printed and returned. */
  record Run(int exitCode, String out, String err) {}

  private final Map<String, String> environment;

  private Cli(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /** The environment a user would set: the test database's URL and credentials, the schema. */
  static Cli on(String schema) {
    TestDatabase db = TestDatabase.get();
    Map<String, String> env = new HashMap<>();
    env.put("JOB_QUEUE_DATABASE_URL", db.jdbcUrl());
    if (db.user() != null) {
      env.put("JOB_QUEUE_DATABASE_USER", db.user());
    }
    if (db.password() != null) {
      env.put("JOB_QUEUE_DATABASE_PASSWORD", db.password());
    }
    env.put("JOB_QUEUE_SCHEMA", schema);
    env.put("USER", "tester");
    return new Cli(env);
  }

  /** The same environment with one variable changed, or removed when {@code value} is null. */
  Cli with(String variable, String value) {
    Map<String, String> env = new HashMap<>(environment);
    if (value == null) {
      env.remove(variable);
    } else {
      env.put(variable, value);
    }
    return new Cli(env);
  }

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = commandLine(out, err).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** The command line on this environment, printing to the given writers. */
  CommandLine commandLine(StringWriter out, StringWriter err) {
    CommandLine cli = new CommandLine(new JobQueueCli(environment));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli;
  }
}
