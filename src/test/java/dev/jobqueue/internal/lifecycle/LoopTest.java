package dev.jobqueue.internal.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The loop skeleton: delays, wake-ups, failures, interruption and its lifecycle. */
class LoopTest {

  private static Loop.Builder loop(String name, Loop.Body body) {
    return Loop.named(name, body).logTo(LoggerFactory.getLogger(LoopTest.class), "Test loop");
  }

  @Test
  void runsAgainAfterTheDelayItReturnsOrAtOnceWhenWoken() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    Loop loop = loop("delays", () -> runs.incrementAndGet() > 0 ? 60_000 : 0).build();
    loop.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 1);
    loop.wake();
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 2);
    loop.stop(Deadline.inMillis(5_000));
    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void aThrowableIsLoggedAsAStreakAndTheLoopGoesOnAfterItsBackoff() {
    AtomicInteger runs = new AtomicInteger();
    Loop loop =
        loop(
                "failing",
                () -> {
                  if (runs.incrementAndGet() <= 3) {
                    throw new AssertionError("boom " + runs.get()); // an Error, not only Exceptions
                  }
                  return 60_000;
                })
            .backoff(10, 20)
            .build();
    loop.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 3);
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 4);
    assertThat(loop.failing(1)).isEmpty();
    loop.stop(Deadline.inMillis(5_000));
  }

  @Test
  void theStreakIsReportedWhileItLasts() {
    Loop loop =
        loop(
                "streak",
                () -> {
                  throw new IllegalStateException("database away");
                })
            .backoff(5, 5)
            .build();
    loop.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> loop.failing(3).isPresent());
    assertThat(loop.failing(3).orElseThrow()).contains("database away");
    loop.stop(Deadline.inMillis(5_000));
  }

  @Test
  void anInterruptWhileRunningIsNotAFailureAndStopEndsTheLoop() throws Exception {
    List<Thread> threads = new ArrayList<>();
    AtomicInteger runs = new AtomicInteger();
    Loop loop =
        loop(
                "interrupted",
                () -> {
                  synchronized (threads) {
                    threads.add(Thread.currentThread());
                  }
                  runs.incrementAndGet();
                  Thread.sleep(60_000);
                  return 0;
                })
            .build();
    loop.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 1);
    threads.get(0).interrupt();
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 2);
    assertThat(loop.failing(1)).isEmpty();
    long started = System.nanoTime();
    loop.stop(Deadline.inMillis(5_000));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
    assertThat(threads.get(0).isAlive()).isFalse();
  }

  @Test
  void stopBeforeStartIsHarmlessAndStartTwiceRunsOneThread() throws Exception {
    Loop never = loop("never", () -> 0).build();
    never.stop(Deadline.inMillis(100));
    never.start(); // stopped: stays stopped
    assertThat(never.isRunning()).isFalse();

    CountDownLatch first = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Loop once =
        loop(
                "once",
                () -> {
                  runs.incrementAndGet();
                  first.countDown();
                  return 60_000;
                })
            .build();
    once.start();
    once.start();
    assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
    once.stop(Deadline.inMillis(5_000));
    once.stop(Deadline.inMillis(5_000));
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void stopRunsTheUnblockingHookForWaitsAnInterruptDoesNotEnd() {
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch released = new CountDownLatch(1);
    Loop loop =
        loop(
                "blocked",
                () -> {
                  blocked.countDown();
                  // Stands in for a socket read: ignores interrupts, ends when the hook runs.
                  while (!released.await(10, TimeUnit.MILLISECONDS)) {
                    Thread.interrupted();
                  }
                  return 0;
                })
            .onStop(released::countDown)
            .build();
    loop.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> blocked.getCount() == 0);
    loop.stop(Deadline.inMillis(5_000));
    assertThat(released.getCount()).isZero();
  }
}
