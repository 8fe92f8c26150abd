package dev.jobqueue.internal.lifecycle;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names and creates the library's threads. Virtual threads are reached through method handles,
 * because the library is compiled for Java 17, where {@code Thread.ofVirtual()} does not exist.
 * <strong>Not API.</strong>
 */
public final class Threads {

  private Threads() {}

  /**
   * Daemon platform threads named {@code prefix + n}.
   *
   * @param prefix the name before the number
   * @return the factory
   */
  public static ThreadFactory platform(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Virtual threads named {@code prefix + n}.
   *
   * @param prefix the name before the number
   * @return the factory
   * @throws IllegalStateException on a runtime older than Java 21
   */
  public static ThreadFactory virtual(String prefix) {
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> builderType = Class.forName("java.lang.Thread$Builder");
      Class<?> ofVirtualType = Class.forName("java.lang.Thread$Builder$OfVirtual");
      MethodHandle ofVirtual =
          lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualType));
      MethodHandle name =
          lookup.findVirtual(
              builderType, "name", MethodType.methodType(builderType, String.class, long.class));
      MethodHandle factory =
          lookup.findVirtual(builderType, "factory", MethodType.methodType(ThreadFactory.class));
      Object builder = name.invoke(ofVirtual.invoke(), prefix, 1L);
      return (ThreadFactory) factory.invoke(builder);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "useVirtualThreads needs Java 21 or newer (running " + Runtime.version().feature() + ")",
          e);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot create virtual threads: " + e, e);
    }
  }
}
