package dev.jobqueue.examples;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a {@code data-processing} job does with its records. */
public enum DataOperation {
  /** Checks each record, drops invalid ones and duplicates by {@code id}, and counts them. */
  IMPORT,
  /** Writes the records as CSV, one column per field. */
  EXPORT,
  /** Normalizes the records: field names to lower camel case, strings trimmed, numbers parsed. */
  TRANSFORM;

  /**
   * The name used in payloads: {@code "import"}, {@code "export"} or {@code "transform"}.
   *
   * @return the wire name
   */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name, ignoring case.
   *
   * @param value the name
   * @return the operation
   * @throws IllegalArgumentException naming the value
   */
  @JsonCreator
  public static DataOperation fromWireName(String value) {
    if (value != null) {
      for (DataOperation operation : values()) {
        if (operation.name().equalsIgnoreCase(value)) {
          return operation;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown operation '" + value + "' (expected import, export or transform)");
  }
}
