package dev.jobqueue.spring.test;

import dev.jobqueue.JobQueueManager;
import dev.jobqueue.testing.JobQueueTestKit;
import java.util.List;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Gives each Spring test context its own schema and a test kit: Spring's TestContext framework
 * (spring-test, as in {@code @SpringBootTest}) calls this factory for every test context, and the
 * context it builds gets {@code jobqueue.schema=jobqueue_test_<random>}, dropped with everything in
 * it when the context closes. Two cached contexts on one database therefore never take each other's
 * jobs.
 *
 * <p>The context also gets a lazy {@link JobQueueTestKit} bean for its manager, to inject into the
 * test ({@code @Autowired JobQueueTestKit kit}); its {@code drain()} needs {@code
 * jobqueue.run-workers=false}.
 *
 * <p>A test that names a schema itself ({@code @SpringBootTest(properties =
 * "jobqueue.schema=...")}, {@code @TestPropertySource} or {@code @DynamicPropertySource}) keeps it,
 * and that schema is not dropped. {@code jobqueue.test.schema-per-context=false} in those places
 * turns this off, leaving the application's own {@code jobqueue.schema}.
 */
public final class JobQueueTestContextCustomizerFactory implements ContextCustomizerFactory {

  /** Created by spring-test from {@code META-INF/spring.factories}. */
  public JobQueueTestContextCustomizerFactory() {}

  @Override
  public ContextCustomizer createContextCustomizer(
      Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
    return new SchemaPerContext();
  }

  /**
   * Names the schema when the context is prepared; equal to every other, so caching still works.
   */
  private static final class SchemaPerContext implements ContextCustomizer {
    private static final String SOURCE = "jobqueueTestSchema";
    private static final String TEST_KIT = "jobQueueTestKit";
    private static final List<String> TEST_SOURCES =
        List.of("Dynamic Test Properties", "Inlined Test Properties");

    @Override
    public void customizeContext(
        ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
      if (context instanceof BeanDefinitionRegistry registry
          && !registry.containsBeanDefinition(TEST_KIT)) {
        RootBeanDefinition kit =
            new RootBeanDefinition(
                JobQueueTestKit.class,
                () -> JobQueueTestKit.of(context.getBean(JobQueueManager.class)));
        kit.setLazyInit(true);
        registry.registerBeanDefinition(TEST_KIT, kit);
      }
      ConfigurableEnvironment environment = context.getEnvironment();
      MutablePropertySources sources = environment.getPropertySources();
      for (String name : TEST_SOURCES) {
        var source = sources.get(name);
        if (source != null
            && (source.containsProperty("jobqueue.schema")
                || "false".equals(source.getProperty("jobqueue.test.schema-per-context")))) {
          return;
        }
      }
      String schema =
          "jobqueue_test_"
              + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 10);
      MapPropertySource ours =
          new MapPropertySource(
              SOURCE,
              java.util.Map.of("jobqueue.schema", schema, "jobqueue.test.drop-schema", "true"));
      String after = null;
      for (String name : TEST_SOURCES) {
        if (sources.contains(name)) {
          after = name;
          break;
        }
      }
      if (after == null) {
        sources.addFirst(ours);
      } else {
        sources.addAfter(after, ours);
      }
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof SchemaPerContext;
    }

    @Override
    public int hashCode() {
      return SchemaPerContext.class.hashCode();
    }
  }
}
