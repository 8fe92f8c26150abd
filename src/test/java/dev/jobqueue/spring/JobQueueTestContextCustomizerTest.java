package dev.jobqueue.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.spring.test.JobQueueTestContextCustomizerFactory;
import dev.jobqueue.testing.JobQueueTestKit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;

/**
 * Each Spring test context gets a schema of its own (and a test kit bean), unless the test names
 * one; two contexts never share one.
 */
class JobQueueTestContextCustomizerTest {

  private final ContextCustomizer customizer =
      new JobQueueTestContextCustomizerFactory()
          .createContextCustomizer(JobQueueTestContextCustomizerTest.class, List.of());

  private GenericApplicationContext prepared(Map<String, Object> inlined) {
    GenericApplicationContext context = new GenericApplicationContext();
    context
        .getEnvironment()
        .getPropertySources()
        .addFirst(new MapPropertySource("application", Map.of("jobqueue.schema", "app")));
    if (!inlined.isEmpty()) {
      context
          .getEnvironment()
          .getPropertySources()
          .addFirst(new MapPropertySource("Inlined Test Properties", inlined));
    }
    customizer.customizeContext(context, null);
    return context;
  }

  @Test
  void twoContextsGetTwoSchemasOverTheApplicationsOwn() {
    String first = prepared(Map.of()).getEnvironment().getProperty("jobqueue.schema");
    String second = prepared(Map.of()).getEnvironment().getProperty("jobqueue.schema");
    assertThat(first).startsWith("jobqueue_test_").isNotEqualTo(second);
    assertThat(second).startsWith("jobqueue_test_");
    assertThat(second).matches("[a-z_][a-z0-9_]*");
    assertThat(prepared(Map.of()).getEnvironment().getProperty("jobqueue.test.drop-schema"))
        .isEqualTo("true");
  }

  @Test
  void aSchemaTheTestNamesIsKeptAndNotDropped() {
    GenericApplicationContext context = prepared(Map.of("jobqueue.schema", "mine"));
    assertThat(context.getEnvironment().getProperty("jobqueue.schema")).isEqualTo("mine");
    assertThat(context.getEnvironment().getProperty("jobqueue.test.drop-schema")).isNull();
    GenericApplicationContext off = prepared(Map.of("jobqueue.test.schema-per-context", "false"));
    assertThat(off.getEnvironment().getProperty("jobqueue.schema")).isEqualTo("app");
  }

  @Test
  void theContextOffersATestKit() {
    GenericApplicationContext context = prepared(Map.of());
    assertThat(context.getBeanDefinition("jobQueueTestKit").isLazyInit()).isTrue();
    assertThat(context.getBeanDefinition("jobQueueTestKit").getBeanClassName())
        .isEqualTo(JobQueueTestKit.class.getName());
  }

  @Test
  void customizersAreEqualSoContextsAreStillCached() {
    assertThat(customizer)
        .isEqualTo(
            new JobQueueTestContextCustomizerFactory()
                .createContextCustomizer(String.class, List.of()));
  }
}
