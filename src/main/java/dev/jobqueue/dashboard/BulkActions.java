package dev.jobqueue.dashboard;

import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.BulkResult;
import dev.jobqueue.admin.JobSelection;
import dev.jobqueue.admin.Role;
import java.util.List;
import java.util.Set;

/**
 * Retry, cancel and delete of the selected jobs, or of every job matching the filters: first a
 * confirmation page with the dry run's count ("this will retry 3 jobs"), whose button posts the
 * same selection again to perform it.
 */
final class BulkActions {
  private BulkActions() {}

  /** An action and the role it needs. */
  private enum Action {
    RETRY("retry", "Retried", Role.OPERATOR),
    CANCEL("cancel", "Cancelled", Role.OPERATOR),
    DELETE("delete", "Deleted", Role.ADMIN);

    final String verb;
    final String done;
    final Role role;

    Action(String verb, String done, Role role) {
      this.verb = verb;
      this.done = done;
      this.role = role;
    }

    BulkResult apply(Context context, JobSelection selection, boolean dryRun) {
      Actor actor = context.actor();
      return switch (this) {
        case RETRY -> context.admin().retryJobs(actor, selection, dryRun);
        case CANCEL -> context.admin().cancelJobs(actor, selection, dryRun);
        case DELETE -> context.admin().deleteJobs(actor, selection, dryRun);
      };
    }
  }

  static Response confirm(Context context) {
    Action action = action(context);
    context.require(action.role);
    BulkResult dry = action.apply(context, selection(context), true);
    Html h = new Html();
    h.raw("<p class=\"confirm\" id=\"dry-run\">This will ")
        .text(action.verb)
        .raw(" <strong id=\"dry-run-count\">")
        .text(Formats.number(dry.changed()))
        .raw("</strong> ")
        .text(dry.changed() == 1 ? "job" : "jobs")
        .raw(" (")
        .text(Formats.number(dry.matched()))
        .raw(" selected).</p>");
    skipped(h, dry);
    h.raw("<form method=\"post\" action=\"")
        .text(context.link("/jobs/run"))
        .raw("\">")
        .raw(context.csrfField())
        .hidden("action", action.verb)
        .hidden("scope", scope(context));
    context.params("ids").forEach(id -> h.hidden("ids", id));
    SearchForm.hidden(context, h, true);
    h.raw("<button type=\"submit\" id=\"confirm\"")
        .raw(action == Action.DELETE ? " class=\"danger\">" : ">")
        .text(OverviewPage.capitalized(action.verb) + " " + dry.changed() + " jobs")
        .raw("</button> <a href=\"")
        .text(back(context))
        .raw("\">Go back</a></form>");
    return Response.html(
        200, Layout.page(context, "Confirm: " + action.verb, "/failed", h.toString()));
  }

  static Response run(Context context) {
    Action action = action(context);
    context.require(action.role);
    BulkResult result = action.apply(context, selection(context), false);
    context
        .session()
        .notice(
            action.done
                + " "
                + result.changed()
                + " of "
                + result.matched()
                + " selected jobs"
                + (result.skipped().isEmpty()
                    ? "."
                    : "; skipped: " + String.join(", ", result.skipped()) + "."));
    return Response.redirect(action == Action.DELETE ? context.link("/failed") : back(context));
  }

  private static void skipped(Html h, BulkResult result) {
    if (!result.skipped().isEmpty()) {
      h.raw("<p>Left as they are:</p><ul>");
      result.skipped().forEach(reason -> h.element("li", reason));
      h.raw("</ul>");
    }
  }

  private static Action action(Context context) {
    String value = Params.required(context, "action");
    for (Action a : Action.values()) {
      if (a.verb.equals(value)) {
        return a;
      }
    }
    throw HttpError.badParameter("action", value, "must be retry, cancel or delete");
  }

  private static String scope(Context context) {
    String scope = Params.required(context, "scope");
    if (!scope.equals("selected") && !scope.equals("matching")) {
      throw HttpError.badParameter("scope", scope, "must be selected or matching");
    }
    return scope;
  }

  private static JobSelection selection(Context context) {
    if (scope(context).equals("matching")) {
      return JobSelection.matching(SearchForm.read(context, false, Set.of()));
    }
    List<String> ids = context.params("ids");
    if (ids.isEmpty()) {
      throw new HttpError(400, "select at least one job (parameter 'ids' is empty)");
    }
    for (String id : ids) {
      if (!Params.isJobId(id)) {
        throw HttpError.badParameter("ids", id, "must be job ids, positive whole numbers");
      }
    }
    return JobSelection.ids(ids);
  }

  /** Where to go after: the job's page for one job, else the Failed page. */
  private static String back(Context context) {
    List<String> ids = context.params("ids");
    return scope(context).equals("selected") && ids.size() == 1
        ? context.link("/job?id=" + Params.jobId(context, "ids"))
        : context.link("/failed");
  }
}
