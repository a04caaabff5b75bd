package dev.pulse.common.status;

import dev.pulse.common.Addresses;
import dev.pulse.common.Role;
import dev.pulse.common.metrics.PipelineMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Set;

/**
 * Every node's heartbeat: its name, roles and pipeline counters, published cluster-wide every interval.
 * Dashboards list the nodes that are up and turn the counters into rates.
 */
public final class NodeStatusVerticle extends VerticleBase {

  private final String nodeName;
  private final Set<Role> roles;
  private final PipelineMetrics metrics;
  private final Clock clock;
  private final Duration interval;
  private long timerId = -1;

  public NodeStatusVerticle(String nodeName, Set<Role> roles, PipelineMetrics metrics, Clock clock,
      Duration interval) {
    this.nodeName = nodeName;
    this.roles = Set.copyOf(roles);
    this.metrics = metrics;
    this.clock = clock;
    this.interval = interval;
  }

  @Override
  public Future<?> start() {
    publish();
    timerId = vertx.setPeriodic(interval.toMillis(), id -> publish());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }

  private void publish() {
    JsonArray roleIds = new JsonArray();
    roles.stream().map(Role::id).sorted().forEach(roleIds::add);
    vertx.eventBus().publish(Addresses.NODE_STATUS, new JsonObject()
        .put("node", nodeName)
        .put("roles", roleIds)
        .put("time", clock.millis())
        .put("partitions", new JsonArray(new ArrayList<Object>(metrics.ownedPartitions())))
        .put("counters", metrics.snapshot()));
  }
}
