package dev.jobqueue.spring.worker;

import dev.jobqueue.JobHandler;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application that only runs jobs: no web server, and {@code main} returns right
 * after the context has started. The library's threads are daemon threads; the job queue keeps the
 * JVM alive itself.
 */
@SpringBootApplication
public class WorkerOnlyApplication {

  /** The job type it runs. */
  public static final String TYPE = "worker-only-ping";

  /**
   * The only handler.
   *
   * @return a handler that answers with the payload
   */
  @Bean
  JobHandler<Map<String, Object>> ping() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<Map<String, Object>> type = (Class) Map.class;
    return JobHandler.of(TYPE, type, (payload, context) -> payload);
  }

  /**
   * Starts the application and returns.
   *
   * @param args Spring Boot's arguments
   */
  public static void main(String[] args) {
    SpringApplication application = new SpringApplication(WorkerOnlyApplication.class);
    application.setDefaultProperties(Map.of("spring.main.web-application-type", "none"));
    application.run(args);
    System.out.println("MAIN RETURNED");
  }
}
