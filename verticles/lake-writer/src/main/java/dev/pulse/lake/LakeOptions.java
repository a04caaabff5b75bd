package dev.pulse.lake;

import dev.pulse.common.config.PulseConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** The lake-writer's settings, checked once at start. */
public record LakeOptions(Path dir, long rollBytes, Duration rollInterval, Duration rollInactivity,
    CompressionCodecName compression, int zstdLevel, long rowGroupBytes) {

  public static LakeOptions from(PulseConfig config) {
    return new LakeOptions(
        Path.of(config.required("lake.dir")),
        config.bytes("lake.roll.size", 1024, 8L * 1024 * 1024 * 1024),
        config.duration("lake.roll.interval", Duration.ofMillis(100), Duration.ofDays(1)),
        config.duration("lake.roll.inactivity", Duration.ofMillis(100), Duration.ofDays(1)),
        CompressionCodecName.valueOf(config.oneOf("lake.compression", Set.of("zstd", "snappy", "gzip",
            "uncompressed")).toUpperCase(Locale.ROOT)),
        config.intIn("lake.compression.level", 1, 22),
        config.bytes("lake.row.group.size", 64 * 1024, 1024L * 1024 * 1024));
  }
}
