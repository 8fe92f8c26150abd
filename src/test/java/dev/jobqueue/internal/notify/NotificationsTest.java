package dev.jobqueue.internal.notify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The messages on the channel, and what a listener reads from them. No database. */
class NotificationsTest {

  @Test
  void newJobsInOneQueueNameItAndJobsInSeveralAnnounceEveryQueue() {
    assertThat(Notifications.newJobs(new String[] {"emails", "emails"})).isEqualTo("jobs:emails");
    assertThat(Notifications.newJobs(new String[] {"emails", "default"}))
        .isEqualTo(Notifications.NEW_JOBS);
    assertThat(Notifications.newJobs(new String[0])).isEqualTo(Notifications.NEW_JOBS);
    assertThat(Notifications.commonQueue(new String[] {"a"})).isEqualTo("a");
  }

  @Test
  void aListenerReadsWhichQueueAMessageConcerns() {
    assertThat(Notifications.announcedQueue("")).hasValue("");
    assertThat(Notifications.announcedQueue(null)).hasValue("");
    assertThat(Notifications.announcedQueue(Notifications.newJobs("emails"))).hasValue("emails");
    assertThat(Notifications.announcedQueue(Notifications.resumed("emails"))).hasValue("emails");
    assertThat(Notifications.announcedQueue(Notifications.paused("emails"))).isEmpty();
    assertThat(Notifications.announcedQueue("cancel:12")).isEmpty();
    assertThat(Notifications.pausedQueue(Notifications.paused("emails"))).hasValue("emails");
    assertThat(Notifications.pausedQueue(Notifications.resumed("emails"))).isEmpty();
    assertThat(Notifications.cancelled("cancel:12")).hasValue(12);
  }
}
