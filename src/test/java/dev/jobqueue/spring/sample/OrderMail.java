package dev.jobqueue.spring.sample;

/**
 * The payload of an order's jobs.
 *
 * @param orderId the order
 * @param email where the mail goes
 */
public record OrderMail(long orderId, String email) {}
