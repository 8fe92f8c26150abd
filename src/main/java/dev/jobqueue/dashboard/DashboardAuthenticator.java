package dev.jobqueue.dashboard;

import java.util.Optional;

/**
 * Decides who uses the dashboard and with which {@link dev.jobqueue.admin.Role}. Either the
 * dashboard signs users in on its own login form and asks {@link #checkPassword} ({@link
 * PasswordAuthenticator}), or the application signs them in before the request reaches the
 * dashboard and {@link #currentUser} names them ({@code
 * dev.jobqueue.spring.SpringSecurityAuthenticator} reads Spring Security's context). A dashboard
 * refuses to start without one.
 *
 * <p>Implementations must be thread-safe.
 */
public interface DashboardAuthenticator {

  /**
   * Whether the dashboard shows its own login form and signs users in with {@link #checkPassword};
   * when false, it asks {@link #currentUser} on every request and has no login form and no logout.
   *
   * @return true for the dashboard's own login form
   */
  boolean usesLoginForm();

  /**
   * Checks the credentials typed into the login form. It should take as long for an unknown user as
   * for a wrong password. The dashboard limits how often it is asked.
   *
   * @param name the user name as typed
   * @param password the password; the dashboard clears the array afterwards
   * @return the user, or empty when the name or the password is wrong
   */
  default Optional<DashboardUser> checkPassword(String name, char[] password) {
    return Optional.empty();
  }

  /**
   * The user the application signed in for the request being served on this thread.
   *
   * @return the user, or empty when nobody is signed in (the dashboard answers 401)
   * @throws DashboardAccessDeniedException when someone is signed in who may not use the dashboard
   *     (the dashboard answers 403)
   */
  default Optional<DashboardUser> currentUser() {
    return Optional.empty();
  }
}
