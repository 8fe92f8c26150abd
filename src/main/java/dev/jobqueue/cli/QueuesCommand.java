package dev.jobqueue.cli;

import dev.jobqueue.QueueInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code queues}: lists the queues; {@code pause} and {@code resume} one. */
@Command(
    name = "queues",
    mixinStandardHelpOptions = true,
    description = "List the queues with their depth and limits.",
    subcommands = {QueuesCommand.Pause.class, QueuesCommand.Resume.class})
final class QueuesCommand extends CliCommand {

  @Override
  int run() {
    try (Session session = session()) {
      List<QueueInfo> queues = session.admin().queues();
      output()
          .print(
              queues.stream().map(Views::queue).toList(),
              out -> {
                Table table = Table.of("NAME", "STATE", "PENDING", "RUNNING", "LIMITS");
                for (QueueInfo q : queues) {
                  table.row(
                      q.name(),
                      q.paused() ? "paused" : "active",
                      q.pending(),
                      q.running(),
                      Views.limitsText(q.limits()));
                }
                table.print(out);
              });
      return JobQueueCli.OK;
    }
  }

  /** Prints what a queue action did. */
  private static void report(CliCommand command, String queue, String state) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("queue", queue);
    result.put("state", state);
    command.output().print(result, out -> out.println("queue " + queue + " " + state));
  }

  /** {@code queues pause}. */
  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause a queue across the cluster: no node claims its jobs until resumed.")
  static final class Pause extends CliCommand {
    @Parameters(paramLabel = "QUEUE", description = "The queue")
    String queue;

    @Override
    int run() {
      try (Session session = session()) {
        session.admin().pauseQueue(actor(), queue);
        report(this, queue, "paused");
        return JobQueueCli.OK;
      }
    }
  }

  /** {@code queues resume}. */
  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused queue.")
  static final class Resume extends CliCommand {
    @Parameters(paramLabel = "QUEUE", description = "The queue")
    String queue;

    @Override
    int run() {
      try (Session session = session()) {
        session.admin().resumeQueue(actor(), queue);
        report(this, queue, "resumed");
        return JobQueueCli.OK;
      }
    }
  }
}
