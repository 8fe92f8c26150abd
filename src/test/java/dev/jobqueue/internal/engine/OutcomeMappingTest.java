package dev.jobqueue.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.JobHandler;
import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobResult;
import dev.jobqueue.NonRetryableJobException;
import dev.jobqueue.SnoozeJobException;
import dev.jobqueue.internal.store.ClaimedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a handler's return value or exception means for the job: no database, no threads. */
class OutcomeMappingTest {

  record Work(int n) {}

  private final Executor executor =
      new Executor(
          new JobHandlerRegistry(),
          null,
          null,
          null,
          List.of(),
          null,
          "node",
          1_024,
          dev.jobqueue.internal.Tracing.NONE);

  private static ClaimedJob job(String payload) {
    return new ClaimedJob(
        1, "work", payload, 1, 0, 3, 60, 2, Instant.EPOCH, Instant.EPOCH, false, 0, null, null);
  }

  private Outcome run(JobHandler<Work> handler, String payload) {
    return executor.outcomeOf(handler, job(payload), null);
  }

  @Test
  void aReturnedValueIsTheStoredResult() {
    Outcome outcome =
        run(JobHandler.of("work", Work.class, (p, c) -> Map.of("n", p.n())), "{\"n\":2}");
    assertThat(outcome).isEqualTo(new Outcome.Succeeded("{\"n\":2}"));
    assertThat(run(JobHandler.of("work", Work.class, (p, c) -> null), "{\"n\":2}"))
        .isEqualTo(new Outcome.Succeeded(null));
  }

  @Test
  void aSuccessfulJobResultStoresItsData() {
    assertThat(run(JobHandler.of("work", Work.class, (p, c) -> JobResult.success(7)), "{\"n\":1}"))
        .isEqualTo(new Outcome.Succeeded("7"));
  }

  @Test
  void aThrownExceptionIsRetryableAndANonRetryableOneIsNot() {
    RuntimeException boom = new IllegalStateException("boom");
    Outcome thrown =
        run(
            JobHandler.of(
                "work",
                Work.class,
                (p, c) -> {
                  throw boom;
                }),
            "{\"n\":1}");
    assertThat(thrown).isEqualTo(new Outcome.Failed("IllegalStateException: boom", true, boom));
    NonRetryableJobException permanent = new NonRetryableJobException("bad input");
    Outcome refused =
        run(
            JobHandler.of(
                "work",
                Work.class,
                (p, c) -> {
                  throw permanent;
                }),
            "{\"n\":1}");
    assertThat(refused)
        .isEqualTo(new Outcome.Failed("NonRetryableJobException: bad input", false, permanent));
  }

  @Test
  void aFailedJobResultIsPermanent() {
    assertThat(
            run(
                JobHandler.of("work", Work.class, (p, c) -> JobResult.failure("nope")),
                "{\"n\":1}"))
        .isEqualTo(new Outcome.Failed("nope", false, null));
  }

  @Test
  void aMissingHandlerOrAPayloadThatNoLongerConvertsIsPermanent() {
    assertThat(executor.outcomeOf(null, job("{}"), null))
        .isEqualTo(new Outcome.Failed("no handler is registered for type work", false, null));
    Outcome broken = run(JobHandler.of("work", Work.class, (p, c) -> null), "{\"n\":\"x\"}");
    assertThat(broken).isInstanceOf(Outcome.Failed.class);
    assertThat(((Outcome.Failed) broken).retryable()).isFalse();
    assertThat(((Outcome.Failed) broken).error()).startsWith("stored payload no longer converts");
  }

  @Test
  void aResultTooLargeToStoreIsAPermanentFailure() {
    Outcome outcome =
        run(JobHandler.of("work", Work.class, (p, c) -> "x".repeat(5_000)), "{\"n\":1}");
    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    assertThat(((Outcome.Failed) outcome).retryable()).isFalse();
    assertThat(((Outcome.Failed) outcome).error())
        .startsWith("the handler's result cannot be stored");
  }

  @Test
  void aSnoozeIsNeitherSuccessNorFailureAndCarriesItsDelay() {
    assertThat(
            run(
                JobHandler.of(
                    "work",
                    Work.class,
                    (p, c) -> {
                      throw new SnoozeJobException(Duration.ofSeconds(90));
                    }),
                "{\"n\":1}"))
        .isEqualTo(new Outcome.Snoozed(90_000));
    assertThat(
            run(
                JobHandler.of(
                    "work",
                    Work.class,
                    (p, c) -> {
                      throw new SnoozeJobException(Duration.ZERO);
                    }),
                "{\"n\":1}"))
        .isEqualTo(new Outcome.Snoozed(0));
  }

  @Test
  void aSnoozeWrappedInAnotherExceptionIsAnOrdinaryFailure() {
    RuntimeException wrapped =
        new IllegalStateException("wrapped", new SnoozeJobException(Duration.ofSeconds(1)));
    assertThat(
            run(
                JobHandler.of(
                    "work",
                    Work.class,
                    (p, c) -> {
                      throw wrapped;
                    }),
                "{\"n\":1}"))
        .isEqualTo(new Outcome.Failed("IllegalStateException: wrapped", true, wrapped));
  }
}
