package dev.jobqueue.spring;

import dev.jobqueue.admin.Role;
import dev.jobqueue.dashboard.DashboardAccessDeniedException;
import dev.jobqueue.dashboard.DashboardAuthenticator;
import dev.jobqueue.dashboard.DashboardUser;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Lets Spring Security sign dashboard users in: the dashboard shows no login form of its own and
 * takes the user of the request's {@link SecurityContextHolder} context, with the role of the
 * highest authority they hold, by default {@code ROLE_JOBQUEUE_ADMIN}, {@code
 * ROLE_JOBQUEUE_OPERATOR} or {@code ROLE_JOBQUEUE_VIEWER}. A signed-in user with none of them is
 * refused with 403. The application's security filter chain must require authentication for the
 * dashboard's path; the dashboard still checks its own CSRF token on every POST, so Spring
 * Security's CSRF protection may be turned off for that path.
 */
public final class SpringSecurityAuthenticator implements DashboardAuthenticator {
  private final Map<Role, String> authorities;

  /** The default authorities: {@code ROLE_JOBQUEUE_ADMIN}, {@code _OPERATOR}, {@code _VIEWER}. */
  public SpringSecurityAuthenticator() {
    this("ROLE_JOBQUEUE_ADMIN", "ROLE_JOBQUEUE_OPERATOR", "ROLE_JOBQUEUE_VIEWER");
  }

  /**
   * Authorities of the application's own naming.
   *
   * @param admin the authority that makes an admin
   * @param operator the authority that makes an operator
   * @param viewer the authority that makes a viewer
   */
  public SpringSecurityAuthenticator(String admin, String operator, String viewer) {
    Map<Role, String> map = new EnumMap<>(Role.class);
    map.put(Role.ADMIN, requireText("admin", admin));
    map.put(Role.OPERATOR, requireText("operator", operator));
    map.put(Role.VIEWER, requireText("viewer", viewer));
    this.authorities = Map.copyOf(map);
  }

  private static String requireText(String role, String authority) {
    Objects.requireNonNull(authority, role + " authority must not be null");
    if (authority.isBlank()) {
      throw new IllegalArgumentException("the " + role + " authority must not be blank");
    }
    return authority;
  }

  @Override
  public boolean usesLoginForm() {
    return false;
  }

  @Override
  public Optional<DashboardUser> currentUser() {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    if (auth == null || !auth.isAuthenticated() || auth instanceof AnonymousAuthenticationToken) {
      return Optional.empty();
    }
    Set<String> held =
        auth.getAuthorities().stream()
            .map(GrantedAuthority::getAuthority)
            .collect(Collectors.toSet());
    for (Role role : new Role[] {Role.ADMIN, Role.OPERATOR, Role.VIEWER}) {
      if (held.contains(authorities.get(role))) {
        return Optional.of(new DashboardUser(auth.getName(), role));
      }
    }
    throw new DashboardAccessDeniedException(
        auth.getName()
            + " may not use the job queue dashboard: it needs one of the authorities "
            + authorities.get(Role.VIEWER)
            + ", "
            + authorities.get(Role.OPERATOR)
            + " or "
            + authorities.get(Role.ADMIN));
  }
}
