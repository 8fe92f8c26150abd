package dev.jobqueue.spring;

import dev.jobqueue.JobQueueManager;
import java.util.concurrent.CountDownLatch;
import org.springframework.context.SmartLifecycle;

/**
 * Starts and stops the manager with the application context. It starts once every singleton exists,
 * before the web server takes requests, and stops after the web server has stopped taking them and
 * drained the ones in flight (Spring Boot's graceful shutdown), so requests can enqueue for as long
 * as they are served; the {@code DataSource} closes only after the manager has stopped, since the
 * manager depends on it.
 *
 * <p>A node that runs workers also starts a non-daemon thread, {@code jobqueue-keep-alive}, that
 * keeps the JVM alive until the context closes ({@code jobqueue.keep-alive}), so an application
 * without a web server keeps running its jobs after {@code main} returns.
 */
public final class JobQueueLifecycle implements SmartLifecycle {

  /**
   * The phase: below the web server's start and stop ({@code DEFAULT_PHASE - 2048}) and its
   * graceful shutdown ({@code DEFAULT_PHASE - 1024}), so the manager starts before and stops after
   * them.
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final JobQueueManager manager;
  private final boolean keepAlive;
  private final Runnable afterShutdown;
  private volatile boolean running;
  private CountDownLatch stopped;

  JobQueueLifecycle(JobQueueManager manager, boolean keepAlive, Runnable afterShutdown) {
    this.manager = manager;
    this.keepAlive = keepAlive;
    this.afterShutdown = afterShutdown;
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    manager.initialize();
    running = true;
    if (keepAlive && manager.config().runWorkers()) {
      CountDownLatch latch = new CountDownLatch(1);
      stopped = latch;
      Thread thread =
          new Thread(
              () -> {
                try {
                  latch.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "jobqueue-keep-alive");
      thread.setDaemon(false);
      thread.start();
    }
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    try {
      manager.shutdown();
      afterShutdown.run();
    } finally {
      if (stopped != null) {
        stopped.countDown();
        stopped = null;
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
