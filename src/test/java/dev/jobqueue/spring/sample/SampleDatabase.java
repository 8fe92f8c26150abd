package dev.jobqueue.spring.sample;

import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The sample application's database in its tests: the test database, and its own tables. */
final class SampleDatabase {

  private SampleDatabase() {}

  /** Points {@code spring.datasource.*} at the test database. */
  static void register(DynamicPropertyRegistry registry) {
    TestDatabase db = TestDatabase.get();
    registry.add("spring.datasource.url", db::jdbcUrl);
    registry.add("spring.datasource.username", db::user);
    registry.add("spring.datasource.password", db::password);
  }

  /** Creates the application's tables afresh in {@link SampleApplication#SCHEMA}. */
  static void createTables() throws SQLException {
    String s = SampleApplication.SCHEMA;
    try (Connection c = TestDatabase.get().dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("drop schema if exists " + s + " cascade");
      st.execute("create schema " + s);
      st.execute("create table " + s + ".orders(id bigserial primary key, email text not null)");
      st.execute(
          "create table " + s + ".sent_mail(order_id bigint, email text, job_id text unique)");
      st.execute("create table " + s + ".audit(order_id bigint, job_id text unique)");
    }
  }
}
