package dev.jobqueue.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Reads the jobs schedules created, as stored: one row per job, with its occurrence and the
 * database times it was created and started at. The one way tests read them.
 */
public final class OccurrenceRows {

  /**
   * One job of a schedule.
   *
   * @param id the job id
   * @param schedule the schedule's name
   * @param occurrenceAt the occurrence it stands for
   * @param scheduledAt its scheduled time
   * @param createdAt when it was inserted, by the database clock
   * @param startedAt when it last started, or null
   * @param status its status
   */
  public record Row(
      long id,
      String schedule,
      Instant occurrenceAt,
      Instant scheduledAt,
      Instant createdAt,
      Instant startedAt,
      String status) {}

  private final DataSource dataSource;
  private final String schema;

  /**
   * Rows of one schema.
   *
   * @param dataSource where to read
   * @param schema the schema
   */
  public OccurrenceRows(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  /**
   * The jobs of one schedule, by occurrence.
   *
   * @param schedule the schedule's name
   * @return the rows
   */
  public List<Row> of(String schedule) {
    return query(" where schedule_name = ?", schedule);
  }

  /**
   * The jobs of every schedule, by schedule and occurrence.
   *
   * @return the rows
   */
  public List<Row> all() {
    return query(" where schedule_name is not null", null);
  }

  private List<Row> query(String where, String schedule) {
    String sql =
        "select id, schedule_name, occurrence_at, scheduled_at, created_at, started_at, status from "
            + schema
            + ".jobs"
            + where
            + " order by schedule_name, occurrence_at";
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      if (schedule != null) {
        s.setString(1, schedule);
      }
      List<Row> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          rows.add(
              new Row(
                  r.getLong(1),
                  r.getString(2),
                  instant(r.getTimestamp(3)),
                  instant(r.getTimestamp(4)),
                  instant(r.getTimestamp(5)),
                  instant(r.getTimestamp(6)),
                  r.getString(7)));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
