/**
 * Spring Boot 3 integration, optional: an auto-configuration that Spring Boot finds on its own when
 * this library and Boot are on the class path ({@link
 * dev.jobqueue.spring.JobQueueAutoConfiguration}), the {@code jobqueue.*} properties ({@link
 * dev.jobqueue.spring.JobQueueProperties}), the bridge into Spring's transactions ({@link
 * dev.jobqueue.spring.SpringTransactionBridge}) and the Actuator health indicator ({@link
 * dev.jobqueue.spring.JobQueueHealthIndicator}). Nothing in the rest of the library refers to this
 * package; without Spring on the class path it is never loaded.
 */
package dev.jobqueue.spring;
