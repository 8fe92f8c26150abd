package dev.jobqueue.dashboard;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One HTTP request as the dashboard sees it, whatever server carried it: the standalone server and
 * the Servlet adapter each build one.
 *
 * @param method the HTTP method, upper case
 * @param basePath where the dashboard is mounted, without a trailing slash: empty at the root
 * @param path the rest of the path, starting with a slash
 * @param query the query string's parameters
 * @param form the urlencoded body's parameters; empty for a GET
 * @param headers a header's value by name, case-insensitive; null when absent
 * @param remoteAddress the client's address, as the server saw it
 * @param secure whether the request arrived over HTTPS
 */
record Request(
    String method,
    String basePath,
    String path,
    Map<String, List<String>> query,
    Map<String, List<String>> form,
    Function<String, String> headers,
    String remoteAddress,
    boolean secure) {

  /** This request with its query and form parameters. */
  Request withParameters(Map<String, List<String>> query, Map<String, List<String>> form) {
    return new Request(method, basePath, path, query, form, headers, remoteAddress, secure);
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(headers.apply(name));
  }

  /** A cookie's value from the Cookie header. */
  Optional<String> cookie(String name) {
    String header = headers.apply("Cookie");
    if (header == null) {
      return Optional.empty();
    }
    for (String part : header.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
        return Optional.of(part.substring(eq + 1).trim());
      }
    }
    return Optional.empty();
  }

  boolean isPost() {
    return method.equals("POST");
  }

  boolean isApi() {
    return path.startsWith("/api/");
  }
}
