package dev.jobqueue;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Locale;

/** Default node ids: host name, process id and a random suffix, unique among live nodes. */
final class NodeIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private NodeIds() {}

  static String generate() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "host";
    }
    host = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "");
    if (host.length() > 40) {
      host = host.substring(0, 40);
    }
    String suffix = Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    return (host.isEmpty() ? "host" : host) + "-" + ProcessHandle.current().pid() + "-" + suffix;
  }
}
