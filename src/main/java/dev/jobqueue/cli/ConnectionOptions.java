package dev.jobqueue.cli;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Where the database is, and who acts: the {@code JOB_QUEUE_*} variables as {@link
 * JobQueueConfig#fromEnvironment(Map)} reads them, overridden by these options.
 */
final class ConnectionOptions {
  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "jdbc:postgresql://host:5432/db or postgresql://user@host/db"
              + " (default: $JOB_QUEUE_DATABASE_URL)")
  String url;

  @Option(
      names = "--user",
      paramLabel = "USER",
      description = "Database user (default: $JOB_QUEUE_DATABASE_USER, or the URL's)")
  String user;

  @Option(
      names = "--password-env",
      paramLabel = "VAR",
      description =
          "Read the password from this environment variable"
              + " (default: $JOB_QUEUE_DATABASE_PASSWORD)")
  String passwordEnv;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "Read the password from the first line of this file")
  Path passwordFile;

  @Option(
      names = "--schema",
      paramLabel = "SCHEMA",
      description = "The library's schema (default: $JOB_QUEUE_SCHEMA, else jobqueue)")
  String schema;

  @Option(
      names = "--actor",
      paramLabel = "NAME",
      description = "Who the audit log names for actions (default: $USER)")
  String actor;

  /**
   * The configuration: the environment's, these options over it, and never workers nor migrations
   * on initialize. A bad value is a usage error naming it.
   */
  JobQueueConfig config(CliCommand command, Map<String, String> environment) {
    CommandLine commandLine = command.spec.commandLine();
    JobQueueConfig.Builder builder;
    try {
      builder = JobQueueConfig.fromEnvironment(environment).toBuilder();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandLine, e.getMessage(), e);
    }
    if (url != null) {
      command.check("--url", () -> builder.databaseUrl(url));
    }
    if (user != null) {
      command.check("--user", () -> builder.databaseUser(user));
    }
    if (schema != null) {
      command.check("--schema", () -> builder.schema(schema));
    }
    if (passwordEnv != null && passwordFile != null) {
      throw new ParameterException(commandLine, "give --password-env or --password-file, not both");
    }
    if (passwordEnv != null) {
      command.check("--password-env", () -> builder.databasePassword(variable(environment)));
    }
    if (passwordFile != null) {
      command.check("--password-file", () -> builder.databasePassword(firstLine()));
    }
    JobQueueConfig config = builder.runWorkers(false).runMigrations(false).build();
    if (config.databaseUrl().isEmpty()) {
      throw new ParameterException(
          commandLine, "no database: give --url or set JOB_QUEUE_DATABASE_URL");
    }
    return config;
  }

  private String variable(Map<String, String> environment) {
    String value = environment.get(passwordEnv);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("environment variable " + passwordEnv + " is not set");
    }
    return value;
  }

  private String firstLine() {
    try {
      return Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream()
          .findFirst()
          .orElse("");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + passwordFile + " (" + e + ")", e);
    }
  }

  /** Who the audit log names: CLI access is database access, so every action is an admin's. */
  Actor actor(CliCommand command, Map<String, String> environment) {
    String given = actor != null ? actor : environment.getOrDefault("USER", "");
    String name = given.isBlank() ? System.getProperty("user.name", "") : given;
    return command.check("--actor", () -> new Actor(name, Role.ADMIN, "cli"));
  }
}
