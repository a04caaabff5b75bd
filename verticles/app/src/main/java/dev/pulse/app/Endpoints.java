package dev.pulse.app;

import dev.pulse.common.config.PgOptions;

/** Where the node finds Kafka and PostgreSQL, once embedded servers (if any) are up. */
public record Endpoints(String kafkaBootstrap, PgOptions pg) {
}
