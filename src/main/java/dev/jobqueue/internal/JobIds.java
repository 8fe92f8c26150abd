package dev.jobqueue.internal;

import java.util.OptionalLong;

/**
 * Job ids are positive {@code bigint}s from an identity column, shown to users as decimal strings.
 * Anything else is not an id: it is reported as "no such job", never as an SQL error.
 */
public final class JobIds {
  private static final int MAX_DIGITS = 19;

  private JobIds() {}

  /**
   * Parses a job id.
   *
   * @param id the text, possibly malformed or null
   * @return the numeric id, or empty when {@code id} is not a positive decimal number that fits a
   *     {@code bigint}
   */
  public static OptionalLong parse(String id) {
    // Ids are printed without leading zeros; "0005" is not how any id is written.
    if (id == null || id.isEmpty() || id.length() > MAX_DIGITS || id.charAt(0) == '0') {
      return OptionalLong.empty();
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return OptionalLong.empty();
      }
    }
    try {
      long value = Long.parseLong(id);
      return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
    } catch (NumberFormatException overflow) {
      return OptionalLong.empty();
    }
  }
}
