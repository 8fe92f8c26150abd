package dev.jobqueue.examples;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EmailSender} that logs each message's recipient and subject at INFO instead of sending
 * it (never the body, which may hold a reset link). For development and the demo.
 */
public final class LoggingEmailSender implements EmailSender {
  private static final Logger log = LoggerFactory.getLogger(LoggingEmailSender.class);

  /** Creates the sender. */
  public LoggingEmailSender() {}

  @Override
  public String send(EmailMessage message) {
    String id = UUID.randomUUID().toString();
    log.info("Email {} to {}: {}", id, message.recipient(), message.subject());
    return id;
  }
}
