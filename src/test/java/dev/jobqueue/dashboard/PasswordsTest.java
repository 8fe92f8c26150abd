package dev.jobqueue.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.admin.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Password hashes and the users of {@link PasswordAuthenticator}. */
class PasswordsTest {
  private static final String HASH = PasswordHash.hash("s3cret".toCharArray());

  @Test
  void aHashDescribesItselfAndMatchesOnlyItsPassword() {
    assertThat(HASH).matches("pbkdf2-sha256\\$210000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
    assertThat(PasswordHash.matches("s3cret".toCharArray(), HASH)).isTrue();
    assertThat(PasswordHash.matches("s3cret ".toCharArray(), HASH)).isFalse();
    assertThat(PasswordHash.hash("s3cret".toCharArray())).as("a new salt").isNotEqualTo(HASH);
  }

  @Test
  void malformedAndWeakHashesAreRefused() {
    assertThatThrownBy(() -> PasswordHash.check("plain"))
        .hasMessageContaining("pbkdf2-sha256$<iterations>$<salt>$<key>");
    assertThatThrownBy(() -> PasswordHash.check(HASH.replace("$210000$", "$1000$")))
        .hasMessageContaining("at least 210000 iterations (was 1000)");
    assertThatThrownBy(() -> PasswordHash.check(HASH.replace("$210000$", "$many$")))
        .hasMessageContaining("decimal count");
  }

  @Test
  void usersAreReadFromNameRoleHashLines() {
    PasswordAuthenticator users =
        PasswordAuthenticator.parse(List.of("ada:admin:" + HASH, "", " vera:VIEWER:" + HASH));
    assertThat(users.checkPassword("ada", "s3cret".toCharArray()))
        .contains(new DashboardUser("ada", Role.ADMIN));
    assertThat(users.checkPassword("vera", "s3cret".toCharArray()))
        .contains(new DashboardUser("vera", Role.VIEWER));
    assertThat(users.checkPassword("ada", "wrong".toCharArray())).isEmpty();
    assertThat(users.checkPassword("nobody", "s3cret".toCharArray())).isEmpty();
    assertThat(users.usesLoginForm()).isTrue();
  }

  @Test
  void aBadLineIsNamedWithoutItsHash() {
    assertThatThrownBy(
            () -> PasswordAuthenticator.parse(List.of("ada:admin:" + HASH, "bob:boss:" + HASH)))
        .hasMessageContaining("user line 2 ('bob:boss:…')")
        .hasMessageContaining("role must be one of viewer, operator, admin")
        .hasMessageNotContaining(HASH);
    assertThatThrownBy(() -> PasswordAuthenticator.parse(List.of("ada-admin")))
        .hasMessageContaining("must read name:role:hash");
    assertThatThrownBy(
            () -> PasswordAuthenticator.parse(List.of("ada:admin:" + HASH, "ada:viewer:" + HASH)))
        .hasMessageContaining("listed twice");
    assertThatThrownBy(() -> PasswordAuthenticator.parse(List.of()))
        .isInstanceOf(IllegalStateException.class);
  }
}
