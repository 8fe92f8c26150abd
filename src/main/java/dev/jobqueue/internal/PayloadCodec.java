package dev.jobqueue.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.jobqueue.FieldError;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns caller-supplied payloads into the JSON text that is stored, and reports every problem as a
 * {@link FieldError} instead of letting the driver or PostgreSQL refuse it later.
 *
 * <p>A stored payload is always a JSON object that:
 *
 * <ul>
 *   <li>nests at most {@value #MAX_DEPTH} levels deep;
 *   <li>contains no U+0000 character and no unpaired surrogate, in names or values (PostgreSQL's
 *       {@code jsonb} refuses both);
 *   <li>holds no raw JSON text (Jackson's {@code RawValue}, {@code @JsonRawValue}), which would be
 *       written unchecked;
 *   <li>holds only numbers PostgreSQL's {@code numeric} can store: at most {@value
 *       #MAX_INTEGER_DIGITS} digits before the decimal point and {@value #MAX_FRACTION_DIGITS}
 *       after it;
 *   <li>is at most the configured number of bytes in UTF-8.
 * </ul>
 */
public final class PayloadCodec {

  /** The deepest nesting accepted in a payload. */
  public static final int MAX_DEPTH = 100;

  /** The most digits before the decimal point that PostgreSQL's {@code numeric} stores. */
  public static final int MAX_INTEGER_DIGITS = 131_072;

  /** The most digits after the decimal point that PostgreSQL's {@code numeric} stores. */
  public static final int MAX_FRACTION_DIGITS = 16_383;

  private PayloadCodec() {}

  /**
   * Converts a payload to a handler's class. Returns {@code payload} itself when it already is an
   * instance; otherwise goes through a JSON tree, so a {@code Map} or another object with the same
   * properties converts.
   *
   * @param payload the caller's payload, not null
   * @param type the handler's payload class
   * @param path the field path to report problems under, for example {@code payload}
   * @param errors where problems are added
   * @param <P> the payload class
   * @return the converted payload, or null when a problem was added
   */
  public static <P> P convert(Object payload, Class<P> type, String path, List<FieldError> errors) {
    if (type.isInstance(payload)) {
      return type.cast(payload);
    }
    JsonNode tree = toTree(payload, path, errors);
    if (tree == null) {
      return null;
    }
    try {
      return Json.MAPPER.treeToValue(tree, type);
    } catch (JsonMappingException e) {
      errors.add(describe(path, e));
    } catch (JsonProcessingException | RuntimeException e) {
      errors.add(
          FieldError.of(
              path, "cannot be converted to " + simpleName(type) + ": " + e.getMessage(), null));
    }
    return null;
  }

  /**
   * Encodes a value as the JSON object to store.
   *
   * @param value the payload (or filter object), not null
   * @param maxBytes the largest encoding accepted
   * @param path the field path to report problems under
   * @param errors where problems are added
   * @return the JSON text, or null when a problem was added
   */
  public static String encodeObject(
      Object value, int maxBytes, String path, List<FieldError> errors) {
    JsonNode tree = toTree(value, path, errors);
    if (tree == null) {
      return null;
    }
    if (!tree.isObject()) {
      errors.add(
          FieldError.of(path, "must be a JSON object (was a JSON " + kind(tree) + ")", null));
      return null;
    }
    return encodeTree(tree, maxBytes, path, errors);
  }

  private static String encodeTree(
      JsonNode tree, int maxBytes, String path, List<FieldError> errors) {
    int before = errors.size();
    checkTree(tree, path, errors);
    if (errors.size() > before) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(tree);
    } catch (JsonProcessingException e) {
      errors.add(FieldError.of(path, "cannot be written as JSON: " + e.getOriginalMessage(), null));
      return null;
    }
    if (bytes.length > maxBytes) {
      errors.add(
          FieldError.of(
              path,
              "is " + bytes.length + " bytes of JSON, over the limit of " + maxBytes + " bytes",
              null));
      return null;
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Encodes any JSON value (a handler's result), with the same checks as a payload except that it
   * need not be an object.
   *
   * @param value the value, not null
   * @param maxBytes the largest encoding accepted
   * @param path the field path to report problems under
   * @param errors where problems are added
   * @return the JSON text, or null when a problem was added
   */
  public static String encodeValue(
      Object value, int maxBytes, String path, List<FieldError> errors) {
    JsonNode tree = toTree(value, path, errors);
    return tree == null ? null : encodeTree(tree, maxBytes, path, errors);
  }

  private static JsonNode toTree(Object value, String path, List<FieldError> errors) {
    if (nestsTooDeep(value)) {
      errors.add(FieldError.of(path, "nests deeper than " + MAX_DEPTH + " levels", null));
      return null;
    }
    try {
      return Json.MAPPER.valueToTree(value);
    } catch (IllegalArgumentException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String message =
          cause instanceof JsonProcessingException jpe
              ? jpe.getOriginalMessage()
              : cause.getMessage();
      errors.add(FieldError.of(path, "cannot be serialized to JSON: " + message, null));
    } catch (StackOverflowError e) {
      // Only reachable through deeply nested beans; maps, collections and arrays are caught above.
      errors.add(FieldError.of(path, "nests deeper than " + MAX_DEPTH + " levels", null));
    }
    return null;
  }

  /**
   * Looks for maps, collections and arrays nested deeper than {@link #MAX_DEPTH} without recursion,
   * so a hostile (or self-referencing) structure is refused before Jackson walks it recursively.
   */
  private static boolean nestsTooDeep(Object root) {
    Deque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 1});
    while (!stack.isEmpty()) {
      Object[] entry = stack.pop();
      Object node = entry[0];
      int depth = (Integer) entry[1];
      Iterable<?> children;
      if (node instanceof Map<?, ?> map) {
        children = map.values();
      } else if (node instanceof Iterable<?> iterable) {
        children = iterable;
      } else if (node instanceof Object[] array) {
        children = java.util.Arrays.asList(array);
      } else {
        continue;
      }
      if (depth > MAX_DEPTH) {
        return true;
      }
      for (Object child : children) {
        if (child instanceof Map || child instanceof Iterable || child instanceof Object[]) {
          stack.push(new Object[] {child, depth + 1});
        }
      }
    }
    return false;
  }

  /** Walks the tree without recursion, so a hostile depth cannot overflow the stack. */
  private static void checkTree(JsonNode root, String rootPath, List<FieldError> errors) {
    Deque<Entry> stack = new ArrayDeque<>();
    stack.push(new Entry(root, rootPath, 1));
    while (!stack.isEmpty()) {
      Entry entry = stack.pop();
      JsonNode node = entry.node();
      if (node.isTextual()) {
        checkText(node.textValue(), entry.path(), errors);
        continue;
      }
      if (node.isBigDecimal() || node.isBigInteger()) {
        checkNumber(node.decimalValue(), entry.path(), errors);
        continue;
      }
      if (node.isPojo()) {
        // Raw JSON (a RawValue, @JsonRawValue, a serializer's writeRawValue) or another embedded
        // object would be written unchecked, so jsonb rather than the library would judge it.
        errors.add(
            FieldError.of(
                entry.path(),
                "holds raw JSON or an embedded object, which cannot be checked",
                null));
        continue;
      }
      if (!node.isContainerNode()) {
        continue;
      }
      if (entry.depth() > MAX_DEPTH) {
        errors.add(FieldError.of(rootPath, "nests deeper than " + MAX_DEPTH + " levels", null));
        return;
      }
      if (node.isObject()) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          String childPath = entry.path() + "." + field.getKey();
          checkText(field.getKey(), childPath + " (field name)", errors);
          stack.push(new Entry(field.getValue(), childPath, entry.depth() + 1));
        }
      } else {
        for (int i = 0; i < node.size(); i++) {
          stack.push(new Entry(node.get(i), entry.path() + "[" + i + "]", entry.depth() + 1));
        }
      }
    }
  }

  /**
   * Refuses a number that jsonb would reject with "value overflows numeric format". Jackson writes
   * it as {@link BigDecimal#toString()}, so its digits before the point are {@code precision -
   * scale} (none for zero) and after it {@code scale}.
   */
  private static void checkNumber(BigDecimal value, String path, List<FieldError> errors) {
    long integerDigits = value.signum() == 0 ? 0 : (long) value.precision() - value.scale();
    if (value.scale() > MAX_FRACTION_DIGITS || integerDigits > MAX_INTEGER_DIGITS) {
      errors.add(
          FieldError.of(
              path,
              "is a number PostgreSQL cannot store (more than "
                  + MAX_INTEGER_DIGITS
                  + " digits before the decimal point or "
                  + MAX_FRACTION_DIGITS
                  + " after it)",
              null));
    }
  }

  private static void checkText(String text, String path, List<FieldError> errors) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\u0000') {
        errors.add(
            FieldError.of(
                path, "contains the character U+0000, which PostgreSQL cannot store", null));
        return;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        errors.add(FieldError.of(path, "contains an unpaired UTF-16 surrogate", null));
        return;
      }
      if (Character.isLowSurrogate(c)) {
        errors.add(FieldError.of(path, "contains an unpaired UTF-16 surrogate", null));
        return;
      }
    }
  }

  private static FieldError describe(String path, JsonMappingException e) {
    String fieldPath =
        path
            + e.getPath().stream()
                .map(
                    ref ->
                        ref.getFieldName() != null
                            ? "." + ref.getFieldName()
                            : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining());
    if (e instanceof UnrecognizedPropertyException u) {
      return FieldError.of(
          fieldPath,
          "is not a field of "
              + simpleName(u.getReferringClass())
              + " (known fields: "
              + u.getKnownPropertyIds()
              + ")",
          null);
    }
    if (e instanceof InvalidFormatException f) {
      return FieldError.of(
          fieldPath, "cannot be converted to " + simpleName(f.getTargetType()), f.getValue());
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return FieldError.of(
          fieldPath,
          "has the wrong JSON type for " + simpleName(m.getTargetType()) + ": " + firstLine(m),
          null);
    }
    return FieldError.of(fieldPath, firstLine(e), null);
  }

  private static String firstLine(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static String simpleName(Class<?> type) {
    return type == null ? "?" : type.getSimpleName();
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "array";
      case STRING -> "string";
      case NUMBER -> "number";
      case BOOLEAN -> "boolean";
      case NULL, MISSING -> "null";
      default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private record Entry(JsonNode node, String path, int depth) {}
}
