/**
 * The settings of {@code JobQueueConfig}, each described once: its builder name, environment
 * variable, type, default, check, meaning, group and whether it is secret. The configuration, its
 * builder, {@code fromEnvironment}, {@code toString} and the settings tables of the documentation
 * all work from these descriptors. <strong>Not API</strong>: anything here may change or disappear
 * in any release without notice. Use {@code dev.jobqueue.JobQueueConfig} instead.
 */
package dev.jobqueue.internal.config;
