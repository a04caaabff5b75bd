package dev.pulse.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterStatusTest {

  private static final long T0 = 1_000_000L;

  private static JsonObject heartbeat(String node, long time, List<String> partitions, JsonObject rebalances) {
    return new JsonObject().put("node", node).put("time", time).put("roles", new JsonArray().add("ingest"))
        .put("partitions", new JsonArray(List.copyOf(partitions)))
        .put("counters", new JsonObject().put("recordsRead", 0L).put("rebalances", rebalances));
  }

  @Test
  void eachNodeIsListedWithItsPartitionsAndRebalancesFromItsLastHeartbeat() {
    ClusterStatus status = new ClusterStatus();
    status.heartbeat(heartbeat("worker-1", T0, List.of("t-0", "t-1", "t-2"), new JsonObject().put("assigned", 3L)),
        T0);
    status.heartbeat(heartbeat("worker-2", T0, List.of(), new JsonObject()), T0);
    status.heartbeat(heartbeat("worker-2", T0 + 1_000, List.of("t-2"), new JsonObject().put("assigned", 1L)),
        T0 + 1_000);
    status.heartbeat(heartbeat("worker-1", T0 + 1_000, List.of("t-0", "t-1"),
        new JsonObject().put("assigned", 3L).put("revoked", 1L)), T0 + 1_000);

    assertEquals(List.of(
            new ClusterStatus.Node("worker-1", 2, Map.of("assigned", 3L, "revoked", 1L)),
            new ClusterStatus.Node("worker-2", 1, Map.of("assigned", 1L))),
        status.nodes(T0 + 1_500));
  }

  @Test
  void aNodeSilentForFiveSecondsIsNoLongerListed() {
    ClusterStatus status = new ClusterStatus();
    status.heartbeat(heartbeat("worker-1", T0, List.of("t-0"), new JsonObject()), T0);
    status.heartbeat(heartbeat("worker-2", T0 + 3_000, List.of("t-1"), new JsonObject()), T0 + 3_000);

    assertEquals(List.of("worker-1", "worker-2"), status.nodes(T0 + 5_000).stream().map(ClusterStatus.Node::name)
        .toList());
    assertEquals(List.of("worker-2"), status.nodes(T0 + 5_001).stream().map(ClusterStatus.Node::name).toList());
  }
}
