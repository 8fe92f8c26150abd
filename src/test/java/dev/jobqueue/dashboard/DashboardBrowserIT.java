package dev.jobqueue.dashboard;

import static dev.jobqueue.dashboard.DashboardFixture.HOSTILE;
import static dev.jobqueue.dashboard.DashboardFixture.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.Schedule;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.testing.JobQueueExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium: signing in, the live overview, filtering jobs, a job's page,
 * retrying a failed job until it completes, pausing a queue, and a viewer's pages without action
 * buttons. Hostile markup in payloads, errors, types, keys and progress never runs. Each page is
 * saved as a PNG under {@code target/dashboard-screenshots/}. Without Chromium or chromedriver the
 * tests are skipped, saying so.
 */
class DashboardBrowserIT {
  /** Debian's chromium; {@code -Djobqueue.test.chromium=/nonexistent} shows the skip path. */
  private static final Path CHROMIUM =
      Path.of(System.getProperty("jobqueue.test.chromium", "/usr/bin/chromium"));

  /** Debian's chromium-driver, overridable as {@code jobqueue.test.chromedriver}. */
  private static final Path CHROMEDRIVER =
      Path.of(System.getProperty("jobqueue.test.chromedriver", "/usr/bin/chromedriver"));

  private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private static JobQueueManager manager;
  private static DashboardServer server;
  private static WebDriver browser;
  private static WebDriverWait wait;

  /** Why the browser tests cannot run here, or null when they can. */
  private static String skipped;

