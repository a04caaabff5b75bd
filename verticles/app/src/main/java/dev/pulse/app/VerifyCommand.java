package dev.pulse.app;

import dev.pulse.app.verify.Consistency;
import dev.pulse.app.verify.ConsistencyReport;
import dev.pulse.app.verify.VerifyRange;
import dev.pulse.app.verify.VerifyTarget;
import dev.pulse.app.verify.VerifyUnavailableException;
import dev.pulse.common.config.ConfigException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The consistency check a user can run on a deployment: the lake, recomputed by DuckDB, against PostgreSQL. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Recompute every closed window from the Parquet lake (DuckDB) and compare it with PostgreSQL: page views "
            + "exactly, active users within max(2 %%, 2) of the exact distinct count. Also lists event ids the lake "
            + "holds more than once. Reads both sides only; uses the same configuration as 'run'.",
        "A window is closed when every input partition's watermark has passed its end, in PostgreSQL and, for a "
            + "partition where the lake is behind, in the lake too.",
        "Exit codes: 0 consistent, 1 differences found, 2 bad configuration or usage, 3 PostgreSQL or the lake "
            + "cannot be read."})
public final class VerifyCommand implements Callable<Integer> {

  static final int CONSISTENT = 0;
  static final int DIFFERENCES = 1;
  static final int BAD_CONFIG = 2;
  static final int UNAVAILABLE = 3;

  @Mixin
  ConfigOptions configOptions;

  @Option(names = "--from", paramLabel = "INSTANT",
      description = "Only windows starting at or after this ISO-8601 instant (e.g. 2026-01-15T10:00:00Z).")
  Instant from;

  @Option(names = "--to", paramLabel = "INSTANT", description = "Only windows ending at or before this instant.")
  Instant to;

  @Option(names = "--json", description = "Print the report as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    VerifyTarget target;
    VerifyRange range;
    try {
      target = VerifyTarget.from(configOptions.load(Map.of()));
      range = new VerifyRange(Optional.ofNullable(from), Optional.ofNullable(to));
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("pulse verify: " + e.getMessage());
      return BAD_CONFIG;
    }
    ConsistencyReport report;
    try {
      report = Consistency.check(target, range);
    } catch (VerifyUnavailableException e) {
      System.err.println("pulse verify: " + e.getMessage());
      return UNAVAILABLE;
    }
    if (json) {
      System.out.println(report.toJson().encodePrettily());
    } else {
      report.textLines().forEach(System.out::println);
    }
    return report.consistent() ? CONSISTENT : DIFFERENCES;
  }
}
