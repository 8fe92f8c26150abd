package dev.jobqueue.cli;

import dev.jobqueue.HealthCheckResult;
import picocli.CommandLine.Command;

/**
 * {@code health}: the library's health check, with an exit code for monitoring: 0 healthy, 1
 * degraded, 2 unhealthy, 3 when the database cannot be reached at all.
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description = {
      "Check the job queue's health; the exit code is the verdict, for monitoring.",
      "0 healthy, 1 degraded, 2 unhealthy, 3 the database cannot be reached (or not migrated)."
    })
final class HealthCommand extends CliCommand {

  @Override
  int run() {
    try (Session session = session()) {
      HealthCheckResult health = session.manager().healthCheck();
      output()
          .print(
              health,
              out -> {
                out.println("status: " + health.status());
                for (String reason : health.reasons()) {
                  out.println("  - " + reason);
                }
              });
      return switch (health.status()) {
        case HEALTHY -> JobQueueCli.OK;
        case DEGRADED -> JobQueueCli.FAILED;
        case UNHEALTHY -> JobQueueCli.USAGE;
      };
    }
  }
}
