package dev.pulse.common.config;

import dev.pulse.common.Role;
import dev.pulse.common.Sink;
import dev.pulse.common.Topics;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** What this node is: its roles, namespace and name. */
public record NodeOptions(Set<Role> roles, String namespace, String nodeName, Topics topics) {

  public NodeOptions {
    roles = Set.copyOf(roles);
  }

  public static NodeOptions from(PulseConfig config) {
    List<String> names = config.list("roles");
    if (names.isEmpty()) {
      throw config.fail("roles", "no roles given; choose from " + allRoleIds());
    }
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (String name : names) {
      roles.add(Role.byId(name).orElseThrow(() -> config.fail("roles",
          "unknown role '" + name + "'; choose from " + allRoleIds())));
    }
    boolean hasSink = roles.stream().anyMatch(r -> r.sink().isPresent());
    if (hasSink && !roles.contains(Role.INGEST)) {
      throw config.fail("roles", "the sinks " + sinkIds(roles)
          + " process the partitions the node's own ingest owns, so they need the role ingest too");
    }
    if (roles.contains(Role.INGEST) && !hasSink) {
      throw config.fail("roles", "ingest needs at least one sink on the same node (aggregator, lake-writer, enricher)");
    }
    String namespace = config.string("pulse.namespace");
    if (!Topics.isValidNamespace(namespace)) {
      throw config.fail("pulse.namespace", "'" + namespace + "' may hold only letters, digits, _ and - (at most 40)");
    }
    String nodeName = config.optional("node.name").orElseGet(NodeOptions::defaultNodeName);
    return new NodeOptions(roles, namespace, nodeName, Topics.forNamespace(namespace));
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /** The sinks this node's ingest hands its batches to. */
  public List<Sink> sinks() {
    return roles.stream().flatMap(r -> r.sink().stream()).sorted().toList();
  }

  private static String allRoleIds() {
    return EnumSet.allOf(Role.class).stream().map(Role::id).collect(Collectors.joining(", "));
  }

  private static String sinkIds(Set<Role> roles) {
    return roles.stream().filter(r -> r.sink().isPresent()).map(Role::id).collect(Collectors.joining(", "));
  }

  private static String defaultNodeName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "node";
    }
    return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
  }
}
