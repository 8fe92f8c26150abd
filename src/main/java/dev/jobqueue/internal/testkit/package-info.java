/**
 * The crossing from the public test kit ({@code dev.jobqueue.testing}) to a manager's engine and
 * store. <strong>Not API</strong>: anything here may change or disappear in any release without
 * notice.
 */
package dev.jobqueue.internal.testkit;
