package dev.jobqueue.cli;

import dev.jobqueue.dashboard.Dashboard;
import dev.jobqueue.dashboard.DashboardServer;
import dev.jobqueue.dashboard.PasswordAuthenticator;
import dev.jobqueue.dashboard.PasswordHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dashboard}: the standalone web dashboard on the JDK's HTTP server, until the process is
 * stopped. It signs users in from {@code name:role:hash} lines; without any it refuses to start.
 * {@code dashboard hash-password} makes a hash for such a line.
 */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the web dashboard until stopped (Ctrl-C).",
      "Users sign in with a password; each is a name:role:hash line (role viewer,",
      "operator or admin), from --users-file",
      "or $JOB_QUEUE_DASHBOARD_USERS (lines separated by newlines or commas).",
      "Make a hash with: jobqueue dashboard hash-password"
    },
    subcommands = DashboardCommand.HashPassword.class)
final class DashboardCommand extends CliCommand {
  /** The variable holding user lines when {@code --users-file} is not given. */
  static final String USERS_VARIABLE = "JOB_QUEUE_DASHBOARD_USERS";

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every one)")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one)")
  int port;

  @Option(
      names = "--users-file",
      paramLabel = "FILE",
      description = "name:role:hash lines, one user each (default: $" + USERS_VARIABLE + ")")
  Path usersFile;

  @Option(
      names = "--secure-cookies",
      paramLabel = "POLICY",
      defaultValue = "AUTO",
      description =
          "AUTO (on HTTPS), ALWAYS (behind a TLS proxy) or NEVER (default: ${DEFAULT-VALUE})")
  Dashboard.SecureCookies secureCookies;

  @Option(
      names = "--trust-forwarded-headers",
      description = "Believe X-Forwarded-Proto from a proxy in front (default: off)")
  boolean trustForwardedHeaders;

  @Override
  int run() {
    PasswordAuthenticator users = check(usersOption(), () -> PasswordAuthenticator.parse(lines()));
    InetSocketAddress address = check("--port", () -> new InetSocketAddress(bind, port));
    CountDownLatch stopped = new CountDownLatch(1);
    try (Session session = session()) {
      Dashboard dashboard =
          Dashboard.builder(session.admin())
              .authenticator(users)
              .secureCookies(secureCookies)
              .trustForwardedHeaders(trustForwardedHeaders)
              .build();
      try (DashboardServer server = DashboardServer.start(dashboard, address)) {
        Thread hook = new Thread(stopped::countDown, "jobqueue-dashboard-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().println("dashboard at " + server.url() + " (Ctrl-C stops it)");
        spec.commandLine().getOut().flush();
        try {
          stopped.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          removeHook(hook);
        }
      }
    }
    return JobQueueCli.OK;
  }

  private String usersOption() {
    return usersFile != null ? "--users-file" : "$" + USERS_VARIABLE;
  }

  private List<String> lines() {
    if (usersFile != null) {
      try {
        return Files.readAllLines(usersFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + usersFile + " (" + e + ")", e);
      }
    }
    String value = environment().get(USERS_VARIABLE);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "no users: the dashboard does not start without them; give --users-file or set "
              + USERS_VARIABLE);
    }
    return Arrays.asList(value.split("[\\n,]"));
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook is what stopped us
    }
  }

  /** {@code dashboard hash-password}: a PBKDF2 hash of a password, for a user line. */
  @Command(
      name = "hash-password",
      mixinStandardHelpOptions = true,
      description = {
        "Print a PBKDF2 hash of a password, for a name:role:hash user line.",
        "It reads the password twice from the console without echo, or once from",
        "standard input with --stdin."
      })
  static final class HashPassword implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--stdin", description = "Read the password from the first line of stdin")
    boolean stdin;

    @Override
    public Integer call() {
      if (!stdin) {
        Console console = System.console();
        if (console == null) {
          spec.commandLine().getErr().println("error: no console to read from; use --stdin");
          return JobQueueCli.FAILED;
        }
        try {
          spec.commandLine().getOut().println(PasswordHash.prompt(console));
          return JobQueueCli.OK;
        } catch (IllegalArgumentException e) {
          spec.commandLine().getErr().println("error: " + e.getMessage());
          return JobQueueCli.FAILED;
        }
      }
      char[] password = fromStdin();
      if (password == null) {
        return JobQueueCli.FAILED;
      }
      try {
        spec.commandLine().getOut().println(PasswordHash.hash(password));
        return JobQueueCli.OK;
      } finally {
        Arrays.fill(password, '\0');
      }
    }

    private char[] fromStdin() {
      try {
        String line =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isEmpty()) {
          spec.commandLine().getErr().println("error: no password on standard input");
          return null;
        }
        return line.toCharArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
