package dev.jobqueue.cli;

import dev.jobqueue.ScheduleInfo;
import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.JobQueueAdmin;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code schedules}: lists the schedules; {@code pause}, {@code resume} and {@code run-now} one.
 */
@Command(
    name = "schedules",
    mixinStandardHelpOptions = true,
    description = "List the schedules with their next and last runs.",
    subcommands = {
      SchedulesCommand.Pause.class,
      SchedulesCommand.Resume.class,
      SchedulesCommand.RunNow.class
    })
final class SchedulesCommand extends CliCommand {

  @Override
  int run() {
    try (Session session = session()) {
      List<ScheduleInfo> schedules = session.admin().schedules();
      output()
          .print(
              schedules.stream().map(Views::schedule).toList(),
              out -> {
                Table table =
                    Table.of(
                        "NAME", "TYPE", "QUEUE", "WHEN", "STATE", "NEXT RUN", "LAST RUN", "RUNS");
                for (ScheduleInfo s : schedules) {
                  table.row(
                      s.name(),
                      s.type(),
                      s.queue(),
                      Views.every(s),
                      s.paused() ? "paused" : "active",
                      s.nextRunAt().orElse(null),
                      s.lastRunAt().orElse(null),
                      s.runs());
                }
                if (table.isEmpty()) {
                  out.println("no schedules");
                } else {
                  table.print(out);
                }
              });
      return JobQueueCli.OK;
    }
  }

  /** A schedule action: pause or resume, false when there is no such schedule. */
  abstract static class Toggle extends CliCommand {
    @Parameters(paramLabel = "NAME", description = "The schedule")
    String name;

    abstract boolean apply(JobQueueAdmin admin, Actor actor, String name);

    abstract String state();

    @Override
    final int run() {
      Actor actor = actor();
      try (Session session = session()) {
        if (!apply(session.admin(), actor, name)) {
          throw new CliFailure(JobQueueCli.FAILED, "no schedule named '" + name + "'");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("schedule", name);
        result.put("state", state());
        output().print(result, out -> out.println("schedule " + name + " " + state()));
        return JobQueueCli.OK;
      }
    }
  }

  /** {@code schedules pause}. */
  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause a schedule: it enqueues nothing until resumed.")
  static final class Pause extends Toggle {
    @Override
    boolean apply(JobQueueAdmin admin, Actor actor, String name) {
      return admin.pauseSchedule(actor, name);
    }

    @Override
    String state() {
      return "paused";
    }
  }

  /** {@code schedules resume}. */
  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a schedule.")
  static final class Resume extends Toggle {
    @Override
    boolean apply(JobQueueAdmin admin, Actor actor, String name) {
      return admin.resumeSchedule(actor, name);
    }

    @Override
    String state() {
      return "resumed";
    }
  }

  /** {@code schedules run-now}. */
  @Command(
      name = "run-now",
      mixinStandardHelpOptions = true,
      description = {
        "Enqueue a schedule's next occurrence now; its overlap policy applies,",
        "and its later occurrences stay where they were."
      })
  static final class RunNow extends CliCommand {
    @Parameters(paramLabel = "NAME", description = "The schedule")
    String name;

    @Override
    int run() {
      Actor actor = actor();
      try (Session session = session()) {
        List<String> ids = session.admin().runScheduleNow(actor, name);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("schedule", name);
        result.put("jobIds", ids);
        output()
            .print(
                result,
                out ->
                    out.println(
                        ids.isEmpty()
                            ? "schedule "
                                + name
                                + ": nothing enqueued (its overlap policy, or no"
                                + " occurrence left)"
                            : "schedule " + name + ": enqueued job(s) " + String.join(", ", ids)));
        return JobQueueCli.OK;
      }
    }
  }
}
