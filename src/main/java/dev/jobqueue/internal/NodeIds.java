package dev.jobqueue.internal;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * Default node ids: host name, process id and a random suffix, unique among live nodes. <strong>Not
 * API.</strong>
 */
public final class NodeIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private NodeIds() {}

  private static volatile String host;

  /**
   * This machine's host name, looked up once (it may need DNS).
   *
   * @return the name, or {@code "unknown"}
   */
  public static String host() {
    String known = host;
    if (known == null) {
      try {
        known = InetAddress.getLocalHost().getHostName();
      } catch (Exception e) {
        known = "unknown";
      }
      host = known;
    }
    return known;
  }

  /**
   * A fresh node id.
   *
   * @return {@code host-pid-random}
   */
  public static String generate() {
    String host = host();
    host = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "");
    if (host.length() > 40) {
      host = host.substring(0, 40);
    }
    String suffix = Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    return (host.isEmpty() ? "host" : host) + "-" + ProcessHandle.current().pid() + "-" + suffix;
  }
}
