package dev.pulse.common.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where PostgreSQL is: a URL ({@code PG_URL}), seed-style host/user/password/database ({@code DB_*}), or,
 * when neither is given, an embedded server Pulse starts itself.
 */
public record PgOptions(
    boolean embedded,
    String host,
    int port,
    String database,
    String user,
    String password,
    String schema,
    int poolSize,
    Duration idleTransactionTimeout,
    int embeddedPort,
    Path embeddedDir) {

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  public static PgOptions from(PulseConfig config) {
    String schema = config.required("pg.schema");
    if (!IDENTIFIER.matcher(schema).matches()) {
      throw config.fail("pg.schema", "'" + schema + "' must be a lower-case SQL identifier (a-z, 0-9, _)");
    }
    int poolSize = config.intIn("pg.pool.size", 1, 64);
    Duration idle = config.duration("pg.idle.transaction.timeout", Duration.ofSeconds(1), Duration.ofHours(1));
    int embeddedPort = config.intIn("pg.embedded.port", 1024, 65535);
    Path embeddedDir = Path.of(config.required("pg.embedded.dir"));
    Optional<String> url = config.optional("pg.url");
    if (url.isPresent()) {
      return fromUrl(config, url.get(), schema, poolSize, idle, embeddedPort, embeddedDir);
    }
    Optional<String> host = config.optional("pg.host");
    return new PgOptions(
        host.isEmpty(),
        host.orElse("127.0.0.1"),
        host.isEmpty() ? embeddedPort : config.intIn("pg.port", 1, 65535),
        config.required("pg.database"),
        config.required("pg.user"),
        config.string("pg.password"),
        schema, poolSize, idle, embeddedPort, embeddedDir);
  }

  private static PgOptions fromUrl(PulseConfig config, String raw, String schema, int poolSize,
      Duration idleTransactionTimeout, int embeddedPort,
      Path embeddedDir) {
    String s = raw.startsWith("jdbc:") ? raw.substring(5) : raw;
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw config.fail("pg.url", "not a URL: " + e.getMessage());
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      throw config.fail("pg.url", "must start with postgresql:// (or jdbc:postgresql://)");
    }
    if (uri.getHost() == null) {
      throw config.fail("pg.url", "has no host");
    }
    String user = config.required("pg.user");
    String password = config.string("pg.password");
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : "";
    }
    if (uri.getRawQuery() != null) {
      for (String kv : uri.getRawQuery().split("&")) {
        String[] p = kv.split("=", 2);
        if (p.length == 2 && p[0].equals("user")) {
          user = decode(p[1]);
        } else if (p.length == 2 && p[0].equals("password")) {
          password = decode(p[1]);
        }
      }
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    String database = path.isEmpty() ? config.required("pg.database") : decode(path);
    return new PgOptions(false, uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), database, user, password,
        schema, poolSize, idleTransactionTimeout, embeddedPort, embeddedDir);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  public PgOptions withServer(String host, int port, String database, String user, String password) {
    return new PgOptions(false, host, port, database, user, password, schema, poolSize, idleTransactionTimeout,
        embeddedPort, embeddedDir);
  }

  public PgOptions withSchema(String newSchema) {
    return new PgOptions(embedded, host, port, database, user, password, newSchema, poolSize, idleTransactionTimeout,
        embeddedPort, embeddedDir);
  }

  /** A URL for psql and other tools, password left out. */
  public String displayUrl() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return displayUrl() + " schema=" + schema;
  }
}
