package dev.jobqueue.reliability;

import com.fasterxml.jackson.databind.util.RawValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hostile values for the property-style input tests: SQL fragments, odd Unicode, extreme numbers
 * and instants, drawn from a seeded {@link Random} so that a failing run can be replayed from its
 * seed.
 */
final class Hostile {

  /** Fragments that would do harm if any reached SQL text, a LIKE pattern or a format string. */
  static final List<String> FRAGMENTS =
      List.of(
          "'; drop table jobs; --",
          "' or '1'='1",
          "\"; drop schema public cascade; --",
          "x'); delete from jobs; --",
          "$$",
          "$x$ select 1 $x$",
          "--",
          "/*",
          "*/",
          "%",
          "_",
          "\\",
          "\\\\",
          "%I",
          "%s",
          "%L",
          "?",
          "$1",
          ":id",
          "E'\\x27'",
          "';select pg_sleep(5);--",
          "\\u0000",
          "\u200F", // right-to-left mark
          "\u202E", // right-to-left override
          "e\u0301\u0301\u0301\u0301", // stacked combining accents
          "\uD800", // unpaired high surrogate
          "\uDC00", // unpaired low surrogate
          "\u0000",
          "\uD83D\uDE00", // emoji
          "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", // family: emoji with joiners
          "\uFEFF",
          "\u2028",
          "\uFFFF",
          "null",
          "NaN",
          "{}",
          "[]",
          "\"",
          "'",
          "`",
          "\n",
          "\r\n",
          "\t",
          " ",
          "");

  private Hostile() {}

