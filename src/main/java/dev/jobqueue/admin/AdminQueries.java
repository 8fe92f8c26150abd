package dev.jobqueue.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jobqueue.JobStatus;
import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.store.AdminStore;
import java.time.Instant;
import java.util.List;

/** A {@link JobSearch} as the store's query. */
final class AdminQueries {
  private AdminQueries() {}

  static AdminStore.Query of(JobSearch search) {
    List<String> statuses = search.statuses().stream().map(JobStatus::wireName).sorted().toList();
    Instant cursorAt = search.cursor().map(JobCursor::createdAt).orElse(null);
    long cursorId = search.cursor().map(JobCursor::id).orElse(0L);
    return new AdminStore.Query(
        statuses,
        search.type().orElse(null),
        search.queue().orElse(null),
        search.priority().map(p -> p.rank()).orElse(null),
        search.createdAfter().orElse(null),
        search.createdBefore().orElse(null),
        search.payloadContainsJson().orElse(null),
        cursorAt,
        cursorId);
  }

  /**
   * Checks that text is one JSON object, for a payload filter.
   *
   * @throws IllegalArgumentException naming the value when it is not, or too long
   */
  static String requireObject(String json) {
    String shown = json.length() > 60 ? json.substring(0, 60) + "…" : json;
    if (json.length() > 10_000) {
      throw new IllegalArgumentException(
          "payloadContains must be at most 10000 characters (was " + json.length() + ")");
    }
    try {
      JsonNode node = Json.MAPPER.readTree(json);
      if (node != null && node.isObject()) {
        return Json.MAPPER.writeValueAsString(node);
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "payloadContains must be a JSON object such as {\"customerId\": 42}: "
              + e.getOriginalMessage()
              + " (was '"
              + shown
              + "')",
          e);
    }
    throw new IllegalArgumentException(
        "payloadContains must be a JSON object such as {\"customerId\": 42} (was '" + shown + "')");
  }
}
