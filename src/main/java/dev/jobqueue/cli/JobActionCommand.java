package dev.jobqueue.cli;

import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.BulkResult;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.admin.JobSelection;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code jobs retry}, {@code cancel} and {@code delete}: one bulk action of {@link JobQueueAdmin}
 * on the jobs listed with {@code --id} or matched by filters, written to the audit log, or with
 * {@code --dry-run} only reported.
 */
abstract class JobActionCommand extends CliCommand {
  @Option(
      names = "--id",
      paramLabel = "ID",
      split = ",",
      description = "A job's id; repeat or comma-separate. Or select by filters")
  List<String> ids = List.of();

  @Mixin JobFilterOptions filters;

  @Option(
      names = "--dry-run",
      description = "Print how many and which jobs would change, and change nothing")
  boolean dryRun;

  /** The action: {@link JobQueueAdmin#retryJobs} and its kin. */
  abstract BulkResult apply(
      JobQueueAdmin admin, Actor actor, JobSelection selection, boolean dryRun);

  /** The past tense of the action, e.g. {@code retried}. */
  abstract String done();

  @Override
  final int run() {
    JobSelection selection = selection();
    Actor actor = actor();
    try (Session session = session()) {
      BulkResult result = apply(session.admin(), actor, selection, dryRun);
      output().print(result, out -> print(out, result));
      return JobQueueCli.OK;
    }
  }

  private JobSelection selection() {
    if (!ids.isEmpty() && filters.any()) {
      throw new ParameterException(
          spec.commandLine(), "select jobs either with --id or with filters, not both");
    }
    if (ids.isEmpty() && !filters.any()) {
      throw new ParameterException(
          spec.commandLine(),
          "select jobs with --id or with at least one filter (--status, --type, --queue, ...)");
    }
    return ids.isEmpty()
        ? JobSelection.matching(filters.search(this).build())
        : check("--id", () -> JobSelection.ids(ids));
  }

  private void print(PrintWriter out, BulkResult result) {
    out.println(
        (result.dryRun() ? "dry run, nothing changed: would have " : "")
            + done()
            + " "
            + result.changed()
            + " of "
            + result.matched()
            + " matched job(s)");
    if (!result.changedIds().isEmpty()) {
      out.println(
          "ids: "
              + String.join(", ", result.changedIds())
              + (result.changedIds().size() < result.changed() ? ", …" : ""));
    }
    if (!result.skipped().isEmpty()) {
      out.println("skipped: " + String.join(", ", result.skipped()));
    }
  }

  /** {@code jobs retry}. */
  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = "Put failed and cancelled jobs back to pending, with a fresh retry budget.")
  static final class Retry extends JobActionCommand {
    @Override
    BulkResult apply(JobQueueAdmin admin, Actor actor, JobSelection selection, boolean dryRun) {
      return admin.retryJobs(actor, selection, dryRun);
    }

    @Override
    String done() {
      return "retried";
    }
  }

  /** {@code jobs cancel}. */
  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancel pending and running jobs.")
  static final class Cancel extends JobActionCommand {
    @Override
    BulkResult apply(JobQueueAdmin admin, Actor actor, JobSelection selection, boolean dryRun) {
      return admin.cancelJobs(actor, selection, dryRun);
    }

    @Override
    String done() {
      return "cancelled";
    }
  }

  /** {@code jobs delete}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete jobs that are not running, for good; cancel running ones first.")
  static final class Delete extends JobActionCommand {
    @Override
    BulkResult apply(JobQueueAdmin admin, Actor actor, JobSelection selection, boolean dryRun) {
      return admin.deleteJobs(actor, selection, dryRun);
    }

    @Override
    String done() {
      return "deleted";
    }
  }
}
