package dev.pulse.common.config;

import java.util.List;

/** Whether and how a node joins the Hazelcast cluster. */
public record ClusterOptions(boolean enabled, String name, String host, int joinWaitSeconds, List<String> members) {

  public static ClusterOptions from(PulseConfig config, String namespace) {
    String name = config.required("cluster.name");
    return new ClusterOptions(
        config.bool("cluster.enabled"),
        namespace.isEmpty() ? name : name + "-" + namespace,
        config.required("cluster.host"),
        config.intIn("cluster.join.wait", 0, 60),
        config.list("cluster.members"));
  }

  /** Whether members are listed (TCP join) rather than found by multicast. */
  public boolean listedMembers() {
    return !members.isEmpty();
  }

  public boolean loopback() {
    return host.startsWith("127.") || host.equals("localhost") || host.equals("::1");
  }
}
