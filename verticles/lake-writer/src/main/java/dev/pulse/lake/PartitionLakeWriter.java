package dev.pulse.lake;

import dev.pulse.common.CrashPoints;
import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.time.EventDates;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.codec.ZstandardCodec;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;

/**
 * The open roll of one partition: one hidden Parquet file per event date seen since the last roll. A roll
 * closes them, makes them durable (fsync), and renames them into place; only then does the lake's progress
 * move. Blocking: used from the worker verticle only.
 */
final class PartitionLakeWriter {

  /** One hidden file of the open roll. */
  private static final class OpenFile {
    final Path temp;
    final ParquetWriter<ClickEvent> writer;
    final ClickEventWriteSupport support;
    /** Closed and fsynced, waiting for its rename. */
    boolean sealed;

    OpenFile(Path temp, ParquetWriter<ClickEvent> writer, ClickEventWriteSupport support) {
      this.temp = temp;
      this.writer = writer;
      this.support = support;
    }
  }

  private final Path lake;
  private final int partition;
  private final LakeOptions options;
  private final int generation;
  private final Map<String, OpenFile> open = new TreeMap<>();
  private final String writerId = java.util.UUID.randomUUID().toString().substring(0, 8);

  private long rollFirstOffset;
  private long nextOffset;
  private long watermark;
  private long maxEventTime;
  private long rows;
  private long openedAt = -1;
  /** When the last row was appended. */
  private long lastRowAt = -1;
  private long lastRollAt;
  private long lastRolledRows;

  PartitionLakeWriter(Path lake, int partition, LakeOptions options, SinkCheckpoint resume) {
    this(lake, partition, options, resume, 0);
  }

  PartitionLakeWriter(Path lake, int partition, LakeOptions options, SinkCheckpoint resume, int generation) {
    this.lake = lake;
    this.partition = partition;
    this.options = options;
    this.generation = generation;
    this.rollFirstOffset = resume.nextOffset();
    this.nextOffset = resume.nextOffset();
    this.watermark = resume.watermark();
    this.maxEventTime = resume.maxEventTime();
  }

  /** Appends the batch's events the lake does not hold yet. */
  void append(EventBatch batch, long now) throws IOException {
    for (ClickEvent e : batch.events()) {
      if (e.offset() < nextOffset) {
        continue; // committed by an earlier roll
      }
      file(eventDate(e.eventTimeMillis())).writer.write(e);
      rows++;
      if (openedAt < 0) {
        openedAt = now;
      }
      lastRowAt = now;
    }
    if (batch.nextOffset() > nextOffset) {
      nextOffset = batch.nextOffset();
    }
    watermark = Math.max(watermark, batch.watermark());
    maxEventTime = Math.max(maxEventTime, batch.maxEventTime());
  }

  /**
   * Whether the open files are to be committed: big enough, old enough, or without a new row for
   * lake.roll.inactivity (a stream that went quiet has its last events in the lake soon, not a roll interval later).
   */
  boolean dueForRoll(long now) {
    if (rows > 0) {
      return bufferedBytes() >= options.rollBytes() || now - openedAt >= options.rollInterval().toMillis()
          || now - lastRowAt >= options.rollInactivity().toMillis();
    }
    return false;
  }

  /**
   * Offsets were covered without rows (only invalid records or watermark moves) for a roll interval: worth
   * recording, so that a restart does not read them again.
   */
  boolean dueForProgressOnly(long now) {
    return rows == 0 && nextOffset > rollFirstOffset && now - lastRollAt >= options.rollInterval().toMillis();
  }

  long bufferedBytes() {
    long bytes = 0;
    for (OpenFile f : open.values()) {
      bytes += f.writer.getDataSize();
    }
    return bytes;
  }

  /**
   * Finishes the open files (their last row group and footer) and makes them durable, still under their hidden
   * names: the slow part of a roll, done before {@link #roll} so that the fence's transaction around the renames
   * stays short. Nothing else may be appended until the roll.
   */
  void seal() throws IOException {
    for (OpenFile f : open.values()) {
      if (!f.sealed) {
        f.support.eventTimeState(watermark, maxEventTime);
        f.writer.close();
        force(f.temp);
        f.sealed = true;
      }
    }
  }

