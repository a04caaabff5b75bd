package dev.pulse.app;

import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import dev.pulse.common.config.ClusterOptions;
import dev.pulse.common.config.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** The Hazelcast configuration of {@code conf/hazelcast.xml}, with what Pulse's own config decides. */
final class ClusterConfig {

  private ClusterConfig() {
  }

  private static String address(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException("cluster.host", "cluster.host=" + host + " is not an address of this machine: "
          + e.getMessage());
    }
  }

  static Config hazelcast(ClusterOptions cluster) {
    Config config = new ClasspathXmlConfig("hazelcast.xml");
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(cluster.joinWaitSeconds()));
    NetworkConfig network = config.getNetworkConfig();
    if (cluster.listedMembers()) {
      // Members named (host or host:port): found over TCP, where multicast does not reach or is not wanted.
      network.getJoin().getMulticastConfig().setEnabled(false);
      network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    }
    if (cluster.loopback()) {
      // Several nodes on one machine, each on its own loopback address (127.0.0.1, 127.0.0.2, ...): bind,
      // announce and multicast on that address only.
      String ip = address(cluster.host());
      config.setProperty("hazelcast.socket.bind.any", "false");
      config.setProperty("hazelcast.local.localAddress", ip);
      network.getInterfaces().setEnabled(true).addInterface(ip);
      network.getJoin().getMulticastConfig().setLoopbackModeEnabled(true);
    } else {
      network.setPublicAddress(cluster.host());
    }
    return config;
  }
}