  @BeforeAll
  static void start() {
    List<String> missing = new ArrayList<>();
    for (Path tool : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(tool)) {
        missing.add(tool + " is missing");
      }
    }
    if (!missing.isEmpty()) {
      String message =
          "SKIPPED DashboardBrowserIT: all browser tests of the dashboard (sign-in, overview, jobs,"
              + " retry, pause, viewer): "
              + String.join(", ", missing)
              + "; install Debian's chromium and chromium-driver to run them";
      System.err.println(message);
      System.out.println(message);
      skipped = message;
      return;
    }
    manager =
        jobqueue.start(
            JobQueueManager.builder()
                .config(jobqueue.fastConfig().maxWorkers(2).build())
                .dataSource(jobqueue.newPool("dashboard-browser", 8))
                .handler(DashboardFixture.handler())
                .schedule(
                    Schedule.every(
                            "hourly-report",
                            Duration.ofHours(1),
                            CreateJobOptions.of("work", new DashboardFixture.Work("report", "")))
                        .build()));
    history();
    for (int i = 0; i < 6; i++) {
      DashboardFixture.completedJob(manager, "done-" + i);
    }
    DashboardFixture.failedJob(manager, "browser-failed-1");
    DashboardFixture.failedJob(manager, "browser-failed-2");
    Dashboard dashboard =
        Dashboard.builder(JobQueueAdmin.of(manager))
            .authenticator(DashboardFixture.USERS)
            .refreshInterval(Duration.ofSeconds(1))
            .build();
    server =
        DashboardServer.start(
            dashboard, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toString());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(15));
  }

  /**
   * The throughput of the last three hours as another node would have recorded it, so that the
   * chart has a history to draw besides this test's own minute.
   */
  private static void history() {
    String sql =
        "insert into "
            + jobqueue.schema()
            + ".job_stats (minute, node_id, type, processed, succeeded, failed, retried,"
            + " total_millis, max_millis, histogram)"
            + " select date_trunc('minute', now()) - make_interval(mins => g), 'earlier-node',"
            + " 'work', s + f + r, s, f, r, (s + f + r) * 40, 250, '{}'"
            + " from (select g, (30 + 20 * sin(g / 15.0))::bigint as s,"
            + " case when g % 13 = 0 then 4 else 0 end as f,"
            + " case when g % 7 = 0 then 3 else 0 end as r"
            + " from generate_series(1, 179) g) x";
    try (Connection c = jobqueue.db().dataSource().getConnection();
        Statement statement = c.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void signOut() {
    Assumptions.assumeTrue(skipped == null, skipped);
    browser.get(server.url() + "login");
    browser.manage().deleteAllCookies();
  }

  private static void signIn(String user) {
    browser.get(server.url() + "login");
    browser.findElement(By.name("username")).sendKeys(user);
    browser.findElement(By.name("password")).sendKeys(PASSWORD);
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    wait.until(b -> b.findElements(By.cssSelector("header .user")).size() == 1);
  }

  private static void open(String path) {
    browser.get(server.url() + path);
  }

  private static void screenshot(String name) {
    Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    try {
      Files.createDirectories(SCREENSHOTS);
      Files.copy(file, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** No injected script ran: it would have set window.__xss or the title. */
  private static void assertNoScriptRan() {
    Object ran =
        ((JavascriptExecutor) browser)
            .executeScript("return window.__xss !== undefined || document.title === 'owned';");
    assertThat(ran).as("an injected script ran on " + browser.getCurrentUrl()).isEqualTo(false);
  }

  private static String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  @Test
  void anAdminSeesTheLiveOverviewWithRealFigures() {
    signIn("ada");
    wait.until(b -> !b.findElements(By.cssSelector("#throughput rect.bar")).isEmpty());
    assertThat(text("[data-field='counts.completed']")).isNotEqualTo("0");
    assertThat(text("[data-field='counts.failed']")).isNotEqualTo("0");
    assertThat(text("[data-field='leader']")).isNotEqualTo("none");
    assertThat(browser.findElements(By.cssSelector("tbody[data-rows='queues'] tr"))).isNotEmpty();
    String checked = text("[data-field='checkedAt']");
    wait.until(b -> !text("[data-field='checkedAt']").equals(checked));
    assertNoScriptRan();
    screenshot("overview");
  }

  @Test
  void jobsAreFilteredAndAJobShowsItsPayloadErrorsAndKeysAsText() {
    signIn("ada");
    open("jobs");
    new Select(browser.findElement(By.name("status"))).selectByValue("failed");
    browser.findElement(By.cssSelector("form.filters button")).click();
    wait.until(b -> b.getCurrentUrl().contains("status=failed"));
    List<WebElement> states = browser.findElements(By.cssSelector("table.jobs td span.status"));
    assertThat(states).isNotEmpty().allMatch(s -> s.getText().equals("failed"));
    assertNoScriptRan();
    screenshot("jobs");

    browser.findElement(By.cssSelector("table.jobs td a")).click();
    wait.until(b -> b.findElements(By.id("payload")).size() == 1);
    assertThat(text("#payload")).contains("<script>window.__xss=1");
    assertThat(text("table.errors")).contains("</textarea>", "<img src=x");
    assertThat(text("dl.facts")).contains("key-<script>");
    assertNoScriptRan();
    screenshot("job");
  }

  @Test
  void aRetriedFailedJobCompletes() {
    String id = DashboardFixture.failedJob(manager, "browser-retry");
    signIn("otto");
    open("failed");
    assertNoScriptRan();
    screenshot("failed");
    open("job?id=" + id);
    DashboardFixture.BROKEN.remove("browser-retry");
    browser.findElement(By.cssSelector("button[value=retry]")).click();
    wait.until(b -> b.findElements(By.id("dry-run")).size() == 1);
    assertThat(text("#dry-run")).startsWith("This will retry 1 job");
    screenshot("confirm");
    browser.findElement(By.id("confirm")).click();
    wait.until(b -> b.getCurrentUrl().endsWith("job?id=" + id));
    assertThat(text(".notice")).contains("Retried 1 of 1");
    DashboardFixture.awaitStatus(manager, id, JobStatus.COMPLETED);
    open("job?id=" + id);
    assertThat(text("dl.facts")).contains("completed");
    assertThat(browser.findElement(By.cssSelector("progress")).getAttribute("value"))
        .isEqualTo("42");
    assertNoScriptRan();
  }

  @Test
  void aRunningJobsStateAndProgressRefreshWithoutReloading() {
    String id =
        manager.createJob(
            CreateJobOptions.of("work", new DashboardFixture.Work(DashboardFixture.HELD, HOSTILE)));
    signIn("vera");
    open("job?id=" + id);
    wait.until(b -> text("[data-field='progress']").startsWith("42 %"));
    assertThat(text("[data-field='status']")).isEqualTo("running");
    assertThat(text("[data-field='lockedBy']")).isNotEqualTo("–");
    assertThat(browser.findElement(By.cssSelector("progress")).getAttribute("value"))
        .isEqualTo("42");
    screenshot("running-job");
    DashboardFixture.RELEASE.countDown();
    wait.until(b -> text("[data-field='status']").equals("completed"));
    assertNoScriptRan();
  }

  @Test
  void aPausedQueueIsNotClaimedUntilResumed() throws Exception {
    signIn("otto");
    open("queues");
    browser.findElement(By.xpath("//tr[@data-queue='default']//button[text()='Pause']")).click();
    wait.until(b -> b.findElements(By.cssSelector(".notice")).size() == 1);
    assertThat(text(".notice")).isEqualTo("Paused queue default.");
    String id =
        manager.createJob(
            CreateJobOptions.of("work", new DashboardFixture.Work("while-paused", HOSTILE)));
    Thread.sleep(1_500);
    assertThat(manager.getJob(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
    open("queues");
    screenshot("queues");
    browser.findElement(By.xpath("//tr[@data-queue='default']//button[text()='Resume']")).click();
    wait.until(b -> b.findElements(By.cssSelector(".notice")).size() == 1);
    DashboardFixture.awaitStatus(manager, id, JobStatus.COMPLETED);
  }

  @Test
  void schedulesNodesAndTheAuditLogShowTheirRows() {
    signIn("ada");
    open("schedules");
    assertThat(text("table.schedules")).contains("hourly-report", "every PT1H");
    screenshot("schedules");
    open("nodes");
    assertThat(text("#leader")).isNotEqualTo("none");
    assertThat(text("table.nodes")).contains("live, leader");
    screenshot("nodes");
    open("audit");
    assertThat(text("table.audit")).contains("login");
    screenshot("audit");
  }

  @Test
  void aViewerFindsNoActionButtonsAndTheEndpointsRefuse() {
    signIn("vera");
    for (String page : List.of("failed", "queues", "schedules")) {
      open(page);
      assertThat(
              browser.findElements(
                  By.cssSelector("main form[method=post], main button[name=action]")))
          .as(page)
          .isEmpty();
    }
    open("jobs?status=failed");
    browser.findElement(By.cssSelector("table.jobs td a")).click();
    wait.until(b -> b.findElements(By.id("payload")).size() == 1);
    assertThat(browser.findElements(By.cssSelector("form.actions"))).isEmpty();
    screenshot("viewer-job");
    String id = browser.getCurrentUrl().replaceAll(".*id=", "");
    Object status =
        ((JavascriptExecutor) browser)
            .executeAsyncScript(
                "var done = arguments[arguments.length - 1];"
                    + "var token = document.querySelector('input[name=csrf]').value;"
                    + "fetch('jobs/run', {method: 'POST', body: new URLSearchParams("
                    + "{csrf: token, action: 'retry', scope: 'selected', ids: arguments[0]})})"
                    + ".then(function (r) { done(r.status); });",
                id);
    assertThat(status).isEqualTo(403L);
    assertThat(manager.getJob(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
  }
}
