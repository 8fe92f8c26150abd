package dev.jobqueue.dashboard;

/**
 * Thrown by a {@link DashboardAuthenticator} when the application signed the user in but gave them
 * no dashboard role; the dashboard answers 403 Forbidden.
 */
public final class DashboardAccessDeniedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why, shown to the user: it must not reveal secrets
   */
  public DashboardAccessDeniedException(String message) {
    super(message, null, false, false);
  }
}
