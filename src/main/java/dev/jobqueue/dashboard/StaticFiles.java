package dev.jobqueue.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The style sheet and the script, from the class path next to this class, read once. */
final class StaticFiles {
  private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

  private StaticFiles() {}

  static Response serve(String name) {
    byte[] body = CACHE.computeIfAbsent(name, StaticFiles::read);
    String type =
        name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    return Response.bytes(type, body);
  }

  private static byte[] read(String name) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + name + " is missing from its jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
