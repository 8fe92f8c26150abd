package dev.jobqueue.opentelemetry;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trace context a job stores ({@code jobs.trace_context}): the W3C Trace Context headers of the
 * enqueue's producer span, one {@code name: value} line each ({@code traceparent}, then {@code
 * tracestate} when it is not empty).
 */
final class StoredContext {
  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapSetter<Map<String, String>> SETTER = Map::put;

  private static final TextMapGetter<Map<String, String>> GETTER =
      (carrier, key) -> carrier == null ? null : carrier.get(key);

  private StoredContext() {}

  /**
   * Encodes the span context of {@code context}.
   *
   * @param context the context whose span the jobs continue
   * @return the text to store, or null when the context has no valid span
   */
  static String encode(Context context) {
    Map<String, String> headers = new LinkedHashMap<>(4);
    W3C.inject(context, headers, SETTER);
    if (headers.isEmpty()) {
      return null;
    }
    List<String> names = new ArrayList<>(W3C.fields());
    StringBuilder text = new StringBuilder(96);
    for (String name : names) {
      String value = headers.get(name);
      if (value != null && !value.isEmpty()) {
        text.append(text.length() == 0 ? "" : "\n").append(name).append(": ").append(value);
      }
    }
    return text.length() == 0 ? null : text.toString();
  }

  /**
   * Decodes a stored context.
   *
   * @param text what {@link #encode} produced (or a row written by hand)
   * @return a root context holding the stored span context, invalid when the text holds none
   */
  static Context decode(String text) {
    Map<String, String> headers = new LinkedHashMap<>(4);
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return W3C.extract(Context.root(), headers, GETTER);
  }
}
