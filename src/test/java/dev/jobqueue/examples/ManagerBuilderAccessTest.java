package dev.jobqueue.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The builder's options, and the manager's enqueue methods, live in package-private superclasses:
 * from another package they must still be callable, and reachable by reflection on {@code
 * JobQueueManager.Builder} and {@code JobQueueManager} themselves (a framework that calls them by
 * reflection must not meet an IllegalAccessException).
 */
class ManagerBuilderAccessTest {

  @Test
  void everyOptionIsAPublicMethodOfTheBuilderItself() throws Exception {
    for (String name :
        new String[] {
          "config",
          "dataSource",
          "migrationDataSource",
          "jdbcUrl",
          "registry",
          "listener",
          "handler"
        }) {
      boolean found = false;
      for (Method method : JobQueueManager.Builder.class.getMethods()) {
        if (method.getName().equals(name)) {
          found = true;
          assertThat(method.getDeclaringClass()).as(name).isEqualTo(JobQueueManager.Builder.class);
          assertThat(Modifier.isPublic(method.getModifiers())).as(name).isTrue();
          assertThat(method.getReturnType()).as(name).isEqualTo(JobQueueManager.Builder.class);
        }
      }
      assertThat(found).as(name).isTrue();
    }
  }

  /** The enqueue methods live in a package-private superclass of the manager, the same way. */
  @Test
  void everyEnqueueMethodIsAPublicMethodOfTheManagerItself() throws Exception {
    int found = 0;
    for (Method method : JobQueueManager.class.getMethods()) {
      if (method.getName().startsWith("enqueue") || method.getName().startsWith("createJob")) {
        found++;
        assertThat(method.getDeclaringClass())
            .as(method.toString())
            .isEqualTo(JobQueueManager.class);
        assertThat(Modifier.isPublic(method.getModifiers())).as(method.toString()).isTrue();
      }
    }
    assertThat(found).as("createJob, createJobs, enqueue, enqueueAll, two of each").isEqualTo(8);
    JobQueueManager manager =
        JobQueueManager.builder().jdbcUrl("jdbc:postgresql://localhost:1/none", "u", "p").build();
    Method enqueue =
        JobQueueManager.class.getMethod("enqueue", dev.jobqueue.CreateJobOptions.class);
    assertThatThrownBy(
            () ->
                enqueue.invoke(manager, dev.jobqueue.CreateJobOptions.of("t", java.util.Map.of())))
        .as("reached the method, which refuses an uninitialized manager")
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("JobQueueManager is not initialized; call initialize() first");
  }

  @Test
  void optionsInvokedByReflectionFromAnotherPackageWork() throws Exception {
    JobQueueManager.Builder builder = JobQueueManager.builder();
    Object same =
        JobQueueManager.Builder.class
            .getMethod("config", JobQueueConfig.class)
            .invoke(builder, JobQueueConfig.defaults());
    assertThat(same).isSameAs(builder);
    JobQueueManager manager =
        builder.jdbcUrl("jdbc:postgresql://localhost:1/none", "u", "p").build();
    assertThat(manager.config()).isEqualTo(JobQueueConfig.defaults());
  }
}
