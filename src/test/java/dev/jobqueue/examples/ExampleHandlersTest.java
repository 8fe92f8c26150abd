package dev.jobqueue.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.JobContext;
import dev.jobqueue.ValidationErrors;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example handlers on their own, without a database: how users test their handlers too. */
class ExampleHandlersTest {

  private final List<EmailMessage> outbox = new ArrayList<>();
  private final EmailNotificationHandler email =
      new EmailNotificationHandler(
          message -> {
            outbox.add(message);
            return "id-" + outbox.size();
          });
  private final DataProcessingHandler data = new DataProcessingHandler();

  @Test
  void welcomeEmailIsRenderedAndSent() throws Exception {
    Object result =
        email.execute(
            new EmailNotificationPayload("user123", EmailTemplate.WELCOME, Map.of("name", "John")),
            context());

    assertThat(outbox)
        .singleElement()
        .satisfies(
            message -> {
              assertThat(message.recipient()).isEqualTo("user123");
              assertThat(message.subject()).isEqualTo("Welcome, John!");
              assertThat(message.body()).contains("Hello John");
            });
    assertThat(result)
        .isEqualTo(Map.of("messageId", "id-1", "template", "welcome", "userId", "user123"));
  }

  @Test
  void emailNeedsAUserAndTheTemplatesData() {
    ValidationErrors errors = new ValidationErrors("payload");
    email.validate(
        new EmailNotificationPayload(" ", EmailTemplate.PASSWORD_RESET, Map.of()), errors);

    assertThat(errors.toList())
        .extracting(e -> e.field())
        .containsExactly("payload.userId", "payload.data.resetLink");
  }

  @Test
  void emailWithoutTemplateIsRefused() {
    ValidationErrors errors = new ValidationErrors("payload");
    email.validate(new EmailNotificationPayload("u", null, Map.of()), errors);

    assertThat(errors.toList()).extracting(e -> e.field()).containsExactly("payload.template");
  }

  @Test
  void unknownTemplateNameIsRefusedNamingTheValue() {
    assertThatThrownBy(() -> EmailTemplate.fromWireName("birthday"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("birthday");
    assertThat(EmailTemplate.fromWireName("PASSWORD-RESET"))
        .isEqualTo(EmailTemplate.PASSWORD_RESET);
  }

  @Test
  void senderFailureFailsTheAttempt() {
    EmailNotificationHandler failing =
        new EmailNotificationHandler(
            message -> {
              throw new IllegalStateException("SMTP down");
            });

    assertThatThrownBy(
            () ->
                failing.execute(
                    new EmailNotificationPayload(
                        "u", EmailTemplate.NEWSLETTER, Map.of("edition", "1", "headline", "Hi")),
                    context()))
        .hasMessage("SMTP down");
  }

  @Test
  void importCountsValidDuplicateAndRejectedRecords() throws Exception {
    Object result =
        data.execute(
            new DataProcessingPayload(
                "b1",
                DataOperation.IMPORT,
                List.of(
                    Map.of("id", "1"),
                    Map.of("id", "2"),
                    Map.of("id", "1"),
                    Map.of("name", "no id"),
                    Map.of("id", " "))),
            context());

    assertThat(result)
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("batchId", "b1")
        .containsEntry("operation", "import")
        .containsEntry("received", 5)
        .containsEntry("imported", 2)
        .containsEntry("duplicates", 1)
        .containsEntry("rejected", 2)
        .containsEntry("rejectedPositions", List.of(3, 4));
  }

  @Test
  void exportWritesCsvWithQuoting() throws Exception {
    Object result =
        data.execute(
            new DataProcessingPayload(
                "b2",
                DataOperation.EXPORT,
                List.of(
                    Map.of("id", 1, "name", "Ann, Jr."), Map.of("id", 2, "note", "say \"hi\""))),
            context());

    assertThat(result)
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("rows", 2)
        .containsEntry("columns", List.of("id", "name", "note"))
        .containsEntry("csv", "id,name,note\r\n1,\"Ann, Jr.\",\r\n2,,\"say \"\"hi\"\"\"\r\n");
  }

  @Test
  void transformNormalizesNamesStringsAndNumbers() throws Exception {
    Object result =
        data.execute(
            new DataProcessingPayload(
                "b3",
                DataOperation.TRANSFORM,
                List.of(Map.of("Full Name", "  Ann  ", "amount", " 42 ", "rate", "0.5"))),
            context());

    assertThat(result)
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("transformed", 1)
        .containsEntry("records", List.of(Map.of("fullName", "Ann", "amount", 42L, "rate", 0.5)));
  }

  @Test
  void dataProcessingNeedsBatchOperationAndRecords() {
    ValidationErrors errors = new ValidationErrors("payload");
    data.validate(new DataProcessingPayload(null, null, null), errors);

    assertThat(errors.toList())
        .extracting(e -> e.field())
        .containsExactly("payload.batchId", "payload.operation", "payload.data");
  }

  @Test
  void dataProcessingStopsWhenAskedTo() {
    JobContext cancelled = context(true);
    assertThatThrownBy(
            () ->
                data.execute(
                    new DataProcessingPayload(
                        "b4", DataOperation.IMPORT, List.of(Map.of("id", "1"))),
                    cancelled))
        .isInstanceOf(InterruptedException.class);
  }

  private static JobContext context() {
    return context(false);
  }

  private static JobContext context(boolean cancelled) {
    return new JobContext() {
      @Override
      public String jobId() {
        return "1";
      }

      @Override
      public String jobType() {
        return "test";
      }

      @Override
      public int attempt() {
        return 1;
      }

      @Override
      public int maxRetries() {
        return 3;
      }

      @Override
      public int snoozeCount() {
        return 0;
      }

      @Override
      public Instant scheduledAt() {
        return Instant.EPOCH;
      }

      @Override
      public String workerId() {
        return "test-worker";
      }

      @Override
      public boolean isCancellationRequested() {
        return cancelled;
      }

      @Override
      public <T> T completeInTransaction(TransactionalWork<T> work) {
        throw new UnsupportedOperationException("no database in this test");
      }
    };
  }
}
