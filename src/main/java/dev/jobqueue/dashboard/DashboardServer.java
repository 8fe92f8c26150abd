package dev.jobqueue.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dashboard on the JDK's own HTTP server ({@code com.sun.net.httpserver}), at the root path,
 * over plain HTTP: put it behind a TLS-terminating proxy (and see {@link
 * Dashboard.Builder#trustForwardedHeaders}) or bind it to localhost. Needs no library beyond the
 * JDK; four threads serve requests.
 */
public final class DashboardServer implements AutoCloseable {
  /** The largest request body read; larger ones are refused with 413. */
  static final int MAX_BODY_BYTES = 1 << 20;

  private final HttpServer server;
  private final ExecutorService executor;

  private DashboardServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving a dashboard.
   *
   * @param dashboard the dashboard
   * @param address where to listen; port 0 picks a free port
   * @return the running server
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static DashboardServer start(Dashboard dashboard, InetSocketAddress address) {
    Objects.requireNonNull(dashboard, "dashboard must not be null");
    Objects.requireNonNull(address, "address must not be null");
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address, e);
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "jobqueue-dashboard-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", exchange -> serve(dashboard, exchange));
    server.start();
    return new DashboardServer(server, executor);
  }

  private static void serve(Dashboard dashboard, HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      Request bare =
          new Request(
              method,
              "",
              exchange.getRequestURI().getRawPath(),
              Map.of(),
              Map.of(),
              name -> exchange.getRequestHeaders().getFirst(name),
              exchange.getRemoteAddress().getAddress().getHostAddress(),
              false);
      Response response;
      try {
        response = dashboard.handle(withParameters(bare, exchange));
      } catch (HttpError e) {
        response = dashboard.refuse(bare, e);
      }
      for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
        exchange.getResponseHeaders().put(header.getKey(), header.getValue());
      }
      byte[] bytes = response.body();
      boolean empty = bytes.length == 0 || exchange.getRequestMethod().equalsIgnoreCase("HEAD");
      exchange.sendResponseHeaders(response.status(), empty ? -1 : bytes.length);
      if (!empty) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  /** The request with its parameters; an {@link HttpError} for a body too large or malformed. */
  private static Request withParameters(Request bare, HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      throw new HttpError(413, "the request body is larger than " + MAX_BODY_BYTES + " bytes");
    }
    boolean form = bare.isPost() && FormData.isForm(bare.headers().apply("Content-Type"));
    return bare.withParameters(
        FormData.parse(exchange.getRequestURI().getRawQuery()),
        form ? FormData.parse(new String(body, StandardCharsets.UTF_8)) : Map.of());
  }

  /**
   * The port the server listens on.
   *
   * @return the port
   */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * The dashboard's address, for a browser: {@code http://host:port/}, with {@code localhost} for a
   * wildcard address.
   *
   * @return the URL
   */
  public String url() {
    InetSocketAddress address = server.getAddress();
    String host =
        address.getAddress() == null || address.getAddress().isAnyLocalAddress()
            ? "localhost"
            : address.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port() + "/";
  }

  /** Stops serving, at once; requests being served are cut off. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
