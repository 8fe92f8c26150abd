package dev.jobqueue;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.elements.GivenClassesConjunction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Keeps the shape docs/architecture.md describes: jOOQ only in the store, Micrometer only in its
 * optional binder package, OpenTelemetry only in its optional tracing package, no infrastructure
 * types in the public API, and every internal package labelled "Not API".
 */
@AnalyzeClasses(packages = "dev.jobqueue", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String API_PACKAGE = "dev.jobqueue";
  private static final String INTERNAL_PACKAGE = "dev.jobqueue.internal";
  private static final String TESTING_PACKAGE = "dev.jobqueue.testing";
  private static final String ADMIN_PACKAGE = "dev.jobqueue.admin";
  private static final String CLI_PACKAGE = "dev.jobqueue.cli";
  private static final String DASHBOARD_PACKAGE = "dev.jobqueue.dashboard";
  private static final String SPRING_PACKAGE = "dev.jobqueue.spring";

  /** The manager's operator actions, which the operator tools reach only through the admin API. */
  private static final Set<String> MANAGER_ACTIONS =
      Set.of(
          "retryJob",
          "cancelJob",
          "pauseQueue",
          "resumeQueue",
          "setQueueLimits",
          "pauseSchedule",
          "resumeSchedule",
          "deleteSchedule");

  /** Package prefixes whose types must not appear in public signatures. */
  private static final List<String> FORBIDDEN_IN_API =
      List.of("org.jooq.", "com.fasterxml.jackson.", "javax.sql.", "java.sql.");

  @ArchTest
  static final ArchRule onlyTheStoreDependsOnJooq =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.jobqueue.internal.store..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.jooq..")
          .because("the store is the only place that talks SQL (docs/architecture.md)");

  /**
   * Micrometer is an optional dependency: an application without micrometer-core on its class path
   * must be able to load and run every class except the binder. WithoutMicrometerIT checks the same
   * at run time.
   */
  /**
   * The wall clock is read in one place, {@code internal.WallClock}, so that the clock-skew
   * scenario of the reliability suite can skew every read of a child node (docs/reliability.md).
   * Monotonic time ({@code System.nanoTime}) is fine anywhere.
   */
  @ArchTest
  static final ArchRule onlyWallClockReadsTheWallClock =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName("dev.jobqueue.internal.WallClock")
          .should()
          .callMethod(System.class, "currentTimeMillis")
          .orShould()
          .callMethodWhere(wallClockFactory())
          .orShould()
          .callConstructor(java.util.Date.class)
          .orShould()
          .dependOnClassesThat()
          .areAssignableTo(java.time.Clock.class)
          .orShould()
          .dependOnClassesThat()
          .areAssignableTo(java.time.InstantSource.class)
          .because("wall-clock reads go through internal.WallClock, which a test can skew");

  /** A static {@code now(...)} of a java.time type, or a {@code Clock} factory. */
  private static DescribedPredicate<com.tngtech.archunit.core.domain.JavaMethodCall>
      wallClockFactory() {
    return DescribedPredicate.describe(
        "a java.time now() or Clock factory",
        call ->
            call.getTargetOwner().getPackageName().equals("java.time")
                && (call.getName().equals("now")
                    || call.getName().startsWith("system")
                    || call.getTargetOwner().isEquivalentTo(java.time.Clock.class)));
  }

  @ArchTest
  static final ArchRule onlyTheMicrometerPackageDependsOnMicrometer =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.jobqueue.micrometer..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.micrometer..")
          .because("micrometer-core is optional: the library must run without it");

  @ArchTest
  static final ArchRule onlyTheSpringPackageDependsOnSpring =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.jobqueue.spring..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.springframework..")
          .because("Spring is optional: the library must run without it");

  /** The optional Spring Boot integration is written against the public API only. */
  @ArchTest
  static final ArchRule theSpringIntegrationUsesOnlyPublicApi =
      noClasses()
          .that()
          .resideInAPackage("dev.jobqueue.spring..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(INTERNAL_PACKAGE + "..")
          .because("an integration that needs internals is a sign the API lacks something");

  /**
   * OpenTelemetry is an optional dependency too: the core reaches it only through the tracing hook
   * ({@code internal.Tracing}), which loads the implementation by name. WithoutOpenTelemetryIT
   * checks the same at run time.
   */
  @ArchTest
  static final ArchRule onlyTheOpenTelemetryPackageDependsOnOpenTelemetry =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.jobqueue.opentelemetry..")
          .and()
          .doNotHaveFullyQualifiedName("dev.jobqueue.spring.JobQueueAutoConfiguration$Tracing")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.opentelemetry..")
          .because(
              "opentelemetry-api is optional: the library must run without it (the Spring"
                  + " auto-configuration's tracing part is loaded only when it is present)");

  /**
   * A manager is built from either a DataSource or a JDBC URL, so javax.sql.DataSource is the
   * second allowed JDBC type, beside java.sql.Connection for enqueueing inside the caller's
   * transaction (docs/architecture.md records the decision).
   */
  @ArchTest
  static final ArchRule publicApiExposesNoJooqJacksonOrJdbcTypes =
      publicApiClasses()
          .should(
              exposeNoTypesFrom(
                  FORBIDDEN_IN_API, Set.of("java.sql.Connection", "javax.sql.DataSource")))
          .because(
              "the public API hides jOOQ and Jackson; of JDBC it takes only a Connection (enqueue"
                  + " in the caller's transaction) and a DataSource (the application's pool)");

  /** The claim statement has exactly one caller: the producer, which knows how much room it has. */
  @ArchTest
  static final ArchRule onlyTheProducerClaims =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName("dev.jobqueue.internal.engine.Producer")
          .should()
          .callMethodWhere(
              DescribedPredicate.describe(
                  "ExecutionStore.claimAvailable",
                  call ->
                      call.getTarget().getName().equals("claimAvailable")
                          && call.getTargetOwner()
                              .getName()
                              .equals("dev.jobqueue.internal.store.ExecutionStore")))
          .because("claiming beyond the free slots is what the producer exists to prevent");

  /**
   * The API never hands out or takes an internal type: users cannot reach the engine through it.
   */
  @ArchTest
  static final ArchRule publicApiExposesNoInternalTypes =
      publicApiClasses()
          .should(exposeNoTypesFrom(List.of(INTERNAL_PACKAGE + "."), Set.of()))
          .because("dev.jobqueue.internal is not API and may change in any release");

  /** The optional Micrometer binder is written against the public API only. */
  @ArchTest
  static final ArchRule theMicrometerBinderUsesOnlyPublicApi =
      noClasses()
          .that()
          .resideInAPackage("dev.jobqueue.micrometer..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(INTERNAL_PACKAGE + "..")
          .because("an integration that needs internals is a sign the API lacks something");

  /**
   * The API package holds the API and nothing else: every public type in it is one a user is meant
   * to use. A new public type here is a decision, made by changing this list.
   */
  @ArchTest
  static void theApiPackageHoldsOnlyTheApi(JavaClasses classes) {
    Set<String> found = new TreeSet<>();
    for (JavaClass javaClass : classes) {
      if (javaClass.getPackageName().equals(API_PACKAGE)
          && javaClass.getModifiers().contains(JavaModifier.PUBLIC)
          && javaClass.isTopLevelClass()) {
        found.add(javaClass.getSimpleName());
      }
    }
    assertThat(found)
        .containsExactlyInAnyOrder(
            "AttemptOutcome",
            "CreateJobOptions",
            "EnqueueResult",
            "FieldError",
            "HealthCheckResult",
            "HealthStatus",
            "Job",
            "JobContext",
            "JobError",
            "JobEventListener",
            "JobFilters",
            "JobHandler",
            "JobHandlerRegistry",
            "JobMetrics",
            "JobPolicy",
            "JobPriority",
            "JobProgress",
            "JobQueueConfig",
            "JobQueueException",
            "JobQueueManager",
            "JobResult",
            "JobStatus",
            "JobStoreException",
            "JobTracing",
            "JobValidationException",
            "JobWorker",
            "LeaseLostException",
            "MissedRunPolicy",
            "NonRetryableJobException",
            "OverlapPolicy",
            "ProcessingStats",
            "QueueInfo",
            "QueueLimits",
            "QueueOptions",
            "RetryStrategy",
            "Schedule",
            "ScheduleInfo",
            "SnoozeJobException",
            "TransactionBridge",
            "TypeStats",
            "UndeclaredSchedules",
            "UniqueOptions",
            "ValidationErrors",
            "WorkerPool");
  }

  /**
   * The test kit is API too: its signatures hide the internals, jOOQ and Jackson like the API
   * package's; of JDBC it takes a DataSource (for completeInTransaction) and, through JobContext, a
   * Connection.
   */
  @ArchTest
  static final ArchRule testKitExposesNoInternalJooqJacksonOrJdbcTypes =
      publicClassesOf(TESTING_PACKAGE)
          .should(
              exposeNoTypesFrom(
                  List.of(
                      INTERNAL_PACKAGE + ".",
                      "org.jooq.",
                      "com.fasterxml.jackson.",
                      "javax.sql.",
                      "java.sql."),
                  Set.of("java.sql.Connection", "javax.sql.DataSource")))
          .because(
              "dev.jobqueue.testing is public API: users cannot reach the internals through it");

  /**
   * The test kit runs in the users' tests, whatever their framework: it needs only the library's
   * runtime dependencies, and fails with AssertionError.
   */
  @ArchTest
  static final ArchRule testKitNeedsNoTestFramework =
      noClasses()
          .that()
          .resideInAPackage(TESTING_PACKAGE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.junit..",
              "org.assertj..",
              "org.hamcrest..",
              "org.opentest4j..",
              "org.awaitility..",
              "org.springframework..",
              "io.zonky..",
              "org.testcontainers..")
          .because("the test kit needs nothing beyond the library's runtime dependencies");

  /**
   * The kit is optional: the library itself never uses it, but for the Spring test support, which
   * offers it as a bean in test contexts.
   */
  @ArchTest
  static final ArchRule nothingInTheLibraryUsesTheTestKit =
      noClasses()
          .that()
          .resideOutsideOfPackages(TESTING_PACKAGE, "dev.jobqueue.spring.test")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(TESTING_PACKAGE)
          .because("dev.jobqueue.testing is an optional add-on for users' tests");

  /**
   * The crossing into a manager's engine is the test kit's alone: the API package installs it, the
   * kit uses it.
   */
  @ArchTest
  static final ArchRule onlyTheTestKitCrossesIntoTheManager =
      noClasses()
          .that()
          .resideOutsideOfPackages(API_PACKAGE, TESTING_PACKAGE, INTERNAL_PACKAGE + ".testkit")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(INTERNAL_PACKAGE + ".testkit")
          .because("TestKitAccess hands out a manager's engine, for the test kit only");

  /** The test kit's public types; a new one is a decision, made by changing this list. */
  @ArchTest
  static void theTestKitPackageHoldsOnlyItsApi(JavaClasses classes) {
    Set<String> found = new TreeSet<>();
    for (JavaClass javaClass : classes) {
      if (javaClass.getPackageName().equals(TESTING_PACKAGE)
          && javaClass.getModifiers().contains(JavaModifier.PUBLIC)
          && javaClass.isTopLevelClass()) {
        found.add(javaClass.getSimpleName());
      }
    }
    assertThat(found)
        .containsExactlyInAnyOrder(
            "DrainResult", "HandlerRun", "JobQueueTestKit", "TestJobContext");
  }

  /**
   * The operator API is public API too, with the API package's rules: no internal, jOOQ, Jackson or
   * JDBC types in its signatures.
   */
  @ArchTest
  static final ArchRule operatorApiExposesNoInternalJooqJacksonOrJdbcTypes =
      publicClassesOf(ADMIN_PACKAGE)
          .should(
              exposeNoTypesFrom(
                  List.of(
                      INTERNAL_PACKAGE + ".",
                      "org.jooq.",
                      "com.fasterxml.jackson.",
                      "javax.sql.",
                      "java.sql."),
                  Set.of()))
          .because("dev.jobqueue.admin is public API: users cannot reach the internals through it");

  /** The crossing into a manager for the operator API is the operator API's alone. */
  @ArchTest
  static final ArchRule onlyTheOperatorApiCrossesIntoTheManager =
      noClasses()
          .that()
          .resideOutsideOfPackages(API_PACKAGE, ADMIN_PACKAGE, INTERNAL_PACKAGE + ".admin")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(INTERNAL_PACKAGE + ".admin")
          .because("AdminAccess hands out a manager's store, for the operator API only");

  /** The command-line tool is optional too: picocli is its dependency alone. */
  @ArchTest
  static final ArchRule onlyTheCommandLineDependsOnPicocli =
      noClasses()
          .that()
          .resideOutsideOfPackage(CLI_PACKAGE + "..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("picocli..")
          .because("picocli is optional: the library must run without it");

  /** Nothing in the library reaches up into the operator tools built on it. */
  @ArchTest
  static final ArchRule theLibraryDoesNotDependOnTheCommandLine =
      noClasses()
          .that()
          .resideOutsideOfPackage(CLI_PACKAGE + "..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(CLI_PACKAGE + "..")
          .because("the command-line tool is built on the library, not the other way round");

  /** Only the integrations that serve it (Spring Boot's mount, the CLI's command) know it. */
  @ArchTest
  static final ArchRule theLibraryDoesNotDependOnTheDashboard =
      noClasses()
          .that()
          .resideOutsideOfPackages(DASHBOARD_PACKAGE + "..", CLI_PACKAGE + "..", SPRING_PACKAGE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(DASHBOARD_PACKAGE + "..")
          .because("the dashboard is optional, built on the operator API");

  /** The operator tools are written against the public API, as a user's own tools would be. */
  @ArchTest
  static final ArchRule theOperatorToolsUseOnlyPublicApi =
      noClasses()
          .that()
          .resideInAnyPackage(CLI_PACKAGE + "..", DASHBOARD_PACKAGE + "..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(INTERNAL_PACKAGE + "..")
          .because("an operator tool that needs internals is a sign the operator API lacks it");

  /**
   * The standalone dashboard runs without the Servlet API: only its Servlet mount, and Spring
   * Boot's registration of that mount, use it.
   */
  @ArchTest
  static final ArchRule onlyTheServletMountDependsOnTheServletApi =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName(DASHBOARD_PACKAGE + ".DashboardServlet")
          .and()
          .resideOutsideOfPackage(SPRING_PACKAGE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("jakarta.servlet..")
          .because("jakarta.servlet-api is optional: the standalone dashboard runs without it");

  /** The JDK's HTTP server is the standalone dashboard's alone. */
  @ArchTest
  static final ArchRule onlyTheStandaloneServerDependsOnTheJdkHttpServer =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName(DASHBOARD_PACKAGE + ".DashboardServer")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("com.sun.net.httpserver..")
          .because("the pages know a small request and response of their own, not a server's");

  /** Spring Security is optional even inside the Spring integration. */
  @ArchTest
  static final ArchRule onlyTheSpringSecurityAuthenticatorDependsOnSpringSecurity =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName(SPRING_PACKAGE + ".SpringSecurityAuthenticator")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.springframework.security..")
          .because("spring-security-core is optional: a Boot application may not have it");

  /**
   * An operator tool acts through {@code JobQueueAdmin}, which checks the role and writes the audit
   * log; the manager's own action methods would do neither.
   */
  @ArchTest
  static final ArchRule theOperatorToolsActThroughTheOperatorApi =
      noClasses()
          .that()
          .resideInAnyPackage(CLI_PACKAGE + "..", DASHBOARD_PACKAGE + "..")
          .should()
          .callMethodWhere(
              DescribedPredicate.describe(
                  "a manager's action",
                  call ->
                      call.getTargetOwner().isAssignableTo(JobQueueManager.class)
                          && MANAGER_ACTIONS.contains(call.getName())))
          .because("every operator action is checked by role and audited in one place");

  /** The operator API's public types; a new one is a decision, made by changing this list. */
  @ArchTest
  static void theOperatorApiPackageHoldsOnlyItsApi(JavaClasses classes) {
    assertThat(publicTopLevelNames(classes, ADMIN_PACKAGE))
        .containsExactlyInAnyOrder(
            "ActionDeniedException",
            "Actor",
            "AuditEntry",
            "BulkResult",
            "JobCount",
            "JobCursor",
            "JobPage",
            "JobQueueAdmin",
            "JobSearch",
            "JobSelection",
            "NodeView",
            "Overview",
            "Role",
            "SchemaMigrations",
            "ThroughputPoint");
  }

  /** The simple names of a package's public top-level types. */
  private static Set<String> publicTopLevelNames(JavaClasses classes, String packageName) {
    Set<String> found = new TreeSet<>();
    for (JavaClass javaClass : classes) {
      if (javaClass.getPackageName().equals(packageName)
          && javaClass.getModifiers().contains(JavaModifier.PUBLIC)
          && javaClass.isTopLevelClass()) {
        found.add(javaClass.getSimpleName());
      }
    }
    return found;
  }

  /** The dashboard's public types; the pages, sessions and checks are package-private. */
  @ArchTest
  static void theDashboardPackageHoldsOnlyItsApi(JavaClasses classes) {
    assertThat(publicTopLevelNames(classes, DASHBOARD_PACKAGE))
        .containsExactlyInAnyOrder(
            "Dashboard",
            "DashboardAccessDeniedException",
            "DashboardAuthenticator",
            "DashboardServer",
            "DashboardServlet",
            "DashboardUser",
            "PasswordAuthenticator",
            "PasswordHash");
  }

  @ArchTest
  static void everyInternalPackageSaysNotApi(JavaClasses classes) throws IOException {
    Set<String> packages = new TreeSet<>();
    for (JavaClass javaClass : classes) {
      String name = javaClass.getPackageName();
      if (name.equals(INTERNAL_PACKAGE) || name.startsWith(INTERNAL_PACKAGE + ".")) {
        packages.add(name);
      }
    }
    assertThat(packages).as("internal packages found").contains(INTERNAL_PACKAGE);

    Path sources = projectDirectory().resolve("src/main/java");
    List<String> missing = new ArrayList<>();
    for (String name : packages) {
      Path info = sources.resolve(name.replace('.', '/')).resolve("package-info.java");
      if (!Files.isRegularFile(info)) {
        missing.add(name + " has no package-info.java");
      } else if (!Files.readString(info).toLowerCase(Locale.ROOT).contains("not api")) {
        missing.add(name + "/package-info.java does not say \"Not API\"");
      }
    }
    assertThat(missing).as("internal packages without a \"Not API\" package-info").isEmpty();
  }

  private static GivenClassesConjunction publicApiClasses() {
    return publicClassesOf(API_PACKAGE);
  }

  private static GivenClassesConjunction publicClassesOf(String packageName) {
    return classes()
        .that()
        .resideInAPackage(packageName)
        .and()
        .arePublic()
        .and(
            DescribedPredicate.describe(
                "are not package-info", c -> !c.getSimpleName().equals("package-info")));
  }

  /**
   * Checks every public or protected method, constructor and field, including those inherited from
   * a superclass that is not public: raw return, parameter and field types, every generic type
   * argument and bound, and declared exceptions.
   */
  private static ArchCondition<JavaClass> exposeNoTypesFrom(
      List<String> forbiddenPrefixes, Set<String> allowed) {
    return new ArchCondition<>(
        "expose no types from " + forbiddenPrefixes + " in public signatures, except " + allowed) {
      @Override
      public void check(JavaClass javaClass, ConditionEvents events) {
        List<JavaMember> members = new ArrayList<>();
        members.addAll(javaClass.getMethods());
        members.addAll(javaClass.getConstructors());
        members.addAll(javaClass.getFields());
        // Public members inherited from a package-private superclass are API of this class (the
        // Builder's setters are declared in ConfigSetters); here javaClass has only their bridges.
        for (JavaClass superclass : javaClass.getAllRawSuperclasses()) {
          if (!superclass.getModifiers().contains(JavaModifier.PUBLIC)) {
            members.addAll(superclass.getMethods());
            members.addAll(superclass.getFields());
          }
        }
        for (JavaMember member : members) {
          if (!isApi(member)) {
            continue;
          }
          for (JavaClass used : typesUsedBy(member)) {
            String name = used.getName();
            boolean forbidden = forbiddenPrefixes.stream().anyMatch(name::startsWith);
            if (forbidden && !allowed.contains(name)) {
              events.add(
                  SimpleConditionEvent.violated(
                      member, member.getFullName() + " exposes " + name + " in its signature"));
            }
          }
        }
      }
    };
  }

  private static boolean isApi(JavaMember member) {
    Set<JavaModifier> modifiers = member.getModifiers();
    if (modifiers.contains(JavaModifier.SYNTHETIC) || modifiers.contains(JavaModifier.BRIDGE)) {
      return false;
    }
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }

  private static Set<JavaClass> typesUsedBy(JavaMember member) {
    Set<JavaType> types = new LinkedHashSet<>();
    if (member instanceof JavaField field) {
      types.add(field.getType());
    } else if (member instanceof JavaCodeUnit codeUnit) {
      types.add(codeUnit.getReturnType());
      types.addAll(codeUnit.getParameterTypes());
      types.addAll(codeUnit.getTypeParameters());
      types.addAll(codeUnit.getThrowsClause().getTypes());
    }
    Set<JavaClass> raw = new LinkedHashSet<>();
    for (JavaType type : types) {
      raw.addAll(type.getAllInvolvedRawTypes());
    }
    return raw;
  }

  private static Path projectDirectory() {
    String basedir = System.getProperty("basedir");
    Path start = Path.of(basedir != null ? basedir : System.getProperty("user.dir"));
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml"))
          && Files.isDirectory(dir.resolve("src/main/java/dev/jobqueue"))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the project directory from " + start);
  }
}
