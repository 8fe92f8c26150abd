package dev.jobqueue.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Turns the URL forms users bring into a JDBC URL plus credentials. */
public final class JdbcUrls {

  private JdbcUrls() {}

  /**
   * A JDBC URL with the credentials found in it, if any.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL
   * @param user the user from the URL, or null
   * @param password the password from the URL, or null
   */
  public record Parsed(String jdbcUrl, String user, String password) {}

  /**
   * Accepts {@code jdbc:postgresql://...} as is, and converts libpq-style {@code
   * postgresql://user:password@host:port/db?params} (or {@code postgres://}).
   *
   * @param url the URL
   * @return the JDBC URL and any credentials it carried
   * @throws IllegalArgumentException if the URL is neither form
   */
  public static Parsed parse(String url) {
    if (url.startsWith("jdbc:postgresql:")) {
      return new Parsed(url, null, null);
    }
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException(
          "database URL must start with jdbc:postgresql:, postgresql:// or postgres://");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("database URL is malformed: " + e.getReason(), e);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("database URL has no host");
    }
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
    if (uri.getPort() > 0) {
      jdbc.append(':').append(uri.getPort());
    }
    jdbc.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      jdbc.append('?').append(uri.getRawQuery());
    }
    return new Parsed(jdbc.toString(), user, password);
  }

  private static String decode(String value) {
    return URLDecoder.decode(value, StandardCharsets.UTF_8);
  }

  /**
   * Hides credentials in a URL: {@code //user:pw@} and {@code password=} parameters.
   *
   * @param url a URL
   * @return the URL with its credentials replaced
   */
  public static String redact(String url) {
    return url.replaceAll("//[^@/]*@", "//<credentials>@")
        .replaceAll("(?i)(password=)[^&]*", "$1<redacted>");
  }
}
