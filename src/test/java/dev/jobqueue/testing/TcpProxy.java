package dev.jobqueue.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a loopback port, in the test JVM, to make a database unreachable on demand. It
 * accepts connections and pipes bytes both ways to the target. {@link #cut()} closes every live
 * connection and refuses new ones (each is accepted, counted and closed at once, as a reset) until
 * {@link #restore()}. It counts every connection attempt, so a test can tell how often clients
 * tried to reconnect.
 */
public final class TcpProxy implements AutoCloseable {

  private final String targetHost;
  private final int targetPort;
  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> live = ConcurrentHashMap.newKeySet();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean cut;
  private volatile boolean closed;

  /**
   * Starts a proxy to a target.
   *
   * @param targetHost the host to forward to
   * @param targetPort the port to forward to
   * @throws IOException if no local port can be bound
   */
  public TcpProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    this.acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * A proxy in front of the server of a PostgreSQL JDBC URL.
   *
   * @param jdbcUrl a {@code jdbc:postgresql://host:port/...} URL
   * @return the proxy
   * @throws IOException if no local port can be bound
   */
  public static TcpProxy forJdbcUrl(String jdbcUrl) throws IOException {
    URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
    return new TcpProxy(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 5432);
  }

  /**
   * The same JDBC URL with its host and port replaced by this proxy's.
   *
   * @param jdbcUrl a {@code jdbc:postgresql://host:port/...} URL of the target
   * @return the URL through the proxy
   */
  public String rewrite(String jdbcUrl) {
    URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return "jdbc:postgresql://127.0.0.1:" + port() + uri.getRawPath() + query;
  }

  /** The local port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** Connections attempted since the proxy started, refused ones included. */
  public long attempts() {
    return attempts.get();
  }

  /** Connections refused while cut. */
  public long refused() {
    return refused.get();
  }

  /** Connections currently piped. */
  public int liveConnections() {
    return live.size();
  }

  /** Closes every live connection and refuses new ones until {@link #restore()}. */
  public void cut() {
    cut = true;
    for (Socket socket : live) {
      closeQuietly(socket);
    }
  }

  /** Accepts and pipes connections again. */
  public void restore() {
    cut = false;
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    for (Socket socket : live) {
      closeQuietly(socket);
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      attempts.incrementAndGet();
      if (cut) {
        refused.incrementAndGet();
        reset(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
      } catch (IOException e) {
        closeQuietly(upstream);
        reset(client);
        continue;
      }
      live.add(client);
      live.add(upstream);
      pipe(client, upstream, "up");
      pipe(upstream, client, "down");
    }
  }

  private void pipe(Socket from, Socket to, String direction) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException ignored) {
                // Either side closed, or the proxy cut the connection.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                live.remove(from);
                live.remove(to);
              }
            },
            "tcp-proxy-" + direction + "-" + from.getPort());
    thread.setDaemon(true);
    thread.start();
  }

  /** Closes a socket with a TCP reset rather than an orderly FIN, as a dead path would. */
  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // Closed anyway below.
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      if (closeable instanceof Socket socket && !socket.isClosed()) {
        socket.setSoLinger(true, 0);
      }
      closeable.close();
    } catch (Exception ignored) {
      // Best effort.
    }
  }
}