  /**
   * Commits the open files (or, with none, just the progress) and returns the checkpoint now durable.
   */
  SinkCheckpoint roll(long now) throws IOException {
    lastRollAt = now;
    if (!open.isEmpty()) {
      seal();
      int count = open.size();
      List<Path[]> renames = new ArrayList<>(count);
      int index = 1;
      for (OpenFile f : open.values()) {
        LakeFileName name = new LakeFileName(partition, rollFirstOffset, nextOffset, index++, count, generation);
        renames.add(new Path[] {f.temp, f.temp.resolveSibling(name.fileName())});
      }
      for (int i = 0; i < renames.size(); i++) {
        if (i > 0) {
          CrashPoints.reached(CrashPoints.LAKE_BETWEEN_RENAMES);
        }
        Files.move(renames.get(i)[0], renames.get(i)[1], StandardCopyOption.ATOMIC_MOVE);
      }
      for (Path[] r : renames) {
        force(r[1].getParent());
      }
      open.clear();
      CrashPoints.reached(CrashPoints.LAKE_BEFORE_PROGRESS);
    }
    writeProgress();
    rollFirstOffset = nextOffset;
    lastRolledRows = rows;
    rows = 0;
    openedAt = -1;
    return checkpoint();
  }

  SinkCheckpoint checkpoint() {
    return new SinkCheckpoint(rollFirstOffset, watermark, maxEventTime);
  }

  /** Rows the last roll committed. */
  long lastRolledRows() {
    return lastRolledRows;
  }

  /** Gives up the open roll without committing it (the partition was lost or a write failed). */
  void abandon() {
    for (OpenFile f : open.values()) {
      try {
        if (!f.sealed) {
          f.writer.close();
        }
      } catch (IOException | RuntimeException ignored) {
        // the file is deleted next; nothing in it counts
      }
      try {
        Files.deleteIfExists(f.temp);
      } catch (IOException ignored) {
        // removed by the next resume of this partition
      }
    }
    open.clear();
  }

  private OpenFile file(String eventDate) throws IOException {
    OpenFile f = open.get(eventDate);
    return f != null ? f : openFile(eventDate);
  }

  /**
   * The first row of a date in this roll: its temporary file and Parquet writer. Out of {@link #file}, which runs
   * for every row: inlined there, this path made C2 compile {@code file} into 25 KB of code in up to 0.85 s of a
   * cold run's compiler time (JFR, {@code jdk.Compilation}).
   */
  private OpenFile openFile(String eventDate) throws IOException {
    Path dir = lake.resolve(LakeIndex.DATE_DIR_PREFIX + eventDate);
    Files.createDirectories(dir);
    Path temp = dir.resolve(LakeFileName.tempFileName(partition, rollFirstOffset, eventDate, writerId));
    ClickEventWriteSupport support = new ClickEventWriteSupport(partition);
    Configuration conf = new Configuration(false);
    conf.setInt(ZstandardCodec.PARQUET_COMPRESS_ZSTD_LEVEL, options.zstdLevel());
    ParquetWriter<ClickEvent> writer = new Builder(new LocalOutputFile(temp), support)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(options.compression())
        .withRowGroupSize(options.rowGroupBytes())
        .withDictionaryEncoding(true)
        // Nearly unique per row (ids, times, offsets): a dictionary only costs hashing every value, and is
        // dropped for plain encoding once it fills up anyway. page_url, event_type, partition keep theirs.
        .withDictionaryEncoding(ClickEventWriteSupport.EVENT_ID, false)
        .withDictionaryEncoding(ClickEventWriteSupport.USER_ID, false)
        .withDictionaryEncoding(ClickEventWriteSupport.EVENT_TIME, false)
        .withDictionaryEncoding(ClickEventWriteSupport.KAFKA_OFFSET, false)
        .withDictionaryEncoding(ClickEventWriteSupport.INGEST_TIME, false)
        // Min/max of ids and URLs prune no row group (every file spans the whole range) but cost a
        // byte-wise comparison per value; times, offsets, partition and event type keep theirs for readers.
        .withStatisticsEnabled(ClickEventWriteSupport.EVENT_ID, false)
        .withStatisticsEnabled(ClickEventWriteSupport.USER_ID, false)
        .withStatisticsEnabled(ClickEventWriteSupport.PAGE_URL, false)
        // Parquet 1.15's size statistics (value-size histograms) serve query planners Pulse's readers do not use
        .withSizeStatisticsEnabled(false)
        .withConf(conf)
        .build();
    OpenFile f = new OpenFile(temp, writer, support);
    open.put(eventDate, f);
    return f;
  }

  private void writeProgress() throws IOException {
    LakeIndex.writeProgress(lake, partition, new SinkCheckpoint(nextOffset, watermark, maxEventTime), generation);
  }

  static String eventDate(long eventTimeMillis) {
    return EventDates.of(eventTimeMillis);
  }

  private static void force(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static final class Builder extends ParquetWriter.Builder<ClickEvent, Builder> {
    private final ClickEventWriteSupport support;

    Builder(OutputFile file, ClickEventWriteSupport support) {
      super(file);
      this.support = support;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<ClickEvent> getWriteSupport(Configuration conf) {
      return support;
    }
  }
}
