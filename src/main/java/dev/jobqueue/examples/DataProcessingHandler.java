package dev.jobqueue.examples;

import dev.jobqueue.JobContext;
import dev.jobqueue.JobHandler;
import dev.jobqueue.ValidationErrors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code data-processing} job type: imports, exports or transforms a batch of records and
 * returns a summary.
 *
 * <ul>
 *   <li>{@code import}: a record needs a non-blank {@code id}; records without one are rejected,
 *       and repeated ids are skipped. Result: {@code received}, {@code imported}, {@code
 *       duplicates}, {@code rejected} and the rejected records' positions.
 *   <li>{@code export}: writes the records as CSV with one column per field (sorted), quoting as
 *       RFC 4180 does. Result: {@code rows}, {@code columns} and the {@code csv} text.
 *   <li>{@code transform}: field names to lower camel case, strings trimmed, numeric strings to
 *       numbers. Result: {@code transformed} and the {@code records}.
 * </ul>
 *
 * <p>At {@code createJob}: {@code batchId}, {@code operation} and {@code data} are required, and a
 * batch holds at most {@value #MAX_RECORDS} records. The handler checks {@link
 * JobContext#isCancellationRequested()} between records. Thread-safe.
 */
public final class DataProcessingHandler implements JobHandler<DataProcessingPayload> {

  /** The job type. */
  public static final String TYPE = "data-processing";

  /** The most records one job may carry. */
  public static final int MAX_RECORDS = 10_000;

  /** Creates the handler. */
  public DataProcessingHandler() {}

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Class<DataProcessingPayload> payloadType() {
    return DataProcessingPayload.class;
  }

  @Override
  public void validate(DataProcessingPayload payload, ValidationErrors errors) {
    errors.requirePresent("batchId", payload.batchId());
    if (payload.operation() == null) {
      errors.reject("operation", "is required (import, export or transform)", null);
    }
    if (payload.data() == null) {
      errors.reject("data", "is required (an array of records)", null);
    } else {
      errors.require(
          payload.data().size() <= MAX_RECORDS,
          "data",
          "holds at most " + MAX_RECORDS + " records",
          payload.data().size() + " records");
      for (int i = 0; i < payload.data().size(); i++) {
        errors.require(payload.data().get(i) != null, "data[" + i + "]", "must be a record", null);
      }
    }
  }

  @Override
  public Object execute(DataProcessingPayload payload, JobContext context)
      throws InterruptedException {
    return switch (payload.operation()) {
      case IMPORT -> importRecords(payload, context);
      case EXPORT -> exportRecords(payload, context);
      case TRANSFORM -> transformRecords(payload, context);
    };
  }

  private static Map<String, Object> importRecords(DataProcessingPayload payload, JobContext ctx)
      throws InterruptedException {
    Set<String> seen = new LinkedHashSet<>();
    List<Integer> rejected = new ArrayList<>();
    int duplicates = 0;
    for (int i = 0; i < payload.data().size(); i++) {
      checkCancelled(ctx);
      Object id = payload.data().get(i).get("id");
      if (id == null || id.toString().isBlank()) {
        rejected.add(i);
      } else if (!seen.add(id.toString())) {
        duplicates++;
      }
    }
    Map<String, Object> result = summary(payload);
    result.put("received", payload.data().size());
    result.put("imported", seen.size());
    result.put("duplicates", duplicates);
    result.put("rejected", rejected.size());
    result.put("rejectedPositions", rejected);
    return result;
  }

  private static Map<String, Object> exportRecords(DataProcessingPayload payload, JobContext ctx)
      throws InterruptedException {
    Set<String> columns = new TreeSet<>();
    payload.data().forEach(record -> columns.addAll(record.keySet()));
    StringBuilder csv = new StringBuilder(String.join(",", quoteAll(columns))).append("\r\n");
    for (Map<String, Object> record : payload.data()) {
      checkCancelled(ctx);
      List<String> cells = new ArrayList<>();
      for (String column : columns) {
        Object value = record.get(column);
        cells.add(quote(value == null ? "" : String.valueOf(value)));
      }
      csv.append(String.join(",", cells)).append("\r\n");
    }
    Map<String, Object> result = summary(payload);
    result.put("rows", payload.data().size());
    result.put("columns", List.copyOf(columns));
    result.put("csv", csv.toString());
    return result;
  }

  private static Map<String, Object> transformRecords(DataProcessingPayload payload, JobContext ctx)
      throws InterruptedException {
    List<Map<String, Object>> records = new ArrayList<>();
    for (Map<String, Object> record : payload.data()) {
      checkCancelled(ctx);
      Map<String, Object> out = new LinkedHashMap<>();
      record.forEach((key, value) -> out.put(camelCase(key), normalize(value)));
      records.add(out);
    }
    Map<String, Object> result = summary(payload);
    result.put("transformed", records.size());
    result.put("records", records);
    return result;
  }

  private static Map<String, Object> summary(DataProcessingPayload payload) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("batchId", payload.batchId());
    result.put("operation", payload.operation().wireName());
    return result;
  }

  private static void checkCancelled(JobContext ctx) throws InterruptedException {
    if (ctx.isCancellationRequested() || Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("job " + ctx.jobId() + " was asked to stop");
    }
  }

  static String camelCase(String key) {
    String[] parts = key.trim().split("[^A-Za-z0-9]+");
    StringBuilder out = new StringBuilder();
    for (String part : parts) {
      if (part.isEmpty()) {
        continue;
      }
      String lower = part.toLowerCase(Locale.ROOT);
      out.append(
          out.length() == 0 ? lower : Character.toUpperCase(lower.charAt(0)) + lower.substring(1));
    }
    return out.length() == 0 ? key : out.toString();
  }

  static Object normalize(Object value) {
    if (!(value instanceof String text)) {
      return value;
    }
    String trimmed = text.trim();
    if (trimmed.matches("-?\\d{1,18}")) {
      return Long.parseLong(trimmed);
    }
    if (trimmed.matches("-?\\d+\\.\\d+")) {
      return Double.parseDouble(trimmed);
    }
    return trimmed;
  }

  private static List<String> quoteAll(Set<String> values) {
    List<String> quoted = new ArrayList<>();
    values.forEach(value -> quoted.add(quote(value)));
    return quoted;
  }

  private static String quote(String value) {
    boolean needs =
        value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r");
    return needs ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
