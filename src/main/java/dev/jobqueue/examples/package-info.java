/**
 * The two job types the specification describes, as ready-to-register handlers: {@code
 * email-notification} ({@link dev.jobqueue.examples.EmailNotificationHandler}, sending through an
 * {@link dev.jobqueue.examples.EmailSender} port) and {@code data-processing} ({@link
 * dev.jobqueue.examples.DataProcessingHandler}). They are real handlers with validation, and models
 * for writing your own.
 *
 * <pre>{@code
 * JobQueueManager jobs = JobQueueManager.builder()
 *     .dataSource(dataSource)
 *     .handler(new EmailNotificationHandler(new LoggingEmailSender()))
 *     .handler(new DataProcessingHandler())
 *     .build();
 * }</pre>
 */
package dev.jobqueue.examples;
