package dev.pulse.common;

/**
 * Every event-bus address Pulse uses. Node-local addresses carry records by reference (see
 * {@link dev.pulse.common.bus.LocalRecordCodec}); cluster-wide ones carry JSON.
 */
public final class Addresses {

  /** Node-local: a sink reports the offset up to which its output is durable ({@code SinkProgress}). */
  public static final String SINK_PROGRESS = "pulse.ingest.progress";

  /** Cluster-wide publish: window results as they change (JSON), for dashboards on any node. */
  public static final String WINDOW_UPDATES = "pulse.windows.updates";

  /** Cluster-wide publish: each node's roles and counters, every second (JSON), for dashboards and health. */
  public static final String NODE_STATUS = "pulse.nodes.status";

  private Addresses() {
  }

  /** Node-local request: open a partition, reply with where the sink's durable output ends ({@code SinkCheckpoint}). */
  public static String sinkOpen(Sink sink) {
    return "pulse.sink." + sink.id() + ".open";
  }

  /** Node-local request: apply an {@code EventBatch}; the reply means the sink has taken it over. */
  public static String sinkBatch(Sink sink) {
    return "pulse.sink." + sink.id() + ".batch";
  }

  /**
   * Node-local request: the input partition was recreated (its log ends before the sink's checkpoint); start the
   * sink's progress for it again at offset 0, keeping what it has stored, and reply with the new
   * {@code SinkCheckpoint}. Sent only to a sink that has the partition open.
   */
  public static String sinkReset(Sink sink) {
    return "pulse.sink." + sink.id() + ".reset";
  }

  /** Node-local request: make the partition durable and give it up; reply with the final {@code SinkCheckpoint}. */
  public static String sinkClose(Sink sink) {
    return "pulse.sink." + sink.id() + ".close";
  }
}
