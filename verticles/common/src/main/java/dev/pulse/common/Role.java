package dev.pulse.common;

import java.util.Arrays;
import java.util.Optional;

/** What a node runs, chosen by {@code PULSE_ROLES} / {@code --roles}. */
public enum Role {
  INGEST("ingest"),
  AGGREGATOR("aggregator"),
  LAKE_WRITER("lake-writer"),
  ENRICHER("enricher"),
  DASHBOARD("dashboard"),
  PRODUCER("producer");

  private final String id;

  Role(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Optional<Role> byId(String id) {
    return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
  }

  /** The sink this role provides to ingest, if it is one. */
  public Optional<Sink> sink() {
    return Sink.byId(id);
  }
}
