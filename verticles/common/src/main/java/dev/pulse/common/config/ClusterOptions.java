package dev.pulse.common.config;

/** Whether and how a node joins the Hazelcast cluster. */
public record ClusterOptions(boolean enabled, String name, String host, int joinWaitSeconds) {

  public static ClusterOptions from(PulseConfig config, String namespace) {
    String name = config.required("cluster.name");
    return new ClusterOptions(
        config.bool("cluster.enabled"),
        namespace.isEmpty() ? name : name + "-" + namespace,
        config.required("cluster.host"),
        config.intIn("cluster.join.wait", 0, 60));
  }

  public boolean loopback() {
    return host.startsWith("127.") || host.equals("localhost") || host.equals("::1");
  }
}
