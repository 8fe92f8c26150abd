package dev.jobqueue.examples;

import dev.jobqueue.JobContext;
import dev.jobqueue.JobHandler;
import dev.jobqueue.ValidationErrors;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code email-notification} job type: renders one of the {@link EmailTemplate}s for a user and
 * sends it through an {@link EmailSender}.
 *
 * <p>At {@code createJob}: {@code userId} and {@code template} are required, an unknown template is
 * refused (naming the value), and the template's {@code data} fields must be present. The result is
 * {@code {"messageId": ..., "template": ..., "userId": ...}}. Thread-safe.
 */
public final class EmailNotificationHandler implements JobHandler<EmailNotificationPayload> {

  /** The job type. */
  public static final String TYPE = "email-notification";

  private final EmailSender sender;

  /**
   * Creates the handler.
   *
   * @param sender where messages go
   */
  public EmailNotificationHandler(EmailSender sender) {
    this.sender = Objects.requireNonNull(sender, "sender");
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Class<EmailNotificationPayload> payloadType() {
    return EmailNotificationPayload.class;
  }

  @Override
  public void validate(EmailNotificationPayload payload, ValidationErrors errors) {
    errors.requirePresent("userId", payload.userId());
    if (payload.template() == null) {
      errors.reject("template", "is required (welcome, password-reset or newsletter)", null);
      return;
    }
    Map<String, Object> data = payload.data() == null ? Map.of() : payload.data();
    for (String field : payload.template().requiredData()) {
      Object value = data.get(field);
      errors.require(
          value != null && !value.toString().isBlank(),
          "data." + field,
          "is required by the " + payload.template().wireName() + " template",
          value);
    }
  }

  @Override
  public Object execute(EmailNotificationPayload payload, JobContext context) throws Exception {
    EmailMessage message = render(payload);
    String messageId = sender.send(message);
    return Map.of(
        "messageId", messageId,
        "template", payload.template().wireName(),
        "userId", payload.userId());
  }

  /**
   * Renders a payload into a message.
   *
   * @param payload a validated payload
   * @return the message
   */
  static EmailMessage render(EmailNotificationPayload payload) {
    Map<String, Object> data = payload.data() == null ? Map.of() : payload.data();
    return switch (payload.template()) {
      case WELCOME ->
          new EmailMessage(
              payload.userId(),
              "Welcome, " + data.get("name") + "!",
              "Hello " + data.get("name") + ",\n\nyour account is ready.");
      case PASSWORD_RESET ->
          new EmailMessage(
              payload.userId(),
              "Reset your password",
              "Choose a new password here: "
                  + data.get("resetLink")
                  + "\n\nIf you did not ask for this, ignore this email.");
      case NEWSLETTER ->
          new EmailMessage(
              payload.userId(),
              "Newsletter " + data.get("edition") + ": " + data.get("headline"),
              String.valueOf(data.getOrDefault("body", data.get("headline"))));
    };
  }
}
