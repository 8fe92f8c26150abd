package dev.jobqueue.internal.lifecycle;

/**
 * One background concern of the engine, with one lifecycle. <strong>Not API.</strong>
 *
 * <p>Both methods are idempotent: a second {@code start()} or {@code stop()} does nothing, and
 * {@code stop()} before {@code start()} is harmless. A stopped service is not started again.
 */
public interface Service {

  /**
   * The service's name, for logs and the documented shutdown order.
   *
   * @return a short lower-case name, such as {@code "producer"}
   */
  String name();

  /** Starts the service; does nothing if it runs or was stopped. */
  void start();

  /**
   * Stops the service, returning by {@code deadline} at the latest (a service may give itself a
   * shorter bound). Does nothing if it is not running.
   *
   * @param deadline when the whole shutdown must be over
   */
  void stop(Deadline deadline);
}
