/**
 * Spring test support: each Spring test context gets a schema of its own. Needs spring-test on the
 * class path; see {@link dev.jobqueue.spring.test.JobQueueTestContextCustomizerFactory}.
 */
package dev.jobqueue.spring.test;
