package dev.jobqueue.internal.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Start in order, stop in reverse, once; a failed start stops what had started. */
class ServiceGroupTest {

  private final List<String> events = new ArrayList<>();

  private Service service(String name, boolean failsToStart) {
    return new Service() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void start() {
        if (failsToStart) {
          throw new IllegalStateException(name + " cannot start");
        }
        events.add("start " + name);
      }

      @Override
      public void stop(Deadline deadline) {
        events.add("stop " + name);
      }
    };
  }

  @Test
  void startsInOrderAndStopsInReverseOnce() {
    ServiceGroup group =
        new ServiceGroup(
            "g", List.of(service("a", false), service("b", false), service("c", false)));
    assertThat(group.stopOrder()).containsExactly("c", "b", "a");
    group.start();
    group.start();
    group.stop(Deadline.inMillis(1_000));
    group.stop(Deadline.inMillis(1_000));
    assertThat(events)
        .containsExactly("start a", "start b", "start c", "stop c", "stop b", "stop a");
  }

  @Test
  void stopBeforeStartDoesNothing() {
    ServiceGroup group = new ServiceGroup("g", List.of(service("a", false)));
    group.stop(Deadline.inMillis(1_000));
    group.start();
    assertThat(events).isEmpty();
  }

  @Test
  void aFailedStartStopsWhatHadStartedAndThrows() {
    ServiceGroup group =
        new ServiceGroup(
            "g", List.of(service("a", false), service("b", true), service("c", false)));
    assertThatThrownBy(group::start).hasMessage("b cannot start");
    assertThat(events).containsExactly("start a", "stop a");
  }
}
