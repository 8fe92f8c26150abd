package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The snooze's delay is checked when the exception is created, and the error names it. */
class SnoozeJobExceptionTest {

  @Test
  void keepsItsDelayAndSaysIt() {
    SnoozeJobException snooze = new SnoozeJobException(Duration.ofMinutes(5));
    assertThat(snooze.delay()).isEqualTo(Duration.ofMinutes(5));
    assertThat(snooze).hasMessage("snoozed for PT5M");
    assertThat(new SnoozeJobException(Duration.ZERO).delay()).isZero();
    assertThat(new SnoozeJobException(SnoozeJobException.MAX_DELAY).delay())
        .isEqualTo(Duration.ofDays(365));
  }

  @Test
  void refusesANegativeDelayOneOverAYearAndNull() {
    assertThatThrownBy(() -> new SnoozeJobException(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be between PT0S and PT8760H (was PT-0.001S)");
    assertThatThrownBy(() -> new SnoozeJobException(Duration.ofDays(365).plusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be between PT0S and PT8760H (was PT8760H0.001S)");
    assertThatThrownBy(() -> new SnoozeJobException(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("delay must not be null");
  }
}
