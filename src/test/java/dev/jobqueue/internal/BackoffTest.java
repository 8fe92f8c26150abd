package dev.jobqueue.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesFromTheFirstDelayUpToTheCapAndStartsOverAfterAReset() {
    Backoff backoff = new Backoff(100, 500);
    assertThat(backoff.current()).isZero();
    assertThat(backoff.next()).isEqualTo(100);
    assertThat(backoff.next()).isEqualTo(200);
    assertThat(backoff.next()).isEqualTo(400);
    assertThat(backoff.next()).isEqualTo(500);
    assertThat(backoff.next()).isEqualTo(500);
    assertThat(backoff.current()).isEqualTo(500);
    backoff.reset();
    assertThat(backoff.current()).isZero();
    assertThat(backoff.next()).isEqualTo(100);
  }

  @Test
  void refusesADelayThatCannotGrow() {
    assertThatThrownBy(() -> new Backoff(0, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(was 0, 100)");
    assertThatThrownBy(() -> new Backoff(200, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(was 200, 100)");
  }
}
