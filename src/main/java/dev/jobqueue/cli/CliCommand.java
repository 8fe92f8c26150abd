package dev.jobqueue.cli;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.admin.Actor;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every subcommand that reaches the database shares: the connection options, {@code --json},
 * and one way of ending: the exit code it returns, or the message of a failure on standard error
 * with {@link JobQueueCli#FAILED} (or the failure's own code). Usage errors ({@link
 * ParameterException}) are picocli's to report.
 */
abstract class CliCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(names = "--json", description = "Print JSON instead of a table, for scripts")
  boolean json;

  /** Does the work; a failure may be thrown. */
  abstract int run();

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (ParameterException e) {
      throw e;
    } catch (CliFailure e) {
      err().println("error: " + e.getMessage());
      return e.exitCode();
    } catch (RuntimeException e) {
      err().println("error: " + e.getMessage());
      return JobQueueCli.FAILED;
    }
  }

  /** The configuration from the environment and the options. */
  JobQueueConfig config() {
    return connection.config(this, root().environment());
  }

  /** A session on the database; close it after use. */
  Session session() {
    return Session.open(config());
  }

  /** Who acts, for the audit log. */
  Actor actor() {
    return connection.actor(this, root().environment());
  }

  Output output() {
    return new Output(spec.commandLine().getOut(), json);
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /**
   * Runs a check of the API on an option's value: its {@link IllegalArgumentException} becomes a
   * usage error naming the option.
   *
   * @return what the check returned
   */
  <T> T check(String option, Supplier<T> check) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '" + option + "': " + e.getMessage(), e);
    }
  }

  /** The variables the command reads. */
  java.util.Map<String, String> environment() {
    return root().environment();
  }

  private JobQueueCli root() {
    return (JobQueueCli) spec.root().userObject();
  }
}
