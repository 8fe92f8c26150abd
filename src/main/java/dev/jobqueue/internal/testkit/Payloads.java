package dev.jobqueue.internal.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NumericNode;
import dev.jobqueue.FieldError;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.internal.Json;
import dev.jobqueue.internal.PayloadCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The test kit's payload comparisons: an expected payload is written as JSON the way {@code
 * createJob} writes one, and compared with a stored payload as JSON values (object keys in any
 * order, numbers by value). <strong>Not API.</strong>
 */
public final class Payloads {

  /** Numbers equal by value ({@code 1}, {@code 1L}, {@code 1.0}); everything else by equals. */
  private static final Comparator<JsonNode> BY_VALUE =
      (a, b) -> {
        if (a instanceof NumericNode && b instanceof NumericNode) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  private Payloads() {}

  /**
   * An expected payload as JSON text: a {@code String} is taken as JSON text already; any other
   * value (a record, a bean, a {@code Map}) is written as {@code createJob} writes a payload.
   *
   * @param expected the payload
   * @return its JSON
   * @throws IllegalArgumentException naming the problem, if it is not a JSON object
   */
  public static String toJson(Object expected) {
    if (expected instanceof String text) {
      try {
        JsonNode tree = Json.MAPPER.readTree(text);
        if (tree == null || !tree.isObject()) {
          throw new IllegalArgumentException("the expected payload is not a JSON object: " + text);
        }
        return Json.MAPPER.writeValueAsString(tree);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "the expected payload is not valid JSON: " + e.getOriginalMessage(), e);
      }
    }
    List<FieldError> errors = new ArrayList<>();
    String json =
        PayloadCodec.encodeObject(
            expected, JobQueueConfig.MAX_PAYLOAD_BYTES_LIMIT, "expected payload", errors);
    if (json == null) {
      throw new IllegalArgumentException(
          errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    }
    return json;
  }

  /**
   * Whether two JSON texts hold the same value.
   *
   * @param a one JSON text
   * @param b the other
   * @return true when equal as JSON values
   */
  public static boolean sameJson(String a, String b) {
    try {
      return Json.MAPPER.readTree(a).equals(BY_VALUE, Json.MAPPER.readTree(b));
    } catch (JsonProcessingException e) {
      return false;
    }
  }
}
