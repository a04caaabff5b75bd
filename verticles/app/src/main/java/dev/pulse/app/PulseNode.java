package dev.pulse.app;

import dev.pulse.common.Blocking;
import dev.pulse.aggregator.AggregatorOptions;
import dev.pulse.aggregator.AggregatorVerticle;
import dev.pulse.aggregator.WindowStore;
import dev.pulse.common.Role;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.status.NodeStatusVerticle;
import dev.pulse.dashboard.DashboardOptions;
import dev.pulse.dashboard.DashboardVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import dev.pulse.enricher.EnricherOptions;
import dev.pulse.enricher.EnricherVerticle;
import dev.pulse.lake.LakeFence;
import dev.pulse.lake.LakeOptions;
import dev.pulse.lake.LakeWriterVerticle;
import dev.pulse.common.bus.LocalRecords;
import dev.pulse.common.config.KafkaOptions;
import dev.pulse.common.config.NodeOptions;
import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.common.config.WatermarkOptions;
import dev.pulse.ingest.IngestOptions;
import dev.pulse.ingest.IngestVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import dev.pulse.common.config.ClusterOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Pulse node: a Vert.x instance with the verticles its roles ask for. Starting it validates the whole
 * configuration first, so a bad value fails before anything is deployed.
 */
public final class PulseNode {

  private static final Logger LOG = LoggerFactory.getLogger(PulseNode.class);
  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration CLOSE_AFTER_FAILURE_TIMEOUT = Duration.ofSeconds(15);

  private final Vertx vertx;
  private final Pool pool;
  private final List<String> deployments;
  private final NodeOptions node;
  private final PipelineMetrics metrics;
  private final DashboardVerticle dashboard;

  private PulseNode(Vertx vertx, Pool pool, List<String> deployments, NodeOptions node, PipelineMetrics metrics,
      DashboardVerticle dashboard) {
    this.vertx = vertx;
    this.pool = pool;
    this.deployments = deployments;
    this.node = node;
    this.metrics = metrics;
    this.dashboard = dashboard;
  }

  /**
   * Reads every setting a node of this configuration will use, so that a bad value stops start-up before
   * anything is started.
   *
   * @throws dev.pulse.common.config.ConfigException naming the first bad key
   */
  public static void checkConfig(PulseConfig config) {
    NodeOptions node = NodeOptions.from(config);
    KafkaOptions.from(config);
    PgOptions.from(config);
    IngestOptions.from(config, node.namespace());
    AggregatorOptions.from(config);
    WatermarkOptions.from(config);
    LakeOptions.from(config);
    EnricherOptions.from(config, node.namespace());
    DashboardOptions.from(config);
    ClusterOptions.from(config, node.namespace());
  }

