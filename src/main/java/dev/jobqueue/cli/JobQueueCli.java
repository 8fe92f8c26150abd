package dev.jobqueue.cli;

import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jobqueue} command: its subcommands work on a job queue's database through {@link
 * dev.jobqueue.admin.JobQueueAdmin}, as the dashboard does, and never run jobs. A new subcommand is
 * one class named in {@code subcommands} below.
 *
 * <p>Exit codes: {@value #OK} done; {@value #FAILED} the command failed (the error is on standard
 * error); {@value #USAGE} a usage error, such as an unknown option or a bad value; {@value
 * #UNREACHABLE} the database could not be reached or its schema is not migrated. {@code health}
 * exits with {@value #OK} healthy, {@value #FAILED} degraded, {@value #USAGE} unhealthy.
 */
@Command(
    name = "jobqueue",
    mixinStandardHelpOptions = true,
    versionProvider = CliVersion.class,
    description = "Operate a jobqueue database: migrations, jobs, queues, schedules, health.",
    subcommands = {
      MigrateCommand.class,
      JobsCommand.class,
      QueuesCommand.class,
      SchedulesCommand.class,
      StatsCommand.class,
      HealthCommand.class,
      DashboardCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done (health: healthy)",
      "1:the command failed (health: degraded)",
      "2:usage error, e.g. a bad option value (health: unhealthy)",
      "3:cannot connect to the database, or its schema is not migrated"
    })
public final class JobQueueCli {
  /** The command did what it was asked. */
  public static final int OK = 0;

  /** The command failed; the error is on standard error. */
  public static final int FAILED = 1;

  /** A usage error: unknown command or option, or a bad value (picocli's code). */
  public static final int USAGE = 2;

  /** The database could not be reached, or its schema is not migrated. */
  public static final int UNREACHABLE = 3;

  private final Map<String, String> environment;

  /** The command reading the process environment. */
  public JobQueueCli() {
    this(System.getenv());
  }

  /**
   * The command reading connection settings from the given variables instead of the process
   * environment, for tests and embedding.
   *
   * @param environment variable names and values: {@code JOB_QUEUE_*}, {@code USER}, and any the
   *     {@code --password-env} option names
   */
  public JobQueueCli(Map<String, String> environment) {
    this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
  }

  /**
   * The variables the commands read.
   *
   * @return the environment
   */
  Map<String, String> environment() {
    return environment;
  }

  /**
   * Runs the command line and exits with its code. Logging goes to standard error at level warn
   * unless {@code -Dorg.slf4j.simpleLogger.defaultLogLevel} says otherwise.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(new CommandLine(new JobQueueCli()).execute(args));
  }
}
