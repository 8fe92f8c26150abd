package dev.jobqueue.internal.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Services started in the order given and stopped in the reverse order: the one place where an
 * order of services is written down. <strong>Not API.</strong>
 *
 * <p>If a service fails to start, those already started are stopped (in reverse) and the failure is
 * thrown. A service that fails to stop is logged and the others still stop. Thread-safe.
 */
public final class ServiceGroup implements Service {
  private static final Logger log = LoggerFactory.getLogger(ServiceGroup.class);

  private final String name;
  private final List<Service> services;
  private final List<Service> started = new ArrayList<>();
  private boolean stopped;

  /**
   * A group over {@code services}, in start order.
   *
   * @param name the group's name
   * @param services the services, in the order they start
   */
  public ServiceGroup(String name, List<Service> services) {
    this.name = Objects.requireNonNull(name, "name");
    this.services = List.copyOf(services);
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * The services' names in the order they stop.
   *
   * @return the reverse of the start order
   */
  public List<String> stopOrder() {
    List<String> names = new ArrayList<>(services.size());
    for (int i = services.size() - 1; i >= 0; i--) {
      names.add(services.get(i).name());
    }
    return names;
  }

  @Override
  public synchronized void start() {
    if (!started.isEmpty() || stopped) {
      return;
    }
    for (Service service : services) {
      try {
        service.start();
      } catch (RuntimeException | Error e) {
        stop(Deadline.inMillis(5_000));
        throw e;
      }
      started.add(service);
    }
  }

  @Override
  public synchronized void stop(Deadline deadline) {
    if (stopped) {
      return;
    }
    stopped = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      Service service = started.get(i);
      try {
        service.stop(deadline);
      } catch (RuntimeException e) {
        log.warn("Stopping {} failed: {}", service.name(), e.toString());
      }
    }
  }
}
