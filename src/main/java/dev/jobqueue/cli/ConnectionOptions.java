package dev.jobqueue.cli;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
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
  JobQueueConfig config(CommandSpec spec, Map<String, String> environment) {
    JobQueueConfig.Builder builder;
    try {
      builder = JobQueueConfig.fromEnvironment(environment).toBuilder();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    set(spec, "--url", url, builder::databaseUrl);
    set(spec, "--user", user, builder::databaseUser);
    set(spec, "--schema", schema, builder::schema);
    String password = password(spec, environment);
    if (password != null) {
      builder.databasePassword(password);
    }
    JobQueueConfig config = builder.runWorkers(false).runMigrations(false).build();
    if (config.databaseUrl().isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "no database: give --url or set JOB_QUEUE_DATABASE_URL");
    }
    return config;
  }

  private static void set(CommandSpec spec, String option, String value, Consumer<String> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '" + option + "': " + e.getMessage(), e);
    }
  }

  private String password(CommandSpec spec, Map<String, String> environment) {
    if (passwordEnv != null && passwordFile != null) {
      throw new ParameterException(
          spec.commandLine(), "give --password-env or --password-file, not both");
    }
    if (passwordEnv != null) {
      String value = environment.get(passwordEnv);
      if (value == null || value.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(),
            "Invalid value for option '--password-env': environment variable "
                + passwordEnv
                + " is not set");
      }
      return value;
    }
    if (passwordFile != null) {
      try {
        return Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream()
            .findFirst()
            .orElse("");
      } catch (IOException e) {
        throw new ParameterException(
            spec.commandLine(),
            "Invalid value for option '--password-file': cannot read "
                + passwordFile
                + " ("
                + e
                + ")");
      }
    }
    return null;
  }

  /** Who the audit log names: CLI access is database access, so every action is an admin's. */
  Actor actor(CommandSpec spec, Map<String, String> environment) {
    String name = actor != null ? actor : environment.getOrDefault("USER", "");
    if (name.isBlank()) {
      name = System.getProperty("user.name", "");
    }
    try {
      return new Actor(name, Role.ADMIN, "cli");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--actor': " + e.getMessage(), e);
    }
  }
}
