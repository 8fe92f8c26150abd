package dev.jobqueue.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.admin.Role;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WithoutOptionalDependency;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The standalone dashboard needs neither the Servlet API nor Spring: a child JVM whose class path
 * lacks both (and Tomcat, which carries the Servlet API too) links every library class but {@link
 * DashboardServlet} and the Spring integration, signs in on a {@link DashboardServer} and reads the
 * overview.
 */
class DashboardWithoutServletIT {
  private static final List<String> EXCLUDED =
      List.of("/jakarta/servlet/", "/org/springframework/", "/org/apache/tomcat/");

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perTest().migrated();

  @Test
  void theStandaloneServerRunsWithoutServletApiOrSpring() throws Exception {
    String log =
        WithoutOptionalDependency.runChild(
            Child.class, EXCLUDED, "jakarta.servlet-api", TestDatabase.get(), jobqueue.schema());
    assertThat(log)
        .contains("SERVLET API ABSENT", "SPRING ABSENT", "SERVLET UNLOADABLE")
        .containsPattern("LINKED \\d+ CLASSES")
        .contains("SIGNED IN", "OVERVIEW SERVED", "DONE");
  }

  /** The child JVM. Arguments: {@code jdbcUrl user password schema classesDirectory}. */
  static final class Child {
    private Child() {}

    /**
     * Runs the checks; exits 0 when all pass.
     *
     * @param args {@code jdbcUrl user password schema classesDirectory}
     * @throws Exception if a check cannot run
     */
    public static void main(String[] args) throws Exception {
      PrintStream out = System.out;
      absent("jakarta.servlet.http.HttpServlet", "SERVLET API ABSENT", out);
      absent("org.springframework.core.SpringVersion", "SPRING ABSENT", out);
      try {
        Class.forName("dev.jobqueue.dashboard.DashboardServlet");
        out.println("FAIL: DashboardServlet loaded without the Servlet API");
        System.exit(11);
      } catch (NoClassDefFoundError expected) {
        out.println("SERVLET UNLOADABLE: " + expected);
      }
      int linked =
          WithoutOptionalDependency.linkEveryOtherClass(
              Path.of(args[4]), "dev/jobqueue/dashboard/DashboardServlet", "the Servlet API", out);
      out.println("LINKED " + linked + " CLASSES");

      try (HikariDataSource pool =
          WithoutOptionalDependency.pool("without-servlet", args[0], args[1], args[2])) {
        JobQueueManager manager =
            JobQueueManager.builder()
                .config(JobQueueConfig.builder().schema(args[3]).runWorkers(false).build())
                .dataSource(pool)
                .build();
        manager.initialize();
        Dashboard dashboard =
            Dashboard.builder(JobQueueAdmin.of(manager))
                .authenticator(
                    PasswordAuthenticator.builder()
                        .user("ada", Role.ADMIN, PasswordHash.hash("pw".toCharArray()))
                        .build())
                .build();
        try (DashboardServer server =
            DashboardServer.start(
                dashboard, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
          WebClient web = new WebClient(server.url());
          if (web.login("ada", "pw").statusCode() != 303) {
            out.println("FAIL: the login was refused");
            System.exit(13);
          }
          out.println("SIGNED IN");
          HttpResponse<String> overview = web.get("/api/overview");
          if (overview.statusCode() != 200 || !overview.body().contains("\"health\"")) {
            out.println("FAIL: api/overview answered " + overview.statusCode() + overview.body());
            System.exit(14);
          }
          out.println("OVERVIEW SERVED");
        } finally {
          manager.shutdown();
        }
      }
      out.println("DONE");
      out.flush();
      System.exit(0);
    }

    private static void absent(String className, String line, PrintStream out) {
      try {
        Class.forName(className);
        out.println("FAIL: " + className + " is on the child's class path");
        System.exit(10);
      } catch (ClassNotFoundException expected) {
        out.println(line);
      }
    }
  }
}
