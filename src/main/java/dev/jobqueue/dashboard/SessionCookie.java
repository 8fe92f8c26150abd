package dev.jobqueue.dashboard;

/**
 * The session cookie's {@code Set-Cookie} values: {@code HttpOnly}, {@code SameSite=Strict}, the
 * path where the dashboard is mounted, and {@code Secure} as {@link Dashboard.SecureCookies} says.
 */
final class SessionCookie {
  private SessionCookie() {}

  static String set(Context context, Session session) {
    return Dispatcher.COOKIE + "=" + session.id() + attributes(context);
  }

  static String clear(Context context) {
    return Dispatcher.COOKIE + "=; Max-Age=0" + attributes(context);
  }

  private static String attributes(Context context) {
    Request request = context.request();
    String path = request.basePath().isEmpty() ? "/" : request.basePath();
    return "; Path=" + path + "; HttpOnly; SameSite=Strict" + (secure(context) ? "; Secure" : "");
  }

  private static boolean secure(Context context) {
    Dashboard dashboard = context.dashboard();
    return switch (dashboard.secureCookies()) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO ->
          context.request().secure()
              || (dashboard.trustForwardedHeaders()
                  && context
                      .request()
                      .header("X-Forwarded-Proto")
                      .map(p -> p.split(",")[0].trim().equalsIgnoreCase("https"))
                      .orElse(false));
    };
  }
}
