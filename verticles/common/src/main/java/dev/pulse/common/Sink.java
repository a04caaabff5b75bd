package dev.pulse.common;

import java.util.Arrays;
import java.util.Optional;

/** The consumers of ingest's batches. Each one runs next to the ingest that owns the partition. */
public enum Sink {
  AGGREGATOR("aggregator"),
  LAKE_WRITER("lake-writer"),
  ENRICHER("enricher");

  private final String id;

  Sink(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Optional<Sink> byId(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
  }
}