  /** A random hostile string: a fragment, a mix of them, random UTF-16 units, or 10,000 chars. */
  static String string(Random r) {
    int kind = r.nextInt(100);
    if (kind < 40) {
      return pick(r, FRAGMENTS);
    }
    if (kind < 70) {
      StringBuilder s = new StringBuilder();
      int parts = 2 + r.nextInt(4);
      for (int i = 0; i < parts; i++) {
        s.append(r.nextBoolean() ? pick(r, FRAGMENTS) : Integer.toString(r.nextInt(1000), 36));
      }
      return s.toString();
    }
    if (kind < 85) {
      // Random UTF-16 code units, surrogates and controls included.
      char[] chars = new char[1 + r.nextInt(40)];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = (char) (r.nextBoolean() ? r.nextInt(0x80) : r.nextInt(0x10000));
      }
      return new String(chars);
    }
    if (kind < 95) {
      return typeLike(r);
    }
    String unit = pick(r, List.of("a", "'", "\u200F", "\uD83D\uDE00", "e\u0301", "%"));
    return unit.repeat(10_000 / unit.length());
  }

  /** A string that may pass the type-name pattern, or miss it at an edge. */
  static String typeLike(Random r) {
    return switch (r.nextInt(8)) {
      case 0 -> "email-notification";
      case 1 -> "a:b.c-d_e";
      case 2 -> "x".repeat(128);
      case 3 -> "x".repeat(129);
      case 4 -> "-starts-with-dash";
      case 5 -> "type" + r.nextInt(5);
      case 6 -> "Type." + Long.toString(r.nextLong() & Long.MAX_VALUE, 36);
      default -> "t" + pick(r, FRAGMENTS);
    };
  }

  /** An instant anywhere in {@link Instant}'s range, at PostgreSQL's edges or near now. */
  static Instant instant(Random r) {
    return switch (r.nextInt(12)) {
      case 0 -> Instant.MIN;
      case 1 -> Instant.MAX;
      case 2 -> Instant.EPOCH;
      case 3 -> Instant.parse("-4713-11-24T00:00:00Z"); // PostgreSQL's earliest timestamp
      case 4 -> Instant.parse("+294276-12-31T23:59:59Z"); // PostgreSQL's latest timestamp
      case 5 -> Instant.parse("+294277-01-01T00:00:00Z"); // past it
      case 6 -> Instant.parse("0000-01-01T00:00:00Z");
      case 7 -> Instant.parse("9999-12-31T23:59:59.999999999Z");
      case 8 ->
          r.nextBoolean()
              ? Instant.ofEpochMilli(Long.MIN_VALUE)
              : Instant.ofEpochMilli(Long.MAX_VALUE);
      case 9 ->
          Instant.ofEpochSecond(
              r.nextLong(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()),
              r.nextInt(1_000_000_000));
      default -> Instant.now().plusSeconds(r.nextInt(7200) - 3600L);
    };
  }

  /** An int at the edges of the filters' ranges, or any int. */
  static int edgeInt(Random r) {
    return switch (r.nextInt(12)) {
      case 0 -> Integer.MIN_VALUE;
      case 1 -> Integer.MAX_VALUE;
      case 2 -> -1;
      case 3 -> 0;
      case 4 -> 1;
      case 5 -> 1000;
      case 6 -> 1001;
      case 7 -> 1_000_000;
      case 8 -> 1_000_001;
      case 9 -> r.nextInt(50);
      default -> r.nextInt();
    };
  }

  /** A job id string: hostile text, a number at an edge, or nearly a number. */
  static String id(Random r, List<String> realIds) {
    return switch (r.nextInt(14)) {
      case 0 -> pick(r, realIds);
      case 1 -> pick(r, realIds) + pick(r, FRAGMENTS);
      case 2 -> pick(r, FRAGMENTS) + pick(r, realIds);
      case 3 -> Long.toString(Long.MAX_VALUE);
      case 4 -> "9223372036854775808";
      case 5 -> Long.toString(Long.MIN_VALUE);
      case 6 -> "9".repeat(1 + r.nextInt(10_000));
      case 7 ->
          pick(
              r,
              List.of(
                  "0", "-1", "00", "1e3", "0x1F", "+5", " 5", "5 ", "\u0663", "\uFF15", "1.0",
                  "1_0"));
      case 8 -> Long.toString(1_000_000_000_000L + (r.nextLong() & 0xFFFF_FFFF_FFFFL));
      case 9 -> null;
      default -> string(r);
    };
  }

  /**
   * A JSON-like value: hostile strings, extreme numbers (some beyond what PostgreSQL's {@code
   * numeric} holds), booleans, nulls, nested maps and lists.
   */
  static Object jsonValue(Random r, int depth) {
    int kind = r.nextInt(depth > 4 ? 9 : 12);
    return switch (kind) {
      case 0, 1, 2 -> string(r);
      case 3 -> pick(r, List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L, r.nextLong()));
      case 4 ->
          pick(
              r,
              List.<Object>of(
                  Double.NaN,
                  Double.POSITIVE_INFINITY,
                  Double.NEGATIVE_INFINITY,
                  -0.0d,
                  Double.MIN_VALUE,
                  Double.MAX_VALUE,
                  r.nextDouble()));
      case 5 -> new BigInteger(1 + r.nextInt(2000), r).negate();
      case 6 -> bigDecimal(r);
      case 7 -> r.nextBoolean();
      case 8 ->
          switch (r.nextInt(3)) {
            case 0 -> null;
            case 1 -> Integer.MIN_VALUE;
            // Raw JSON text, which Jackson writes unparsed.
            default -> new RawValue(pick(r, List.of("\"\\u0000\"", "}{", "1e999999", "[[[[]]]]")));
          };
      case 9, 10 -> map(r, depth + 1);
      default -> {
        List<Object> list = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          list.add(jsonValue(r, depth + 1));
        }
        yield list;
      }
    };
  }

  /** A decimal with a huge or tiny exponent, or many digits. */
  static BigDecimal bigDecimal(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> new BigDecimal("1e" + (131_000 + r.nextInt(1_000_000)));
      case 1 -> new BigDecimal("1e-" + (16_000 + r.nextInt(1_000_000)));
      case 2 -> new BigDecimal("-9.99e" + r.nextInt(Integer.MAX_VALUE));
      case 3 -> new BigDecimal(new BigInteger(1 + r.nextInt(5000), r), r.nextInt(20_000) - 10_000);
      default -> new BigDecimal(r.nextLong()).movePointLeft(r.nextInt(30));
    };
  }

  /** A map of hostile keys to hostile values. */
  static Map<String, Object> map(Random r, int depth) {
    Map<String, Object> map = new LinkedHashMap<>();
    int n = r.nextInt(4);
    for (int i = 0; i < n; i++) {
      map.put(string(r), jsonValue(r, depth + 1));
    }
    return map;
  }

  /** A map nested {@code levels} deep: {"a": {"a": ... {}}}. */
  static Map<String, Object> nestedMap(int levels) {
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> current = root;
    for (int i = 1; i < levels; i++) {
      Map<String, Object> child = new LinkedHashMap<>();
      current.put("a", child);
      current = child;
    }
    return root;
  }

  static <T> T pick(Random r, List<T> values) {
    return values.get(r.nextInt(values.size()));
  }

  /** Shortens a value for a failure message. */
  static String describe(Object value) {
    String s = String.valueOf(value);
    StringBuilder out = new StringBuilder();
    s.codePoints()
        .limit(80)
        .forEach(
            cp -> {
              if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || Character.isSurrogate((char) cp)) {
                out.append(String.format("\\u%04X", cp));
              } else {
                out.appendCodePoint(cp);
              }
            });
    return s.length() > 80 ? out + "...(" + s.length() + " chars)" : out.toString();
  }
}
