package dev.jobqueue.spring.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application that uses jobqueue the way a user would: handlers are beans, {@link
 * OrderService} enqueues inside its {@code @Transactional} method, and there is no glue code. The
 * tables it writes live in the schema {@value #SCHEMA}.
 */
@SpringBootApplication
public class SampleApplication {

  /** The schema of the application's own tables. */
  public static final String SCHEMA = "sample_app";

  /**
   * Runs the application.
   *
   * @param args Spring Boot's arguments
   */
  public static void main(String[] args) {
    SpringApplication.run(SampleApplication.class, args);
  }
}
