package dev.jobqueue.dashboard;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the dashboard answers: status, headers and body; the server adapters write it out. */
final class Response {
  /** The Content-Security-Policy of every response: no inline script or style, no framing. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private final int status;
  private final byte[] body;
  private final Map<String, List<String>> headers = new LinkedHashMap<>();

  private Response(int status, String contentType, byte[] body) {
    this.status = status;
    this.body = body;
    header("Content-Type", contentType);
  }

  static Response html(int status, String html) {
    return new Response(status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
  }

  static Response json(int status, byte[] json) {
    return new Response(status, "application/json", json);
  }

  static Response bytes(String contentType, byte[] body) {
    return new Response(200, contentType, body);
  }

  /** A 303 See Other: after a POST, the browser GETs the location. */
  static Response redirect(String location) {
    return new Response(303, "text/plain; charset=utf-8", new byte[0]).header("Location", location);
  }

  Response header(String name, String value) {
    headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    return this;
  }

  /** Sets the headers every response carries, errors and static files included. */
  Response secured() {
    headers.put("Content-Security-Policy", List.of(CONTENT_SECURITY_POLICY));
    headers.put("X-Content-Type-Options", List.of("nosniff"));
    headers.put("X-Frame-Options", List.of("DENY"));
    headers.put("Referrer-Policy", List.of("no-referrer"));
    headers.put("Cache-Control", List.of("no-store"));
    return this;
  }

  int status() {
    return status;
  }

  byte[] body() {
    return body;
  }

  Map<String, List<String>> headers() {
    return headers;
  }
}