  /** Validates the configuration, creates topics, deploys the verticles; blocks until they run. */
  public static PulseNode start(PulseConfig config, Endpoints endpoints, VertxOptions vertxOptions, Clock clock) {
    checkConfig(config);
    NodeOptions node = NodeOptions.from(config);
    KafkaOptions kafka = KafkaOptions.from(config);
    IngestOptions ingest = node.has(Role.INGEST) ? IngestOptions.from(config, node.namespace()) : null;
    AggregatorOptions aggregator = node.has(Role.AGGREGATOR) ? AggregatorOptions.from(config) : null;
    PgOptions pg = endpoints.pg();

    if (node.has(Role.INGEST)) {
      TopicSetup.ensure(endpoints.kafkaBootstrap(), node.topics(), kafka.partitions(), kafka.replicationFactor());
      if (IngestOptions.PROTOCOL_AUTO.equals(ingest.groupProtocol())) {
        ingest = ingest.withGroupProtocol(TopicSetup.supportsConsumerGroupProtocol(endpoints.kafkaBootstrap())
            ? IngestOptions.PROTOCOL_CONSUMER : IngestOptions.PROTOCOL_CLASSIC);
      }
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ClusterOptions cluster = ClusterOptions.from(config, node.namespace());
    VertxOptions options = new VertxOptions(vertxOptions)
        // JVM metrics (heap, GC, threads) let an operator see a leak in /metrics, as the soak test does
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    Vertx vertx;
    if (cluster.enabled()) {
      options.getEventBusOptions().setHost(cluster.host()).setPort(0);
      vertx = Blocking.await(builder.with(options)
          .withClusterManager(new HazelcastClusterManager(ClusterConfig.hazelcast(cluster)))
          .buildClustered(), START_TIMEOUT);
      LOG.info("joined cluster '{}' on {}", cluster.name(), cluster.host());
    } else {
      vertx = builder.with(options).build();
    }
    LocalRecords.registerCodecs(vertx);
    PipelineMetrics metrics = new PipelineMetrics(registry);
    Pool pool = null;
    List<String> deployments = new ArrayList<>();
    DashboardVerticle dashboard = null;
    try {
      if (aggregator != null || node.has(Role.DASHBOARD) || node.has(Role.LAKE_WRITER)) {
        pool = PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(pg.poolSize()))
            .connectingTo(new PgConnectOptions()
                .setHost(pg.host()).setPort(pg.port()).setDatabase(pg.database())
                .setUser(pg.user()).setPassword(pg.password())
                .setReconnectAttempts(2).setReconnectInterval(500)
                // a node frozen or cut off inside a transaction must not hold its locks (the fences) for hours
                .addProperty("idle_in_transaction_session_timeout",
                    String.valueOf(pg.idleTransactionTimeout().toMillis())))
            .using(vertx)
            .build();
      }
      deployments.add(Blocking.await(vertx.deployVerticle(new NodeStatusVerticle(node.nodeName(), node.roles(),
          metrics, clock, Duration.ofSeconds(1))), START_TIMEOUT));
      if (aggregator != null) {
        WindowStore store = new WindowStore(pool, pg.schema(), node.topics().input(), aggregator.hllLgK());
        deployments.add(Blocking.await(vertx.deployVerticle(
            new AggregatorVerticle(aggregator, store, clock, node.nodeName(), metrics),
            new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP)), START_TIMEOUT));
      }
      if (node.has(Role.LAKE_WRITER)) {
        // Parquet encoding and file I/O block: the lake-writer runs on a worker thread.
        deployments.add(Blocking.await(vertx.deployVerticle(new LakeWriterVerticle(LakeOptions.from(config),
            new LakeFence(vertx, pool, pg.schema()), node.nodeName(), clock, metrics),
            new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)), START_TIMEOUT));
      }
      if (node.has(Role.ENRICHER)) {
        deployments.add(Blocking.await(vertx.deployVerticle(new EnricherVerticle(
            EnricherOptions.from(config, node.namespace()), endpoints.kafkaBootstrap(), node.topics(), clock, metrics)),
            START_TIMEOUT));
      }
      if (ingest != null) {
        deployments.add(Blocking.await(vertx.deployVerticle(new IngestVerticle(ingest, WatermarkOptions.from(config),
            endpoints.kafkaBootstrap(),
            node.topics(), node.sinks(), clock, node.nodeName(), metrics)), START_TIMEOUT));
      }
      if (node.has(Role.DASHBOARD)) {
        dashboard = new DashboardVerticle(DashboardOptions.from(config), pool, pg.schema(),
            endpoints.kafkaBootstrap(), node.topics(), WatermarkOptions.from(config).allowedLateness().toMillis(),
            registry, clock, node.nodeName());
        deployments.add(Blocking.await(vertx.deployVerticle(dashboard), START_TIMEOUT));
      }
    } catch (RuntimeException e) {
      LOG.error("node start failed: {}", e.getMessage());
      closeAfterFailedStart(vertx, pool);
      throw e;
    }
    LOG.info("node {} runs {}", node.nodeName(), node.roles().stream().map(Role::id).sorted().toList());
    return new PulseNode(vertx, pool, deployments, node, metrics, dashboard);
  }

  /**
   * Releases what a failed start had opened. Nothing is chained on Vert.x's close: its completion is emitted on
   * an event loop that is already gone, so a continuation would never run and the start would hang.
   */
  private static void closeAfterFailedStart(Vertx vertx, Pool pool) {
    try {
      if (pool != null) {
        Blocking.await(pool.close(), CLOSE_AFTER_FAILURE_TIMEOUT);
      }
      Blocking.await(vertx.close(), CLOSE_AFTER_FAILURE_TIMEOUT);
    } catch (RuntimeException closeFailure) {
      LOG.warn("closing after the failed start: {}", closeFailure.toString());
    }
  }

  /** Undeploys in reverse order (ingest first, so the sinks get to write what they hold), then closes. */
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.transform(ar -> vertx.undeploy(id).recover(e -> {
        LOG.warn("undeploying {} failed: {}", id, e.toString());
        return Future.succeededFuture();
      }));
    }
    return chain
        .transform(ar -> pool == null ? Future.<Void>succeededFuture() : pool.close())
        .transform(ar -> vertx.close());
  }

  public Vertx vertx() {
    return vertx;
  }

  public NodeOptions options() {
    return node;
  }

  public PipelineMetrics metrics() {
    return metrics;
  }

  /**
   * The address this node's dashboard is bound to, if it runs one: what was configured (0.0.0.0 stays 0.0.0.0, see
   * {@link #dashboardOnAllInterfaces()}) with the port it got.
   */
  public java.util.Optional<String> dashboardUrl() {
    return dashboard == null ? java.util.Optional.empty() : java.util.Optional.of(dashboard.url());
  }

  /** Whether the dashboard listens on every interface (0.0.0.0 or ::), so other hosts reach it too. */
  public boolean dashboardOnAllInterfaces() {
    return dashboard != null && dashboard.onAllInterfaces();
  }

  /** The dashboard's port, if this node runs one. */
  public java.util.OptionalInt dashboardPort() {
    return dashboard == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(dashboard.port());
  }
}
