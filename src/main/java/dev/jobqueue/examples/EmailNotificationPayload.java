package dev.jobqueue.examples;

import java.util.Map;

/**
 * The payload of an {@code email-notification} job, as in the specification.
 *
 * @param userId who to write to
 * @param template which email
 * @param data the template's variables; see {@link EmailTemplate#requiredData()}
 */
public record EmailNotificationPayload(
    String userId, EmailTemplate template, Map<String, Object> data) {}
