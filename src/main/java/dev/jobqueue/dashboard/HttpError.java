package dev.jobqueue.dashboard;

/**
 * A request the dashboard refuses, with the status and a message for the user; thrown by handlers
 * and turned into an error page, or JSON for the API.
 */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  HttpError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** A 400 naming the parameter and the value it had. */
  static HttpError badParameter(String parameter, String value, String expected) {
    String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    return new HttpError(
        400, "parameter '" + parameter + "' " + expected + " (was '" + shown + "')");
  }

  int status() {
    return status;
  }
}
