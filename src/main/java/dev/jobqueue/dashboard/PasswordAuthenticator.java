package dev.jobqueue.dashboard;

import dev.jobqueue.admin.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Signs users in on the dashboard's login form against a fixed list of users, each with a role and
 * a {@link PasswordHash}. The list is usually read from configuration, one user a line:
 *
 * <pre>name:role:hash</pre>
 *
 * <p>for example {@code ada:admin:pbkdf2-sha256$210000$...$...}, where the role is {@code viewer},
 * {@code operator} or {@code admin}. An unknown name costs as much time as a wrong password.
 */
public final class PasswordAuthenticator implements DashboardAuthenticator {
  /** A hash of a random password, checked for unknown names so that they take as long. */
  private static final String UNKNOWN_USER_HASH =
      PasswordHash.hash(
          Long.toHexString(new java.security.SecureRandom().nextLong()).toCharArray());

  private record Account(Role role, String hash) {}

  private final Map<String, Account> accounts;

  private PasswordAuthenticator(Map<String, Account> accounts) {
    this.accounts = Map.copyOf(accounts);
  }

  /**
   * Reads users from {@code name:role:hash} lines; blank lines are skipped.
   *
   * @param lines the lines
   * @return the authenticator
   * @throws IllegalArgumentException naming the line (not its hash) when one is malformed, names an
   *     unknown role or a user twice
   * @throws IllegalStateException when there is no user
   */
  public static PasswordAuthenticator parse(List<String> lines) {
    Objects.requireNonNull(lines, "lines must not be null");
    Builder builder = builder();
    int number = 0;
    for (String line : lines) {
      number++;
      if (line == null || line.isBlank()) {
        continue;
      }
      String[] parts = line.trim().split(":", 3);
      if (parts.length != 3) {
        throw new IllegalArgumentException(
            "user line " + number + " must read name:role:hash (starts '" + head(line) + "')");
      }
      try {
        builder.user(parts[0], Role.fromWireName(parts[1]), parts[2]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "user line " + number + " ('" + head(line) + "'): " + e.getMessage(), e);
      }
    }
    return builder.build();
  }

  private static String head(String line) {
    int colon = line.indexOf(':', line.indexOf(':') + 1);
    return colon < 0
        ? (line.length() > 20 ? line.substring(0, 20) + "…" : line)
        : line.substring(0, colon) + ":…";
  }

  /**
   * A builder, to add users from code.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean usesLoginForm() {
    return true;
  }

  @Override
  public Optional<DashboardUser> checkPassword(String name, char[] password) {
    Account account = name == null ? null : accounts.get(name);
    boolean matches =
        PasswordHash.matches(password, account == null ? UNKNOWN_USER_HASH : account.hash());
    return account != null && matches
        ? Optional.of(new DashboardUser(name, account.role()))
        : Optional.empty();
  }

  /** Adds users; {@link #build()} makes the authenticator. */
  public static final class Builder {
    private final Map<String, Account> accounts = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds a user.
     *
     * @param name the user name: not blank, without a colon
     * @param role what the user may do
     * @param hash the password's hash, from {@link PasswordHash#hash}
     * @return this
     * @throws IllegalArgumentException when the name is invalid or taken, or the hash malformed
     */
    public Builder user(String name, Role role, String hash) {
      Objects.requireNonNull(name, "name must not be null");
      new DashboardUser(name, role);
      if (name.contains(":") || !name.equals(name.trim())) {
        throw new IllegalArgumentException(
            "a user name must not contain a colon or surrounding spaces (was '" + name + "')");
      }
      PasswordHash.check(hash);
      if (accounts.putIfAbsent(name, new Account(role, hash)) != null) {
        throw new IllegalArgumentException("user '" + name + "' is listed twice");
      }
      return this;
    }

    /**
     * Builds the authenticator.
     *
     * @return the authenticator
     * @throws IllegalStateException when no user was added
     */
    public PasswordAuthenticator build() {
      if (accounts.isEmpty()) {
        throw new IllegalStateException("a PasswordAuthenticator needs at least one user");
      }
      return new PasswordAuthenticator(accounts);
    }
  }
}
