package dev.jobqueue.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * Where a command prints its result: as text for people, or with {@code --json} as one JSON
 * document (instants in ISO-8601) for scripts. Errors go to standard error, never here.
 */
final class Output {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private final PrintWriter out;
  private final boolean json;

  Output(PrintWriter out, boolean json) {
    this.out = out;
    this.json = json;
  }

  /**
   * Prints a result.
   *
   * @param value what {@code --json} prints: maps, lists, records, plain values
   * @param text what is printed otherwise
   */
  void print(Object value, Consumer<PrintWriter> text) {
    if (json) {
      try {
        out.println(JSON.writeValueAsString(value));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write the result as JSON: " + e.getMessage(), e);
      }
    } else {
      text.accept(out);
    }
    out.flush();
  }

  /** The JSON text of a value, for text output that shows a payload or result. */
  static String compactJson(Object value) {
    try {
      return new ObjectMapper().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }
}
