package dev.jobqueue.dashboard;

import dev.jobqueue.JobPriority;
import dev.jobqueue.JobStatus;
import dev.jobqueue.admin.JobCursor;
import dev.jobqueue.admin.JobSearch;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The job filters of the Jobs and Failed pages, their bulk actions and {@code api/jobs}: read from
 * the request into a {@link JobSearch}, with a 400 naming the parameter for any bad value, and
 * written back into links and hidden fields.
 */
final class SearchForm {
  /** The filter parameters, in the order links carry them. */
  static final List<String> FILTERS =
      List.of("status", "type", "queue", "priority", "created_after", "created_before", "payload");

  private SearchForm() {}

  /**
   * Reads the filters, and with {@code paged} the cursor and limit. {@code statuses}, when not
   * empty, replaces the status filter (the Failed page).
   */
  static JobSearch read(Context context, boolean paged, Set<JobStatus> statuses) {
    JobSearch.Builder b = JobSearch.builder();
    b.statuses(statuses.isEmpty() ? statuses(context) : statuses);
    b.type(name(context, "type"));
    b.queue(name(context, "queue"));
    String priority = value(context, "priority");
    if (priority != null) {
      try {
        b.priority(JobPriority.fromWireName(priority));
      } catch (IllegalArgumentException e) {
        throw HttpError.badParameter("priority", priority, "must be high, normal or low");
      }
    }
    Instant after = time(context, "created_after");
    Instant before = time(context, "created_before");
    if (after != null && before != null && !after.isBefore(before)) {
      throw HttpError.badParameter(
          "created_after", value(context, "created_after"), "must be before created_before");
    }
    b.createdAfter(after).createdBefore(before);
    String payload = value(context, "payload");
    try {
      b.payloadContainsJson(payload);
    } catch (IllegalArgumentException e) {
      throw HttpError.badParameter(
          "payload", payload, "must be a JSON object the payloads contain, like {\"order\": 42}");
    }
    if (paged) {
      String cursor = value(context, "cursor");
      if (cursor != null) {
        try {
          b.cursor(JobCursor.parse(cursor));
        } catch (IllegalArgumentException e) {
          throw HttpError.badParameter("cursor", cursor, "must be a cursor a previous page gave");
        }
      }
      b.limit(Params.intValue(context, "limit", 1, JobSearch.MAX_LIMIT, JobSearch.DEFAULT_LIMIT));
    }
    return b.build();
  }

  private static Set<JobStatus> statuses(Context context) {
    Set<JobStatus> statuses = EnumSet.noneOf(JobStatus.class);
    for (String value : context.params("status")) {
      if (value.isBlank()) {
        continue;
      }
      try {
        statuses.add(JobStatus.fromWireName(value));
      } catch (IllegalArgumentException e) {
        throw HttpError.badParameter(
            "status", value, "must be pending, running, completed, failed or cancelled");
      }
    }
    return statuses;
  }

  private static String name(Context context, String parameter) {
    String value = value(context, parameter);
    if (value != null && value.length() > JobSearch.MAX_NAME_LENGTH) {
      throw HttpError.badParameter(
          parameter, value, "must be at most " + JobSearch.MAX_NAME_LENGTH + " characters");
    }
    return value;
  }

  private static Instant time(Context context, String parameter) {
    String value = value(context, parameter);
    if (value == null) {
      return null;
    }
    try {
      return value.endsWith("Z")
          ? Instant.parse(value)
          : LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw HttpError.badParameter(
          parameter, value, "must be a UTC time like 2026-01-31T12:00 or 2026-01-31T12:00:00Z");
    }
  }

  /** A parameter's first value, trimmed; null when absent or blank. */
  static String value(Context context, String parameter) {
    String value = context.param(parameter);
    return value == null || value.isBlank() ? null : value.trim();
  }

  /**
   * The filters as a query string, without the leading question mark; the status filter only {@code
   * withStatus}.
   */
  static String query(Context context, boolean withStatus) {
    StringBuilder q = new StringBuilder();
    for (String name : filters(withStatus)) {
      for (String value : context.params(name)) {
        if (!value.isBlank()) {
          q.append(q.length() == 0 ? "" : "&").append(name).append('=').append(encode(value));
        }
      }
    }
    return q.toString();
  }

  /**
   * The filters as hidden fields, for a form that acts on every job they match; the status filter
   * only {@code withStatus}.
   */
  static void hidden(Context context, Html h, boolean withStatus) {
    for (String name : filters(withStatus)) {
      for (String value : context.params(name)) {
        if (!value.isBlank()) {
          h.hidden(name, value);
        }
      }
    }
  }

  private static List<String> filters(boolean withStatus) {
    return withStatus ? FILTERS : FILTERS.subList(1, FILTERS.size());
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
