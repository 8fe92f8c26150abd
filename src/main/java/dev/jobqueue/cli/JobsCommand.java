package dev.jobqueue.cli;

import dev.jobqueue.Job;
import dev.jobqueue.JobError;
import dev.jobqueue.admin.JobCursor;
import dev.jobqueue.admin.JobPage;
import dev.jobqueue.admin.JobSearch;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobs}: list, show, retry, cancel and delete jobs. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = "List, show, retry, cancel and delete jobs.",
    subcommands = {
      JobsCommand.ListJobs.class,
      JobsCommand.Show.class,
      JobActionCommand.Retry.class,
      JobActionCommand.Cancel.class,
      JobActionCommand.Delete.class
    })
final class JobsCommand {

  /** {@code jobs list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List jobs, newest first, one page at a time.",
        "The last line gives the --cursor of the next page."
      })
  static final class ListJobs extends CliCommand {
    @Mixin JobFilterOptions filters;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "50",
        description = "Jobs per page, 1 to 500 (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(
        names = "--cursor",
        paramLabel = "CURSOR",
        description = "Start after the page that printed this cursor")
    String cursor;

    @Override
    int run() {
      JobSearch search = search();
      try (Session session = session()) {
        JobPage page = session.admin().findJobs(search);
        String next = page.nextCursor().map(JobCursor::toString).orElse(null);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("jobs", Views.jobSummaries(page.jobs()));
        result.put("nextCursor", next);
        output().print(result, out -> print(out, page, next));
        return JobQueueCli.OK;
      }
    }

    private JobSearch search() {
      JobSearch.Builder builder = filters.search(this);
      check("--limit", () -> builder.limit(limit));
      check("--cursor", () -> builder.cursor(cursor == null ? null : JobCursor.parse(cursor)));
      return builder.build();
    }

    private static void print(PrintWriter out, JobPage page, String next) {
      if (page.jobs().isEmpty()) {
        out.println("no jobs");
      } else {
        Table table =
            Table.of("ID", "TYPE", "QUEUE", "STATUS", "PRIORITY", "CREATED", "RETRIES", "ERROR");
        for (Job job : page.jobs()) {
          table.row(
              job.id(),
              job.type(),
              job.queue(),
              job.status().wireName(),
              job.priority().wireName(),
              job.createdAt(),
              job.retryCount() + "/" + job.maxRetries(),
              job.errorMessage().map(ListJobs::shorten).orElse(null));
        }
        table.print(out);
      }
      if (next != null) {
        out.println("next page: --cursor " + next);
      }
    }

    private static String shorten(String message) {
      String line = message.lines().findFirst().orElse("");
      return line.length() > 60 ? line.substring(0, 59) + "…" : line;
    }
  }

  /** {@code jobs show}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show one job: its fields, payload, result, progress and error history.")
  static final class Show extends CliCommand {
    @Parameters(paramLabel = "ID", description = "The job's id")
    String id;

    @Override
    int run() {
      try (Session session = session()) {
        Job job =
            session
                .admin()
                .job(id)
                .orElseThrow(
                    () -> new CliFailure(JobQueueCli.FAILED, "no job with id '" + id + "'"));
        Map<String, Object> view = Views.jobDetails(job);
        output().print(view, out -> print(out, job, view));
        return JobQueueCli.OK;
      }
    }

    private static void print(PrintWriter out, Job job, Map<String, Object> view) {
      int width = view.keySet().stream().mapToInt(String::length).max().orElse(0);
      view.forEach(
          (key, value) -> {
            if (key.equals("errors") || key.equals("progress")) {
              return;
            }
            String text =
                key.equals("payload") || key.equals("result")
                    ? (value == null ? null : Output.compactJson(value))
                    : value == null ? null : value.toString();
            out.println(key + " ".repeat(width - key.length() + 2) + (text == null ? "-" : text));
          });
      String pad = " ".repeat(width - "progress".length() + 2);
      out.println(
          "progress"
              + pad
              + job.progress()
                  .map(
                      p ->
                          p.percent()
                              + "%"
                              + (p.message() == null ? "" : " " + p.message())
                              + " (at "
                              + p.reportedAt()
                              + ")")
                  .orElse("-"));
      if (job.errors().isEmpty()) {
        out.println("errors" + " ".repeat(width - "errors".length() + 2) + "none");
        return;
      }
      out.println("errors:");
      Table table = Table.of("  ATTEMPT", "AT", "MESSAGE");
      for (JobError error : job.errors()) {
        table.row("  " + error.attempt(), error.occurredAt(), error.message());
      }
      table.print(out);
    }
  }
}
