package dev.jobqueue.internal.config;

import dev.jobqueue.internal.JdbcUrls;

/** How much of a setting's value may be shown in {@code toString} and error messages. */
public enum Sensitivity {
  /** Shown as it is. */
  PLAIN {
    @Override
    public String redact(String text) {
      return text;
    }
  },
  /** A URL, shown without the credentials in it: see {@link #redactUrl(String)}. */
  URL {
    @Override
    public String redact(String text) {
      return redactUrl(text);
    }
  },
  /** A secret such as a password: never shown. */
  SECRET {
    @Override
    public String redact(String text) {
      return "<redacted>";
    }
  };

  /**
   * Hides what this sensitivity does not allow to be shown.
   *
   * @param text a value as text
   * @return what may be shown of it
   */
  public abstract String redact(String text);

  /**
   * Hides credentials in a URL: {@code //user:pw@} and {@code password=} parameters.
   *
   * @param url a URL
   * @return the URL without its credentials
   */
  public static String redactUrl(String url) {
    return JdbcUrls.redact(url);
  }
}
