package dev.jobqueue.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.jobqueue.FieldError;
import dev.jobqueue.JobStatus;
import dev.jobqueue.UniqueOptions;
import dev.jobqueue.internal.store.NewJob;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks {@link UniqueOptions} and turns them into the key and states stored with a job: the given
 * key, or the canonical JSON of the named payload fields, with the time bucket appended, and hashed
 * when it is too long to store. <strong>Not API.</strong>
 */
public final class UniqueKeys {

  /** The shortest period or window. */
  static final Duration MIN_DURATION = Duration.ofMillis(1);

  /** The longest period or window. */
  static final Duration MAX_DURATION = Duration.ofDays(3650);

  /** What a key that is too long to store is replaced by: this prefix and a hex digest. */
  static final String HASH_PREFIX = "sha256:";

  private static final String DURATION_RANGE = "must be between 1 ms and 3650 days";

  /** Reads stored payload JSON with every fraction as a BigDecimal, so numbers stay exact. */
  private static final ObjectReader EXACT =
      Json.MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private UniqueKeys() {}

  /**
   * Checks the options and builds the stored key.
   *
   * @param options the caller's options
   * @param payloadJson the converted payload as stored, or null when it did not encode (then a key
   *     derived from the payload is not checked further)
   * @param now the JVM's clock, for the time bucket
   * @param prefix the path prefix of the job's fields ({@code ""} or {@code jobs[i].})
   * @param errors where problems are added, each naming {@code unique.*} and the value
   * @return the key and states, or null when a problem was added
   */
  public static NewJob.Unique resolve(
      UniqueOptions options,
      String payloadJson,
      Instant now,
      String prefix,
      List<FieldError> errors) {
    int before = errors.size();
    Duration period = options.period().orElse(null);
    if (period != null && !inRange(period)) {
      errors.add(FieldError.of(prefix + "unique.period", DURATION_RANGE, period));
    }
    Duration within = options.completedWithin().orElse(null);
    if (within != null && !inRange(within)) {
      errors.add(FieldError.of(prefix + "unique.completedWithin", DURATION_RANGE, within));
    }
    String text = null;
    if (!options.derivedFromPayload()) {
      String key = options.key().orElseThrow();
      if (JobInputValidator.isValidKey(key)) {
        text = key;
      } else {
        errors.add(
            FieldError.of(
                prefix + "unique.key",
                "must be 1 to "
                    + UniqueOptions.MAX_KEY_LENGTH
                    + " characters, with no control characters",
                key));
      }
    } else {
      text = derive(options.fields(), payloadJson, prefix, errors);
    }
    if (errors.size() > before || text == null) {
      return null;
    }
    if (period != null) {
      text = text + "@" + bucket(now, period);
    }
    List<String> states = new ArrayList<>();
    for (JobStatus status : options.states()) {
      states.add(status.wireName());
    }
    return new NewJob.Unique(
        fit(text), states, within == null ? 0 : within.toMillis(), options.replacesPending());
  }

  private static boolean inRange(Duration duration) {
    return duration.compareTo(MIN_DURATION) >= 0 && duration.compareTo(MAX_DURATION) <= 0;
  }

  /** The canonical JSON of the named fields (or the whole payload), or null after a problem. */
  private static String derive(
      List<String> fields, String payloadJson, String prefix, List<FieldError> errors) {
    TreeSet<String> names = new TreeSet<>();
    boolean blank = false;
    for (String field : fields) {
      if (field.isBlank()) {
        errors.add(FieldError.of(prefix + "unique.fields", "must not name a blank field", field));
        blank = true;
      }
      names.add(field);
    }
    if (blank || payloadJson == null) {
      return null; // A payload that did not encode has its own errors already.
    }
    JsonNode payload;
    try {
      payload = EXACT.readTree(payloadJson);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an encoded payload does not parse", e);
    }
    if (names.isEmpty()) {
      return canonical(payload);
    }
    StringBuilder out = new StringBuilder("{");
    boolean missing = false;
    for (String name : names) {
      JsonNode value = payload.get(name);
      if (value == null) {
        errors.add(
            FieldError.of(
                prefix + "unique.fields",
                "names a field the payload (as converted to the handler's class) does not have",
                name));
        missing = true;
        continue;
      }
      if (out.length() > 1) {
        out.append(',');
      }
      appendString(out, name);
      out.append(':');
      appendCanonical(out, value);
    }
    return missing ? null : out.append('}').toString();
  }

  /**
   * Canonical JSON: object keys sorted, no white space, numbers without exponent or trailing zeros,
   * control characters escaped. Equal values give equal text.
   *
   * @param node a JSON value
   * @return its canonical text
   */
  static String canonical(JsonNode node) {
    StringBuilder out = new StringBuilder();
    appendCanonical(out, node);
    return out.toString();
  }

  private static void appendCanonical(StringBuilder out, JsonNode node) {
    if (node.isObject()) {
      Map<String, JsonNode> sorted = new TreeMap<>();
      for (Map.Entry<String, JsonNode> entry : node.properties()) {
        sorted.put(entry.getKey(), entry.getValue());
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> entry : sorted.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        appendString(out, entry.getKey());
        out.append(':');
        appendCanonical(out, entry.getValue());
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        appendCanonical(out, node.get(i));
      }
      out.append(']');
    } else if (node.isTextual()) {
      appendString(out, node.textValue());
    } else if (node.isNumber()) {
      BigDecimal value = node.decimalValue().stripTrailingZeros();
      out.append(value.scale() <= 0 ? value.toBigIntegerExact().toString() : value.toPlainString());
    } else if (node.isBoolean()) {
      out.append(node.booleanValue());
    } else {
      out.append("null");
    }
  }

  private static void appendString(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }

  /**
   * The time bucket {@code now} falls in, as an ISO-8601 interval: its start and the period.
   *
   * @param now the instant
   * @param period the bucket length, at most 3650 days
   * @return for example {@code 2026-03-01T00:00:00Z/P1D}
   */
  static String bucket(Instant now, Duration period) {
    long periodNanos = period.toNanos();
    long nowNanos =
        Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
    long start = Math.multiplyExact(Math.floorDiv(nowNanos, periodNanos), periodNanos);
    return Instant.ofEpochSecond(0, start) + "/" + isoPeriod(period);
  }

  /** {@code P1D} for whole days, else {@link Duration#toString()} ({@code PT1H}). */
  private static String isoPeriod(Duration period) {
    if (period.toNanos() % Duration.ofDays(1).toNanos() == 0) {
      return "P" + period.toDays() + "D";
    }
    return period.toString();
  }

  /**
   * The text itself when it fits the column, else {@value #HASH_PREFIX} and its SHA-256 in hex.
   *
   * @param text the full key
   * @return at most {@value UniqueOptions#MAX_KEY_LENGTH} characters
   */
  static String fit(String text) {
    if (text.length() <= UniqueOptions.MAX_KEY_LENGTH) {
      return text;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HASH_PREFIX + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
