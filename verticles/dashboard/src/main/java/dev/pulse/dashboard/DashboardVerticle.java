package dev.pulse.dashboard;

import dev.pulse.common.Addresses;
import dev.pulse.common.Topics;
import dev.pulse.common.bus.PageViewUpdate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's view: serves the UI from {@code web/}, pushes window results and pipeline status to
 * browsers over a plain WebSocket, and offers REST for synthetic traffic, window queries, health and metrics.
 * Everything it shows comes over the clustered event bus, so any node's dashboard sees the whole cluster.
 */
public final class DashboardVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DashboardVerticle.class);
  /** Pushes what changed at least this often (and drops changes while no browser is connected). */
  private static final long PUSH_EVERY_MS = 250;
  /**
   * How long a window update waits for others before it is pushed: the partitions' updates of one checkpoint
   * round arrive within a few milliseconds and go out together, and none waits for the next periodic push.
   */
  private static final long PUSH_COALESCE_MS = 20;
  private static final long STATUS_EVERY_MS = 1_000;
  private static final long CHECK_TIMEOUT_MS = 5_000;
  /** How long a dependency's health call may take: well within {@link #CHECK_TIMEOUT_MS}. */
  private static final long DEPENDENCY_ANSWER_MS = 3_000;
  private static final Duration MAX_QUERY_SPAN = Duration.ofDays(7);
  /** Times PostgreSQL and the client encode without trouble, and wider than any window Pulse can have. */
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");
  /** The longest page_url ingest accepts: no longer one can match. */
  private static final int MAX_URL_CHARS = 4096;
  /** Browsers send nothing up the socket; anything bigger than this is not a dashboard page talking. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024;
  /** Request lines up to this long, so an over-long url= gets a JSON 400 from us rather than a bare 414. */
  private static final int MAX_REQUEST_LINE = 16 * 1024;
  /** Scripts, styles and connections only from the dashboard itself ('self' covers its ws:// in Chromium). */
  private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
      + "frame-ancestors 'none'";
  private static final String NOT_ON_LOOPBACK = "set dashboard.api.token (PULSE_API_TOKEN) to use the producer API"
      + " on a non-loopback address";

  private final DashboardOptions options;
  private final Pool pool;
  private final String schema;
  private final String bootstrapServers;
  private final Topics topics;
  private final long allowedLatenessMs;
  private final PrometheusMeterRegistry registry;
  private final AtomicInteger nodesUp = new AtomicInteger();
  private MultiGauge nodePartitions;
  private MultiGauge nodeRebalances;
  private final Clock clock;
  private final String nodeName;
  private final BindAddress bind;

  private final LiveWindows live = new LiveWindows();
  private final ClusterStatus cluster = new ClusterStatus();
  private final Set<BrowserChannel> browsers = new HashSet<>();
  /** A push of window updates is due within {@link #PUSH_COALESCE_MS}. */
  private boolean pushScheduled;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private Counter droppedMessages;
  private WindowQueries queries;
  private ProducerRuns producerRuns;
  private KafkaAdminClient kafkaAdmin;
  private HttpServer server;
  /** Set once the port is known; until then requests are answered 503. */
  private OriginPolicy originPolicy;

  public DashboardVerticle(DashboardOptions options, Pool pool, String schema, String bootstrapServers, Topics topics,
      long allowedLatenessMs, PrometheusMeterRegistry registry, Clock clock, String nodeName) {
    this.options = options;
    this.pool = pool;
    this.schema = schema;
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.allowedLatenessMs = allowedLatenessMs;
    this.registry = registry;
    this.clock = clock;
    this.nodeName = nodeName;
    // Here, on the deploying thread: the first look at an address loads Netty's NetUtil, which reads the system.
    this.bind = BindAddress.of(options.host());
  }

  @Override
  public Future<?> start() {
    queries = new WindowQueries(pool, schema);
    droppedMessages = Counter.builder("pulse.dashboard.messages.dropped")
        .description("Messages dropped for browsers that could not keep up").register(registry);
    Gauge.builder("pulse.cluster.nodes", nodesUp, AtomicInteger::get)
        .description("Nodes whose heartbeat this dashboard received in the last 5 s").register(registry);
    nodePartitions = MultiGauge.builder("pulse.cluster.node.partitions")
        .description("Input partitions each node's ingest owns, from its heartbeat").register(registry);
    nodeRebalances = MultiGauge.builder("pulse.cluster.node.rebalances")
        .description("Partitions assigned to, revoked from or lost by each node since it started, from its heartbeat")
        .register(registry);
    kafkaAdmin = KafkaAdminClient.create(vertx, Map.of("bootstrap.servers", bootstrapServers,
        "client.id", "pulse-dashboard-" + nodeName, "default.api.timeout.ms", "5000", "request.timeout.ms", "5000"));
    var bus = vertx.eventBus();
    MessageConsumer<JsonObject> windows = bus.consumer(Addresses.WINDOW_UPDATES, m -> onWindowUpdate(m.body()));
    MessageConsumer<JsonObject> status = bus.consumer(Addresses.NODE_STATUS,
        m -> cluster.heartbeat(m.body(), clock.millis()));
    consumers.addAll(List.of(windows, status));
    timers.add(vertx.setPeriodic(PUSH_EVERY_MS, id -> pushWindows()));
    timers.add(vertx.setPeriodic(STATUS_EVERY_MS, id -> pushStatus()));
    Future<Void> history = queries.loadRecent(live, topics.input(), clock.millis())
        .recover(e -> {
          LOG.info("dashboard starts without history: {}", e.toString());
          return Future.succeededFuture();
        });
    return vertx.executeBlocking(() -> new ProducerRuns(vertx, options, bootstrapServers, topics.input(),
            allowedLatenessMs, clock))
        .onSuccess(runs -> producerRuns = runs)
        .compose(runs -> Future.all(windows.completion(), status.completion(), history))
        .compose(v -> vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port())
                .setMaxWebSocketFrameSize(MAX_INBOUND_MESSAGE_BYTES)
                .setMaxWebSocketMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                // A fixed, modest kernel buffer per connection: a stuck browser holds little memory, and the
                // drop-oldest queue takes over soon.
                .setSendBufferSize(options.socketSendBufferBytes()))
            .requestHandler(router())
            .listen()
            .recover(e -> Future.failedFuture(new IllegalStateException("the dashboard cannot listen on "
                + options.host() + ":" + options.port() + " (dashboard.host, dashboard.port): " + e.getMessage(), e))))
        .onSuccess(s -> {
          server = s;
          originPolicy = new OriginPolicy(bind, s.actualPort(),
              options.allowedOrigins().stream().map(WebOrigin::parse).toList());
          LOG.info("dashboard at {}{}", url(), bind.wildcard() ? " (all interfaces)" : "");
          if (!bind.loopback() && options.apiToken().isEmpty()) {
            LOG.warn("dashboard listens on {}, beyond loopback, and no API token is set: POST and DELETE "
                + "/api/producer are refused; {}", options.host(), NOT_ON_LOOPBACK);
          }
        });
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    if (producerRuns != null) {
      producerRuns.close();
    }
    return Future.join(server == null ? Future.succeededFuture() : server.close(),
        kafkaAdmin == null ? Future.succeededFuture() : kafkaAdmin.close(),
        Future.join(consumers.stream().map(MessageConsumer::unregister).toList()));
  }

  /** The port the dashboard listens on (useful when configured as 0). */
  public int port() {
    return server.actualPort();
  }

  /** The address as bound, e.g. http://127.0.0.1:8080/, or http://0.0.0.0:8080/ for all interfaces. */
  public String url() {
    return WebOrigin.http(bind.host(), port()) + "/";
  }

  /** Whether the dashboard listens on every interface (0.0.0.0 or ::), not one address. */
  public boolean onAllInterfaces() {
    return bind.wildcard();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(this::securityHeaders).handler(this::requireOwnHost);
    // Checks that need no body come first: a refused request is answered before a byte of its body is read. They
    // are a route of their own because Vert.x wants a BodyHandler ahead of any other handler of its route.
    router.post("/api/producer").handler(this::requireOwnOrigin).handler(this::requireProducerApi)
        .handler(this::requireToken).handler(this::requireJson);
    router.post("/api/producer")
        .handler(BodyHandler.create(false).setBodyLimit(options.bodyLimitBytes()).setDeleteUploadedFilesOnEnd(true))
        .handler(this::startProducer);
    router.get("/api/producer/:id").handler(this::producerStatus);
    router.delete("/api/producer/:id").handler(this::requireOwnOrigin).handler(this::requireProducerApi)
        .handler(this::requireToken).handler(this::stopProducer);
    router.get("/api/windows/page-views").handler(this::pageViews);
    router.get("/api/windows/active-users").handler(this::activeUsers);
    router.route("/api/*").handler(ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().method() + " "
        + ctx.request().path()));
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(healthChecks()));
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.get("/ws").handler(this::upgrade);
    // Versioned paths: cached as immutable.
    router.get("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
    // The UI's own files keep their names from release to release: the browser revalidates them every time.
    router.route("/*").handler(ctx -> {
      ctx.addHeadersEndHandler(v -> ctx.response().headers().set(HttpHeaders.CACHE_CONTROL, "no-cache"));
      ctx.next();
    }).handler(StaticHandler.create("web"));
    router.route().handler(ctx -> error(ctx, 404, "nothing at " + ctx.request().method() + " "
        + shorten(ctx.request().path())));
    router.route().failureHandler(ctx -> {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      String message = status == 413 ? "request body larger than " + options.bodyLimitBytes() + " bytes"
          : status >= 500 ? "request failed; see the dashboard's log"
          : ctx.failure() != null ? ctx.failure().getMessage() : "request failed";
      if (status >= 500) {
        LOG.warn("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      }
      error(ctx, status, message);
    });
    return router;
  }

  // ---------------------------------------------------------------- request checks

  private void securityHeaders(RoutingContext ctx) {
    ctx.response().headers()
        .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  /** Against DNS rebinding: on loopback, only requests addressed to a loopback name (or an allowed origin). */
  private void requireOwnHost(RoutingContext ctx) {
    if (originPolicy == null) {
      error(ctx, 503, "the dashboard is starting");
      return;
    }
    HostAndPort authority = ctx.request().authority();
    String host = ctx.request().getHeader(HttpHeaders.HOST);
    if (authority == null && host == null) {
      ctx.next(); // HTTP/1.0 without Host: no browser sends that
      return;
    }
    if (authority != null && originPolicy.hostAllowed(authority.host(), authority.port())) {
      ctx.next();
      return;
    }
    error(ctx, 421, "this dashboard does not answer for host '" + shorten(host == null ? authority.toString() : host)
        + "'; add its origin to dashboard.allowed.origins to reach it under that name");
  }

  /** Against cross-site requests: a browser page may change state only from an allowed origin. */
  private void requireOwnOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null || originPolicy.originAllowed(origin)) {
      ctx.next();
      return;
    }
    error(ctx, 403, "requests from origin '" + shorten(origin) + "' are not allowed (dashboard.allowed.origins)");
  }

  /** Reachable from other hosts and no token: nobody can be told apart, so nobody may start or stop runs. */
  private void requireProducerApi(RoutingContext ctx) {
    if (!bind.loopback() && options.apiToken().isEmpty()) {
      error(ctx, 403, NOT_ON_LOOPBACK);
      return;
    }
    ctx.next();
  }

  /** JSON only: a cross-site form or a "simple" fetch cannot send it without a CORS preflight, which we never pass. */
  private void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if ("application/json".equals(mediaType)) {
      ctx.next();
      return;
    }
    error(ctx, 415, "POST /api/producer takes a JSON object with Content-Type: application/json"
        + (type == null ? "" : ", not '" + shorten(type) + "'"));
  }

  // ---------------------------------------------------------------- live push

  private void onWindowUpdate(JsonObject update) {
    switch (update.getString("type", "")) {
      case PageViewUpdate.TYPE -> live.pageCounts(PageViewUpdate.from(update));
      case "activeUsers" -> live.activeUsers(update.getJsonArray("rows"));
      default -> {
        LOG.debug("unknown window update {}", update.getString("type"));
        return;
      }
    }
    if (!pushScheduled && !browsers.isEmpty()) {
      pushScheduled = true;
      vertx.setTimer(PUSH_COALESCE_MS, id -> {
        pushScheduled = false;
        pushWindows();
      });
    }
  }

  private void pushWindows() {
    if (browsers.isEmpty()) {
      live.discardChanges(); // a browser that connects gets a snapshot
      return;
    }
    JsonArray pages = live.drainChangedPages();
    if (!pages.isEmpty()) {
      broadcast(new JsonObject().put("type", "pageViews").put("rows", pages).encode());
    }
    JsonArray users = live.drainChangedActiveUsers();
    if (!users.isEmpty()) {
      broadcast(new JsonObject().put("type", "activeUsers").put("rows", users).encode());
    }
  }

  private void pushStatus() {
    long now = clock.millis();
    live.evict(now);
    broadcast(cluster.toJson(now).encode());
    publishClusterMetrics(now);
  }

  /**
   * The whole cluster in this dashboard's {@code /metrics}, from the heartbeats: a node without a dashboard has no
   * HTTP server, and a scrape of any dashboard should tell how the partitions are spread and how often they moved.
   */
  private void publishClusterMetrics(long now) {
    List<ClusterStatus.Node> up = cluster.nodes(now);
    nodesUp.set(up.size());
    List<MultiGauge.Row<?>> partitions = new ArrayList<>();
    List<MultiGauge.Row<?>> rebalances = new ArrayList<>();
    for (ClusterStatus.Node n : up) {
      partitions.add(MultiGauge.Row.of(Tags.of("node", n.name()), n.partitions()));
      n.rebalances().forEach((change, count) -> rebalances.add(
          MultiGauge.Row.of(Tags.of("node", n.name(), "change", change), count)));
    }
    nodePartitions.register(partitions, true);
    nodeRebalances.register(rebalances, true);
  }

  private void broadcast(String message) {
    for (BrowserChannel b : browsers) {
      int dropped = b.send(message);
      if (dropped > 0) {
        droppedMessages.increment(dropped);
      }
    }
  }

  private void upgrade(RoutingContext ctx) {
    if (!ctx.request().canUpgradeToWebSocket()) {
      error(ctx, 400, "/ws is the dashboard's WebSocket: it needs an Upgrade: websocket request");
      return;
    }
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !originPolicy.originAllowed(origin)) {
      error(ctx, 403, "WebSocket from origin '" + shorten(origin) + "' is not allowed (dashboard.allowed.origins)");
      return;
    }
    ctx.request().toWebSocket().onSuccess(this::onBrowser)
        .onFailure(e -> error(ctx, 400, "WebSocket handshake failed: " + e.getMessage()));
  }

  private void onBrowser(ServerWebSocket ws) {
    BrowserChannel channel = new BrowserChannel(ws, options.browserBufferMessages());
    JsonObject snapshot = live.snapshot().put("type", "snapshot").put("status", cluster.toJson(clock.millis()));
    channel.send(snapshot.encode());
    browsers.add(channel);
    InboundMessages inbound = new InboundMessages(MAX_INBOUND_MESSAGE_BYTES);
    ws.frameHandler(frame -> {
      if (frame.isText() || frame.isBinary() || frame.isContinuation()) {
        InboundMessages.Verdict verdict = inbound.frame(frame.isText(), frame.isContinuation(), frame.isFinal(),
            frame.binaryData().getBytes());
        if (verdict != InboundMessages.Verdict.CARRY_ON) {
          drop(ws, channel, verdict.closeCode, verdict.name());
        }
      }
    });
    ws.closeHandler(v -> browsers.remove(channel));
    // Netty reports a frame beyond the frame limit (and other protocol errors) here, and then ignores the socket's
    // input: close it, with the code the error calls for.
    ws.exceptionHandler(e -> drop(ws, channel,
        e instanceof CorruptedWebSocketFrameException c ? (short) c.closeStatus().code() : (short) 1011,
        e.getMessage()));
  }

  private void drop(ServerWebSocket ws, BrowserChannel channel, short code, String reason) {
    browsers.remove(channel);
    if (!ws.isClosed()) {
      LOG.info("closing a dashboard WebSocket from {} with {}: {}", ws.remoteAddress(), code, reason);
      ws.close(code);
    }
  }

  // ---------------------------------------------------------------- REST

  private void requireToken(RoutingContext ctx) {
    if (options.apiToken().isEmpty()) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    String expected = "Bearer " + options.apiToken().get();
    if (header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    error(ctx, 401, header == null ? "this endpoint needs 'Authorization: Bearer <PULSE_API_TOKEN>'"
        : "wrong API token");
  }

  private void startProducer(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      error(ctx, 400, "body is not a JSON object");
      return;
    }
    if (body == null) {
      error(ctx, 400, "body must be a JSON object");
      return;
    }
    try {
      JsonObject run = producerRuns.start(body);
      ctx.response().putHeader("Location", "/api/producer/" + run.getString("id"));
      json(ctx, 202, run);
    } catch (ProducerRuns.Refused e) {
      error(ctx, e.status, e.getMessage());
    }
  }

  private void producerStatus(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    producerRuns.status(id).ifPresentOrElse(s -> json(ctx, 200, s), () -> error(ctx, 404, "no producer run " + id));
  }

  private void stopProducer(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    producerRuns.stop(id).ifPresentOrElse(s -> json(ctx, 200, s), () -> error(ctx, 404, "no producer run " + id));
  }

  private void pageViews(RoutingContext ctx) {
    Instant[] range = range(ctx);
    if (range == null) {
      return;
    }
    String url = ctx.request().getParam("url");
    if (url != null && url.length() > MAX_URL_CHARS) {
      error(ctx, 400, "url is longer than " + MAX_URL_CHARS + " characters, the longest page_url Pulse keeps");
      return;
    }
    if (url != null && url.indexOf('\u0000') >= 0) {
      error(ctx, 400, "url must not contain a NUL character");
      return;
    }
    queries.pageViews(range[0], range[1], url).onComplete(ar -> answer(ctx, range, ar));
  }

  private void answer(RoutingContext ctx, Instant[] range, AsyncResult<JsonArray> ar) {
    if (ar.succeeded()) {
      json(ctx, 200, new JsonObject().put("from", range[0].toString()).put("to", range[1].toString())
          .put("rows", ar.result()));
    } else {
      // The database's own words stay in the log: they are for the operator, not for any caller.
      LOG.warn("window query {} failed: {}", ctx.request().uri(), ar.cause().toString());
      error(ctx, 503, "the window store (PostgreSQL) cannot answer now; see the dashboard's log");
    }
  }

  private void activeUsers(RoutingContext ctx) {
    Instant[] range = range(ctx);
    if (range == null) {
      return;
    }
    queries.activeUsers(range[0], range[1]).onComplete(ar -> answer(ctx, range, ar));
  }

  /** from and to as ISO-8601 instants or epoch milliseconds; by default the last hour. */
  private Instant[] range(RoutingContext ctx) {
    Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    try {
      Instant to = time("to", ctx.request().getParam("to"), now);
      Instant from = time("from", ctx.request().getParam("from"), to.minus(Duration.ofHours(1)));
      if (!from.isBefore(to)) {
        error(ctx, 400, "from must be before to");
        return null;
      }
      if (Duration.between(from, to).compareTo(MAX_QUERY_SPAN) > 0) {
        error(ctx, 400, "from and to may be at most " + MAX_QUERY_SPAN.toDays() + " days apart");
        return null;
      }
      return new Instant[] {from, to};
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return null;
    }
  }

  private static Instant time(String name, String raw, Instant dflt) {
    Instant t;
    if (raw == null || raw.isBlank()) {
      t = dflt;
    } else {
      try {
        t = raw.chars().allMatch(c -> c >= '0' && c <= '9') ? Instant.ofEpochMilli(Long.parseLong(raw))
            : Instant.parse(raw);
      } catch (DateTimeException | NumberFormatException e) {
        throw new IllegalArgumentException(name + " '" + shorten(raw)
            + "' is not an ISO-8601 instant or epoch milliseconds");
      }
    }
    if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
      throw new IllegalArgumentException(name + " must lie between " + EARLIEST + " and " + LATEST + ", not " + t);
    }
    return t;
  }

  private static String shorten(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  private static String dependencyError(Throwable cause) {
    return cause instanceof TimeoutException
        ? "no answer within " + DEPENDENCY_ANSWER_MS / 1000 + " s" : String.valueOf(cause.getMessage());
  }

  private HealthChecks healthChecks() {
    HealthChecks checks = HealthChecks.create(vertx);
    // A dependency that does not answer is DOWN (503): its call must give up before the check's own timeout,
    // which would fail the check instead (500, "procedure-execution-failure", and no reason).
    checks.register("kafka", CHECK_TIMEOUT_MS, p -> kafkaAdmin.describeCluster()
        .timeout(DEPENDENCY_ANSWER_MS, TimeUnit.MILLISECONDS).onComplete(ar -> p.complete(ar.succeeded()
            ? Status.OK(new JsonObject().put("brokers", ar.result().getNodes().size()))
            : Status.KO(new JsonObject().put("error", dependencyError(ar.cause()))))));
    checks.register("postgresql", CHECK_TIMEOUT_MS, p -> pool.query("SELECT 1").execute()
        .timeout(DEPENDENCY_ANSWER_MS, TimeUnit.MILLISECONDS).onComplete(ar -> p.complete(ar.succeeded()
            ? Status.OK() : Status.KO(new JsonObject().put("error", dependencyError(ar.cause()))))));
    // Anything that keeps a partition, a sink or a dependency from progressing, on any node: 503 with the reasons.
    checks.register("pipeline", 5_000, p -> {
      JsonArray problems = cluster.problems(clock.millis());
      p.complete(new Status().setOk(problems.isEmpty()).setData(new JsonObject().put("problems", problems)));
    });
    checks.register("cluster", 5_000, p -> {
      boolean self = cluster.isUp(nodeName, clock.millis());
      JsonObject data = cluster.toJson(clock.millis());
      p.complete(new Status().setOk(self).setData(new JsonObject().put("nodes", data.getJsonArray("nodes"))));
    });
    return checks;
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void error(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    json(ctx, status, new JsonObject().put("error", message).put("status", status));
  }
}
