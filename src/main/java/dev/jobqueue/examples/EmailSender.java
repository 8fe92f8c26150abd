package dev.jobqueue.examples;

/**
 * The port through which {@link EmailNotificationHandler} sends mail. {@link LoggingEmailSender}
 * logs instead of sending; an SMTP implementation is a few lines with Jakarta Mail, for example:
 *
 * <pre>{@code
 * EmailSender smtp = message -> {
 *   MimeMessage mime = new MimeMessage(session);
 *   mime.setRecipients(Message.RecipientType.TO, addressOf(message.recipient()));
 *   mime.setSubject(message.subject());
 *   mime.setText(message.body());
 *   Transport.send(mime);
 * };
 * }</pre>
 *
 * <p>Implementations must be thread-safe. Throwing fails the attempt, and the job is retried; a
 * {@link dev.jobqueue.NonRetryableJobException} (say, for an address the server rejects) fails it
 * at once.
 */
@FunctionalInterface
public interface EmailSender {

  /**
   * Sends one message.
   *
   * @param message the message
   * @return an id for the sent message (the server's message id, for example)
   * @throws Exception if sending failed
   */
  String send(EmailMessage message) throws Exception;
}
