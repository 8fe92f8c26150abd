package dev.jobqueue.dashboard;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads {@code application/x-www-form-urlencoded} text: query strings and form bodies. */
final class FormData {
  /** The most parameters one request may carry. */
  static final int MAX_PARAMETERS = 2_000;

  private FormData() {}

  static Map<String, List<String>> parse(String raw) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    String[] pairs = raw.split("&");
    if (pairs.length > MAX_PARAMETERS) {
      throw new HttpError(400, "too many parameters (at most " + MAX_PARAMETERS + ")");
    }
    for (String pair : pairs) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return params;
  }

  /** Whether a Content-Type is that of a urlencoded form. */
  static boolean isForm(String contentType) {
    return contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, "malformed percent-encoding in the request parameters");
    }
  }
}
