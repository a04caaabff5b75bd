package dev.pulse.lake;

import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.time.WatermarkTracker;
import dev.pulse.lake.LakeFileName.Roll;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the lake already holds for a partition. Blocking file I/O: worker threads only.
 *
 * <p>On opening a partition it removes what a crash left behind (temporary files, and the files of a roll
 * whose renames did not all happen) and answers where the committed files end, with the event-time state
 * recorded in the last roll's footers. A roll that saw no valid rows leaves only a progress file in
 * {@code _pulse/}, so the offsets it covered are not read again.
 */
public final class LakeIndex {

  private static final Logger LOG = LoggerFactory.getLogger(LakeIndex.class);
  static final String PROGRESS_DIR = "_pulse";
  static final String DATE_DIR_PREFIX = "event_date=";
  private static final Pattern PROGRESS_FILE = Pattern.compile("progress-p(\\d{5})\\.json");

  private LakeIndex() {
  }

  /** Where a partition's lake resumes, and the generation (incarnation of the input topic) it writes. */
  public record Resume(SinkCheckpoint checkpoint, int generation) {
  }

  public static SinkCheckpoint resume(Path lake, int partition) {
    return resumeState(lake, partition).checkpoint();
  }

  public static Resume resumeState(Path lake, int partition) {
    return state(lake, partition, true);
  }

  /** What the lake holds of a partition; with {@code cleanUp}, removing what a crash left behind on the way. */
  private static Resume state(Path lake, int partition, boolean cleanUp) {
    try {
      Map<Roll, List<Path>> rolls = new HashMap<>();
      for (Path dateDir : dateDirs(lake)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dateDir)) {
          for (Path file : files) {
            String name = file.getFileName().toString();
            if (LakeFileName.isTempOf(name, partition)) {
              if (cleanUp) {
                LOG.info("removing {} left by an interrupted roll", file);
                Files.deleteIfExists(file);
              }
              continue;
            }
            LakeFileName.parse(name).filter(n -> n.partition() == partition)
                .ifPresent(n -> rolls.computeIfAbsent(n.roll(), r -> new ArrayList<>()).add(file));
          }
        }
      }
      Progress progress = readProgress(lake, partition);
      int generation = progress == null ? 0 : progress.generation();
      for (Roll r : rolls.keySet()) {
        generation = Math.max(generation, r.generation());
      }
      Roll last = null;
      for (Map.Entry<Roll, List<Path>> e : rolls.entrySet()) {
        if (e.getValue().size() < e.getKey().files()) {
          if (cleanUp) {
            LOG.warn("roll {} of partition {} is incomplete ({} of {} files); removing it so it is written again",
                e.getKey(), partition, e.getValue().size(), e.getKey().files());
            for (Path p : e.getValue()) {
              Files.deleteIfExists(p);
            }
          }
        } else if (e.getKey().generation() == generation
            && (last == null || e.getKey().nextOffset() > last.nextOffset())) {
          last = e.getKey();
        }
      }
      SinkCheckpoint fromFiles = last == null ? SinkCheckpoint.START : footerCheckpoint(rolls.get(last).get(0),
          last.nextOffset());
      if (progress != null && progress.generation() == generation
          && progress.checkpoint().nextOffset() >= fromFiles.nextOffset()) {
        return new Resume(progress.checkpoint(), generation);
      }
      return new Resume(fromFiles, generation);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the lake at " + lake, e);
    }
  }

  /**
   * Where the committed lake ends, for every partition it holds anything of, without changing anything (unlike
   * {@link #resume}, which clears what a crash left): the progress file that ends each roll, or the last complete
   * roll when a crash came between its renames and that file. For readers that must know which offsets the lake
   * vouches for, such as {@code pulse verify}.
   */
  public static Map<Integer, SinkCheckpoint> committed(Path lake) {
    try {
      Set<Integer> partitions = new TreeSet<>();
      for (Path dateDir : dateDirs(lake)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dateDir)) {
          for (Path file : files) {
            LakeFileName.parse(file.getFileName().toString()).ifPresent(n -> partitions.add(n.partition()));
          }
        }
      }
      Path progressDir = lake.resolve(PROGRESS_DIR);
      if (Files.isDirectory(progressDir)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(progressDir)) {
          for (Path file : files) {
            Matcher m = PROGRESS_FILE.matcher(file.getFileName().toString());
            if (m.matches()) {
              partitions.add(Integer.parseInt(m.group(1)));
            }
          }
        }
      }
      Map<Integer, SinkCheckpoint> out = new TreeMap<>();
      for (int partition : partitions) {
        out.put(partition, state(lake, partition, false).checkpoint());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the lake at " + lake, e);
    }
  }

  static List<Path> dateDirs(Path lake) throws IOException {
    List<Path> dirs = new ArrayList<>();
    if (!Files.isDirectory(lake)) {
      return dirs;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(lake, DATE_DIR_PREFIX + "*")) {
      entries.forEach(p -> {
        if (Files.isDirectory(p)) {
          dirs.add(p);
        }
      });
    }
    return dirs;
  }

  private static SinkCheckpoint footerCheckpoint(Path file, long nextOffset) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      Map<String, String> meta = reader.getFooter().getFileMetaData().getKeyValueMetaData();
      return new SinkCheckpoint(nextOffset,
          Long.parseLong(meta.getOrDefault(ClickEventWriteSupport.META_WATERMARK, "" + WatermarkTracker.NONE)),
          Long.parseLong(meta.getOrDefault(ClickEventWriteSupport.META_MAX_EVENT_TIME, "" + WatermarkTracker.NONE)));
    }
  }

  static Path progressFile(Path lake, int partition) {
    return lake.resolve(PROGRESS_DIR).resolve(String.format("progress-p%05d.json", partition));
  }

  private record Progress(SinkCheckpoint checkpoint, int generation) {
  }

  private static Progress readProgress(Path lake, int partition) throws IOException {
    Path file = progressFile(lake, partition);
    if (!Files.exists(file)) {
      return null;
    }
    JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    return new Progress(new SinkCheckpoint(json.getLong("next_offset"), json.getLong("watermark"),
        json.getLong("max_event_time")), json.getInteger("generation", 0));
  }

  /**
   * Starts the partition's next generation at offset 0 (its input topic was recreated), keeping the event-time
   * state. The files already written stay as they are.
   */
  static Resume reset(Path lake, int partition) {
    Resume current = resumeState(lake, partition);
    SinkCheckpoint start = new SinkCheckpoint(0, current.checkpoint().watermark(), current.checkpoint().maxEventTime());
    int generation = current.generation() + 1;
    try {
      writeProgress(lake, partition, start, generation);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the lake's progress of partition " + partition, e);
    }
    return new Resume(start, generation);
  }

  /** Records a partition's progress durably: temporary file, fsync, atomic rename. */
  static void writeProgress(Path lake, int partition, SinkCheckpoint checkpoint, int generation) throws IOException {
    Path file = progressFile(lake, partition);
    Files.createDirectories(file.getParent());
    Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
    String json = new JsonObject().put("partition", partition).put("next_offset", checkpoint.nextOffset())
        .put("watermark", checkpoint.watermark()).put("max_event_time", checkpoint.maxEventTime())
        .put("generation", generation).encode();
    Files.writeString(temp, json, StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.READ)) {
      ch.force(true);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
