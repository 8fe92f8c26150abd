package dev.jobqueue.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The builder's options live in a package-private superclass: from another package they must still
 * be callable, and reachable by reflection on {@code JobQueueManager.Builder} itself (a framework
 * that configures the builder by reflection must not meet an IllegalAccessException).
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
