package dev.pulse.app.verify;

import dev.pulse.common.config.NodeOptions;
import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.embedded.EmbeddedPostgresServer;
import dev.pulse.lake.LakeOptions;
import java.nio.file.Path;

/** The deployment to check: its lake, its PostgreSQL and the input topic its progress rows are keyed by. */
public record VerifyTarget(Path lake, PgOptions pg, String inputTopic) {

  /**
   * The deployment the given configuration runs. With no PostgreSQL configured, the node started an embedded one
   * on {@code pg.embedded.port}; it is reached as that server's user and database, never started here.
   */
  public static VerifyTarget from(PulseConfig config) {
    Path lake = LakeOptions.from(config).dir().toAbsolutePath();
    PgOptions pg = PgOptions.from(config);
    if (pg.embedded()) {
      pg = pg.withServer(pg.host(), pg.embeddedPort(), EmbeddedPostgresServer.DATABASE, EmbeddedPostgresServer.USER,
          "");
    }
    return new VerifyTarget(lake, pg, NodeOptions.from(config).topics().input());
  }
}
