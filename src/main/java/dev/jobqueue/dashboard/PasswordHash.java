package dev.jobqueue.dashboard;

import java.io.Console;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes for {@link PasswordAuthenticator}: PBKDF2 with HMAC-SHA256 from the JDK, a random
 * 16-byte salt and a 32-byte key, written as one self-describing string:
 *
 * <pre>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;key, base64&gt;</pre>
 *
 * <p>Make one from the command line (the password is read without echo):
 *
 * <pre>java -cp jobqueue.jar dev.jobqueue.dashboard.PasswordHash</pre>
 */
public final class PasswordHash {
  /** The iterations {@link #hash} uses, and the fewest {@link #matches} accepts. */
  public static final int ITERATIONS = 210_000;

  private static final String PREFIX = "pbkdf2-sha256";
  private static final int SALT_BYTES = 16;
  private static final int KEY_BITS = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  private PasswordHash() {}

  /**
   * Hashes a password with a new random salt.
   *
   * @param password the password
   * @return the self-describing hash
   */
  public static String hash(char[] password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return PREFIX
        + "$"
        + ITERATIONS
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(derive(password, salt, ITERATIONS, KEY_BITS));
  }

  /**
   * Whether a password matches a hash, comparing in constant time.
   *
   * @param password the password to check
   * @param hash as {@link #hash} wrote it
   * @return true when it matches
   * @throws IllegalArgumentException when the hash is malformed or has fewer than {@value
   *     #ITERATIONS} iterations
   */
  public static boolean matches(char[] password, String hash) {
    Parsed parsed = parse(hash);
    byte[] key = derive(password, parsed.salt, parsed.iterations, parsed.key.length * 8);
    return MessageDigest.isEqual(key, parsed.key);
  }

  /**
   * Checks that a hash is well formed, without a password.
   *
   * @param hash the hash
   * @throws IllegalArgumentException when it is malformed or has fewer than {@value #ITERATIONS}
   *     iterations
   */
  public static void check(String hash) {
    parse(hash);
  }

  private record Parsed(int iterations, byte[] salt, byte[] key) {}

  private static Parsed parse(String hash) {
    String[] parts = hash == null ? new String[0] : hash.split("\\$", -1);
    String expected = "a hash must read " + PREFIX + "$<iterations>$<salt>$<key>";
    if (parts.length != 4 || !parts[0].equals(PREFIX)) {
      throw new IllegalArgumentException(expected);
    }
    int iterations;
    byte[] salt;
    byte[] key;
    try {
      iterations = Integer.parseInt(parts[1]);
      salt = Base64.getDecoder().decode(parts[2]);
      key = Base64.getDecoder().decode(parts[3]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(expected + ", with a decimal count and base64 bytes");
    }
    if (iterations < ITERATIONS) {
      throw new IllegalArgumentException(
          "a hash needs at least " + ITERATIONS + " iterations (was " + iterations + ")");
    }
    if (salt.length < SALT_BYTES || key.length < 16) {
      throw new IllegalArgumentException(expected + ": its salt or key is too short");
    }
    return new Parsed(iterations, salt, key);
  }

  private static byte[] derive(char[] password, byte[] salt, int iterations, int bits) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks PBKDF2WithHmacSHA256", e);
    } finally {
      spec.clearPassword();
    }
  }

  /**
   * Reads a password twice from a console, without echo, and hashes it.
   *
   * @param console where to read from
   * @return the hash of the password
   * @throws IllegalArgumentException if the password is empty or the two readings differ
   */
  public static String prompt(Console console) {
    Objects.requireNonNull(console, "console must not be null");
    char[] first = console.readPassword("Password: ");
    char[] second = console.readPassword("Again: ");
    try {
      if (first == null || first.length == 0 || !Arrays.equals(first, second)) {
        throw new IllegalArgumentException("the passwords were empty or did not match");
      }
      return hash(first);
    } finally {
      Arrays.fill(first == null ? new char[0] : first, '\0');
      Arrays.fill(second == null ? new char[0] : second, '\0');
    }
  }

  /**
   * Reads a password twice from the console, without echo, and prints its hash.
   *
   * @param args none
   */
  public static void main(String[] args) {
    Console console = System.console();
    if (console == null) {
      System.err.println("PasswordHash needs a console to read the password from");
      System.exit(2);
      return;
    }
    try {
      System.out.println(prompt(console));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(1);
    }
  }
}
