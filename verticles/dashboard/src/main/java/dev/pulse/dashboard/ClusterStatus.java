package dev.pulse.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nodes that are up and the pipeline's rates, from the nodes' status heartbeats. Rates are the change of
 * each node's counters between its two latest heartbeats, summed over nodes. No clock inside.
 */
public final class ClusterStatus {

  /** A node silent for this long is shown as gone. */
  public static final long NODE_TIMEOUT_MS = 5_000;

  private record Beat(JsonObject status, long receivedAt, JsonObject rates) {
  }

  private final Map<String, Beat> nodes = new TreeMap<>();

  public void heartbeat(JsonObject status, long now) {
    String node = status.getString("node");
    Beat previous = nodes.get(node);
    JsonObject rates = new JsonObject();
    JsonObject counters = status.getJsonObject("counters", new JsonObject());
    if (previous != null) {
      JsonObject before = previous.status().getJsonObject("counters", new JsonObject());
      double seconds = Math.max(0.001, (status.getLong("time") - previous.status().getLong("time")) / 1000.0);
      rates.put("in", Math.max(0, counters.getLong("recordsRead", 0L) - before.getLong("recordsRead", 0L)) / seconds);
      JsonObject sinks = counters.getJsonObject("sinkEvents", new JsonObject());
      JsonObject sinksBefore = before.getJsonObject("sinkEvents", new JsonObject());
      JsonObject out = new JsonObject();
      for (String sink : sinks.fieldNames()) {
        out.put(sink, Math.max(0, sinks.getLong(sink) - sinksBefore.getLong(sink, 0L)) / seconds);
      }
      rates.put("out", out);
    }
    nodes.put(node, new Beat(status, now, rates));
  }

  private void forgetSilentNodes(long now) {
    nodes.values().removeIf(b -> now - b.receivedAt() > NODE_TIMEOUT_MS);
  }

  /** One node that is up, as its last heartbeat described it. */
  public record Node(String name, int partitions, Map<String, Long> rebalances) {
  }

  /** The nodes that are up, by name: how many partitions each owns, and its rebalances since it started. */
  public List<Node> nodes(long now) {
    forgetSilentNodes(now);
    List<Node> out = new ArrayList<>();
    for (Beat b : nodes.values()) {
      JsonObject counts = b.status().getJsonObject("counters", new JsonObject())
          .getJsonObject("rebalances", new JsonObject());
      Map<String, Long> rebalances = new TreeMap<>();
      counts.fieldNames().forEach(change -> rebalances.put(change, counts.getLong(change)));
      out.add(new Node(b.status().getString("node"), b.status().getJsonArray("partitions", new JsonArray()).size(),
          rebalances));
    }
    return out;
  }

  /** The status message browsers get every second. */
  public JsonObject toJson(long now) {
    forgetSilentNodes(now);
    JsonArray nodeList = new JsonArray();
    double in = 0;
    JsonObject out = new JsonObject();
    long lag = 0;
    long late = 0;
    long dead = 0;
    long valid = 0;
    JsonObject byReason = new JsonObject();
    for (Beat b : nodes.values()) {
      nodeList.add(new JsonObject().put("name", b.status().getString("node"))
          .put("roles", b.status().getJsonArray("roles", new JsonArray()))
          .put("partitions", b.status().getJsonArray("partitions", new JsonArray())).put("lastSeen", b.receivedAt()));
      in += b.rates().getDouble("in", 0.0);
      JsonObject nodeOut = b.rates().getJsonObject("out", new JsonObject());
      for (String sink : nodeOut.fieldNames()) {
        out.put(sink, out.getDouble(sink, 0.0) + nodeOut.getDouble(sink));
      }
      JsonObject c = b.status().getJsonObject("counters", new JsonObject());
      lag += c.getLong("lag", 0L);
      late += c.getLong("lateEvents", 0L);
      dead += c.getLong("deadLettered", 0L);
      valid += c.getLong("validEvents", 0L);
      JsonObject reasons = c.getJsonObject("deadLetteredByReason", new JsonObject());
      for (String reason : reasons.fieldNames()) {
        byReason.put(reason, byReason.getLong(reason, 0L) + reasons.getLong(reason));
      }
    }
    return new JsonObject().put("type", "status").put("time", now).put("nodes", nodeList)
        .put("eventsInPerSec", in).put("eventsOutPerSec", out).put("lag", lag).put("lateEvents", late)
        .put("deadLettered", dead).put("validEvents", valid).put("deadLetteredByReason", byReason);
  }

  /**
   * The problems every node that is up reported in its last heartbeat (see {@code Problems}), each with the
   * node's name: what keeps the pipeline from progressing anywhere in the cluster.
   */
  public JsonArray problems(long now) {
    JsonArray out = new JsonArray();
    for (Beat b : nodes.values()) {
      if (now - b.receivedAt() > NODE_TIMEOUT_MS) {
        continue;
      }
      JsonArray reported = b.status().getJsonObject("counters", new JsonObject()).getJsonArray("problems",
          new JsonArray());
      for (int i = 0; i < reported.size(); i++) {
        out.add(new JsonObject().put("node", b.status().getString("node")).mergeIn(reported.getJsonObject(i)));
      }
    }
    return out;
  }

  public boolean isUp(String node, long now) {
    Beat b = nodes.get(node);
    return b != null && now - b.receivedAt() <= NODE_TIMEOUT_MS;
  }
}
