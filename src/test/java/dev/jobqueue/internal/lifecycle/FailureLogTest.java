package dev.jobqueue.internal.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A background loop that fails on every run while the database is away logs a few lines, not one
 * per attempt (found by the reliability suite's outage scenario, docs/reliability.md, scenario 6).
 */
class FailureLogTest {

  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Logger logger;

  @BeforeEach
  void capture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    logger = context.getLogger("dev.jobqueue.FailureLogTest.probe");
    logger.setLevel(Level.INFO);
    logger.setAdditive(false);
    lines.setContext(context);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void release() {
    logger.detachAppender(lines);
  }

  @Test
  void aStreakOfFailuresLogsItsStartAndItsEnd() {
    FailureLog failures = new FailureLog(logger, "Background rescue");
    for (int i = 0; i < 1_000; i++) {
      failures.failed("connection refused");
    }
    failures.succeeded();

    assertThat(lines.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "Background rescue failed: connection refused",
            "Background rescue works again after 1000 failures in a row");
  }

  @Test
  void aLongStreakIsRemindedOfAtTheRepeatInterval() throws InterruptedException {
    FailureLog failures = new FailureLog(logger, "Claiming jobs", 50);
    failures.failed("down");
    failures.failed("down");
    Thread.sleep(60);
    failures.failed("still down");
    failures.failed("still down");

    assertThat(lines.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "Claiming jobs failed: down",
            "Claiming jobs still failing (3 failures in a row): still down");
  }

  @Test
  void aSingleFailureNeedsNoRecoveryLine() {
    FailureLog failures = new FailureLog(logger, "Background pruning");
    failures.failed("timeout");
    failures.succeeded();
    failures.failed("timeout again");

    assertThat(lines.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "Background pruning failed: timeout", "Background pruning failed: timeout again");
  }
}
