package dev.jobqueue.examples;

import java.util.Objects;

/**
 * A rendered email, ready for an {@link EmailSender}.
 *
 * @param recipient the user id (or address) to send to
 * @param subject the subject line
 * @param body the plain-text body
 */
public record EmailMessage(String recipient, String subject, String body) {

  /**
   * Checks the components.
   *
   * @param recipient the recipient
   * @param subject the subject
   * @param body the body
   */
  public EmailMessage {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(body, "body");
  }
}
