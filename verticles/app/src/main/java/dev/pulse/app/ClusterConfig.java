package dev.pulse.app;

import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import dev.pulse.common.config.ClusterOptions;

/** The Hazelcast configuration of {@code conf/hazelcast.xml}, with what Pulse's own config decides. */
final class ClusterConfig {

  private ClusterConfig() {
  }

  static Config hazelcast(ClusterOptions cluster) {
    Config config = new ClasspathXmlConfig("hazelcast.xml");
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(cluster.joinWaitSeconds()));
    NetworkConfig network = config.getNetworkConfig();
    if (cluster.loopback()) {
      // Several nodes on one machine: bind, announce and multicast on loopback only.
      config.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
      network.getJoin().getMulticastConfig().setLoopbackModeEnabled(true);
    } else {
      network.setPublicAddress(cluster.host());
    }
    return config;
  }
}
