package dev.pulse.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml as Compose itself reads it: {@code docker-compose config} must accept the file without a .env,
 * with .env.example and with other values, and the settings that make the deployment hold up are checked on its
 * normalized output, so a later edit cannot quietly undo them. Needs the docker-compose command (.ci/run installs
 * Debian's), not a Docker engine.
 */
class ComposeFileTest {

  private static final Path ROOT = repositoryRoot();
  private static final long MIB = 1024 * 1024;
  private static final List<String> PULSE_NODES = List.of("worker", "dashboard");
  private static final Pattern MAX_HEAP = Pattern.compile("-Xmx(\\d+)([kKmMgG]?)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)b?");

  @TempDir
  static Path tmp;

  /** The file as Compose reads it with nothing set: no .env, no variables in the environment. */
  private static JsonNode defaults;

  @BeforeAll
  static void readTheFileWithNothingSet() throws Exception {
    defaults = config("");
  }

  @Test
  void withNothingSetPostgresAndEveryNodeUseTheSameDefaults() {
    assertDatabase(defaults, "pulse", "pulse", "pulse");
    for (String node : PULSE_NODES) {
      assertEquals("postgres", env(defaults, node, "DB_HOST"), node);
    }
  }

  /** PostgreSQL is created with these, and every Pulse node connects with them. */
  private static void assertDatabase(JsonNode c, String user, String password, String database) {
    assertEquals(user, env(c, "postgres", "POSTGRES_USER"));
    assertEquals(password, env(c, "postgres", "POSTGRES_PASSWORD"));
    assertEquals(database, env(c, "postgres", "POSTGRES_DB"));
    for (String node : PULSE_NODES) {
      assertEquals(user, env(c, node, "DB_USER"), node);
      assertEquals(password, env(c, node, "DB_PASSWORD"), node);
      assertEquals(database, env(c, node, "DB_NAME"), node);
    }
  }

  @Test
  void theSeedStyleEnvFileDrivesPostgresAndEveryNode() throws Exception {
    JsonNode c = config("DB_USER=alice\nDB_PASSWORD=s3cret-enough\nDB_NAME=clicks\n");

    assertDatabase(c, "alice", "s3cret-enough", "clicks");
  }

  @Test
  void theSampleEnvFileIsAcceptedAndItsPasswordReachesPostgresAndTheNodes() throws Exception {
    JsonNode c = config(Files.readString(ROOT.resolve(".env.example")));

    assertEquals("change-me", env(c, "postgres", "POSTGRES_PASSWORD"));
    for (String node : PULSE_NODES) {
      assertEquals("change-me", env(c, node, "DB_PASSWORD"), node);
    }
  }

  @Test
  void kafkaKeepsItsLogInItsVolume() {
    String logDirs = env(defaults, "kafka", "KAFKA_LOG_DIRS");
    assertNotNull(logDirs, "without KAFKA_LOG_DIRS apache/kafka writes its log to /tmp/kraft-combined-logs, "
        + "inside the container: down and up lose every topic");
    List<Mount> mounts = mounts(defaults, "kafka");
    for (String dir : logDirs.split(",")) {
      assertTrue(mounts.stream().anyMatch(m -> m.holds(dir.trim()) && isNamedVolume(m)),
          "log dir " + dir + " is not in a named volume of the kafka service: " + mounts);
    }
  }

  @Test
  void kafkaTakesNoRecordWhoseDeadLetterCouldNotBeWritten() {
    // TopicSetup refuses an input topic that takes records of more than 2 MB - 64 KB; Kafka's 1 MB default fits.
    assertNull(env(defaults, "kafka", "KAFKA_MESSAGE_MAX_BYTES"));
  }

  @Test
  void onlyTheDashboardIsPublishedAndOnlyOnThisMachine() {
    for (String service : List.of("kafka", "postgres", "worker")) {
      assertEquals(List.of(), ports(defaults, service), service + " publishes a port nobody asked for");
    }
    assertEquals(List.of(new Port("127.0.0.1", "8080", "8080")), ports(defaults, "dashboard"));
    assertTrue(origins(defaults).contains("http://localhost:8080"), origins(defaults).toString());
  }

  @Test
  void aDashboardOnAnotherHostPortAllowsTheOriginTheBrowserSends() throws Exception {
    JsonNode c = config("PULSE_DASHBOARD_PORT=9000\nPULSE_DASHBOARD_ALLOWED_ORIGINS=https://pulse.example.com\n");

    assertEquals(List.of(new Port("127.0.0.1", "9000", "8080")), ports(c, "dashboard"));
    assertEquals(List.of("http://localhost:9000", "http://127.0.0.1:9000", "https://pulse.example.com"), origins(c));
  }

  @Test
  void everyPulseNodeIsBuiltFromThisCheckoutNeverPulled() {
    for (String node : PULSE_NODES) {
      JsonNode s = service(defaults, node);
      JsonNode build = s.path("build");
      String context = build.isTextual() ? build.asText() : build.path("context").asText(null);
      assertNotNull(context, node + " has no build: on a fresh machine Compose would try to pull its image");
      assertEquals(ROOT, Path.of(context).toAbsolutePath().normalize(), node);
      if (s.has("image")) {
        assertEquals("build", s.path("pull_policy").asText(null),
            node + " names an image without pull_policy: build, so Compose would try to pull it first");
      }
    }
  }

  @Test
  void everyPulseNodeIsCheckedByAnEndpointItServes() {
    for (String node : PULSE_NODES) {
      String test = String.join(" ", texts(service(defaults, node).path("healthcheck").path("test")));
      assertTrue(test.contains("http://127.0.0.1:8080/health/live"), node + ": " + test);
      // /health/live is served by the dashboard role, on dashboard.port (8080 unless set)
      assertTrue(Arrays.asList(env(defaults, node, "PULSE_ROLES").split(",")).contains("dashboard"), node);
      assertNull(env(defaults, node, "PULSE_DASHBOARD_PORT"), node);
    }
    // the worker's HTTP server stays inside its container
    assertEquals("127.0.0.1", env(defaults, "worker", "PULSE_DASHBOARD_HOST"));
    for (String dependency : List.of("kafka", "postgres")) {
      assertFalse(service(defaults, dependency).path("healthcheck").path("test").isMissingNode(), dependency);
      assertEquals("service_healthy",
          service(defaults, "worker").path("depends_on").path(dependency).path("condition").asText());
    }
  }

  @Test
  void memoryLimitsLeaveTheMeasuredRoomOutsideTheHeap() {
    // Measured outside the heap: a node with every role about 250 MB (RSS 777 MB with a 512 MB heap pre-touched,
    // SoakIT), the dashboard alone about 190 MB (RSS 315 MB with 123 MB of heap committed, producing 5,000/s).
    assertLimits("worker", 512 * MIB, 1024 * MIB, 250 * MIB);
    assertLimits("dashboard", 256 * MIB, 640 * MIB, 190 * MIB);
  }

  @Test
  void everyNodeMapsTheClassDataArchiveTheImageMakes() throws IOException {
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"), StandardCharsets.UTF_8);
    Matcher made = Pattern.compile(
        "RUN java .*-XX:ArchiveClassesAtExit=(\\S+) -jar /app/pulse\\.jar run --training-run").matcher(dockerfile);
    assertTrue(made.find(), "the image makes its archive in a training run of its own jar");
    String mapped = "-XX:SharedArchiveFile=" + made.group(1);
    Matcher imageOptions = Pattern.compile("JAVA_OPTS=\"([^\"]*)\"").matcher(dockerfile);
    assertTrue(imageOptions.find(), "the image sets JAVA_OPTS");
    assertTrue(imageOptions.group(1).contains(mapped), imageOptions.group(1));
    for (String node : PULSE_NODES) {
      assertTrue(env(defaults, node, "JAVA_OPTS").contains(mapped), node + ": " + env(defaults, node, "JAVA_OPTS"));
    }
  }

  @Test
  void theLakeIsAFolderOfTheHostThatDuckDbCanRead() {
    assertTrue(mounts(defaults, "worker").contains(new Mount(ROOT.resolve("data/lake").toString(), "/data/lake")),
        mounts(defaults, "worker").toString());
  }

  // ---------------------------------------------------------------- helpers

  private static void assertLimits(String node, long expectedHeap, long expectedLimit, long measuredOffHeap) {
    String javaOpts = env(defaults, node, "JAVA_OPTS");
    assertNotNull(javaOpts, node + " sets no JAVA_OPTS");
    Matcher m = MAX_HEAP.matcher(javaOpts);
    assertTrue(m.find(), node + " sets no -Xmx: " + javaOpts);
    long heap = Long.parseLong(m.group(1)) * unit(m.group(2));
    long limit = memoryLimit(service(defaults, node));
    assertEquals(expectedHeap, heap, node + " heap");
    assertEquals(expectedLimit, limit, node + " memory limit");
    assertTrue(limit >= heap + measuredOffHeap, node + ": " + limit + " bytes cannot hold the heap and the rest");
    assertTrue(javaOpts.contains("-XX:+ExitOnOutOfMemoryError"), node + ": " + javaOpts);
  }

  private static long memoryLimit(JsonNode service) {
    JsonNode limit = service.path("mem_limit");
    if (limit.isMissingNode()) {
      limit = service.path("deploy").path("resources").path("limits").path("memory");
    }
    assertFalse(limit.isMissingNode(), "no memory limit");
    Matcher m = SIZE.matcher(limit.asText().trim().toLowerCase(Locale.ROOT));
    assertTrue(m.matches(), "memory limit " + limit.asText());
    return Long.parseLong(m.group(1)) * unit(m.group(2));
  }

  private static long unit(String suffix) {
    return switch (suffix.toLowerCase(Locale.ROOT)) {
      case "k" -> 1024L;
      case "m" -> MIB;
      case "g" -> 1024 * MIB;
      default -> 1L;
    };
  }

  private static List<String> origins(JsonNode config) {
    return Arrays.stream(env(config, "dashboard", "PULSE_DASHBOARD_ALLOWED_ORIGINS").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private record Port(String hostIp, String published, String target) {
  }

  /** Published ports in either form Compose prints: "ip:published:target/proto" or a mapping. */
  private static List<Port> ports(JsonNode config, String service) {
    List<Port> ports = new ArrayList<>();
    for (JsonNode p : service(config, service).path("ports")) {
      if (p.isTextual()) {
        String[] parts = p.asText().replaceAll("/\\w+$", "").split(":");
        ports.add(parts.length == 3 ? new Port(parts[0], parts[1], parts[2])
            : parts.length == 2 ? new Port("", parts[0], parts[1]) : new Port("", "", parts[0]));
      } else {
        ports.add(new Port(p.path("host_ip").asText(""), p.path("published").asText(""), p.path("target").asText()));
      }
    }
    return ports;
  }

  private record Mount(String source, String target) {
    boolean holds(String dir) {
      return dir.equals(target) || dir.startsWith(target + "/");
    }
  }

  private static boolean isNamedVolume(Mount m) {
    return !m.source().isEmpty() && !m.source().startsWith("/") && !m.source().startsWith(".");
  }

  /** Volumes in either form Compose prints: "source:target[:mode]" or a mapping. */
  private static List<Mount> mounts(JsonNode config, String service) {
    List<Mount> mounts = new ArrayList<>();
    for (JsonNode v : service(config, service).path("volumes")) {
      if (v.isTextual()) {
        String[] parts = v.asText().split(":");
        mounts.add(parts.length == 1 ? new Mount("", parts[0]) : new Mount(parts[0], parts[1]));
      } else {
        mounts.add(new Mount(v.path("source").asText(""), v.path("target").asText()));
      }
    }
    return mounts;
  }

  private static List<String> texts(JsonNode node) {
    return node.isTextual() ? List.of(node.asText())
        : StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static String env(JsonNode config, String service, String name) {
    JsonNode value = service(config, service).path("environment").path(name);
    return value.isMissingNode() || value.isNull() ? null : value.asText();
  }

  private static JsonNode service(JsonNode config, String name) {
    JsonNode s = config.path("services").path(name);
    assertFalse(s.isMissingNode(), "docker-compose.yml has no service " + name);
    return s;
  }

  /**
   * The file as {@code docker-compose config} prints it, with this .env and nothing from the environment that
   * Compose would use instead.
   */
  private static JsonNode config(String envFile) throws IOException, InterruptedException {
    Path env = Files.createTempFile(tmp, "compose", ".env");
    Files.writeString(env, envFile);
    Path stderr = Files.createTempFile(tmp, "compose", ".err");
    ProcessBuilder pb = new ProcessBuilder("docker-compose", "--env-file", env.toString(),
        "-f", ROOT.resolve("docker-compose.yml").toString(), "config")
        .redirectError(stderr.toFile());
    Map<String, String> environment = pb.environment();
    environment.keySet().removeIf(k -> k.startsWith("DB_") || k.startsWith("PULSE_") || k.startsWith("COMPOSE_"));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return fail("docker-compose is needed to check docker-compose.yml (.ci/run installs it: apt-get install "
          + "docker-compose): " + e.getMessage());
    }
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker-compose config did not finish");
    assertEquals(0, p.exitValue(), "docker-compose config refused docker-compose.yml: "
        + Files.readString(stderr, StandardCharsets.UTF_8));
    return new YAMLMapper().readTree(out);
  }

  private static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("docker-compose.yml")) && Files.isDirectory(p.resolve("verticles"))) {
        return p;
      }
    }
    throw new IllegalStateException("no docker-compose.yml above " + Path.of("").toAbsolutePath());
  }
}
