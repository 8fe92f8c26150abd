package dev.jobqueue.demo;

import dev.jobqueue.examples.EmailMessage;
import dev.jobqueue.examples.EmailSender;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's mail server: counts what it "sends", fails the first two tries for recipients named
 * {@code flaky-*} (so retries and backoff show), and hangs for recipients named {@code slow-*} (so
 * a timeout shows).
 */
final class DemoEmailSender implements EmailSender {
  private final Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();

  @Override
  public String send(EmailMessage message) throws Exception {
    String recipient = message.recipient();
    if (recipient.startsWith("flaky-")) {
      int attempt = tries.computeIfAbsent(recipient, r -> new AtomicInteger()).incrementAndGet();
      if (attempt <= 2) {
        throw new IllegalStateException("SMTP 451: try again later (try " + attempt + ")");
      }
    }
    if (recipient.startsWith("slow-")) {
      Thread.sleep(60_000); // Interrupted by the job's timeout.
    }
    sent.incrementAndGet();
    return UUID.randomUUID().toString();
  }

  long sent() {
    return sent.get();
  }
}
