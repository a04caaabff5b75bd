package dev.pulse.lake;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a committed lake file: the Kafka partition, the offset range of the roll that wrote it, and
 * which of the roll's files it is. A roll writes one file per event date it saw, all with the same range;
 * a roll is complete when all {@code count} files exist, so a crash between two renames is recognized.
 *
 * <p>{@code part-p00003-00000000000000000100-00000000000000000210-1of2.parquet} holds rows of partition 3 from
 * the roll that covered offsets [100, 210), and it is the first of that roll's two files. Offsets are
 * zero-padded so names sort in offset order.
 *
 * <p>When the input topic was recreated and the user had the lake start again at offset 0, the files of the new
 * incarnation carry its generation ({@code part-p00003-g0001-...}): the old files keep their names and their
 * rows, and never collide with or hide the new ones.
 */
public record LakeFileName(int partition, long firstOffset, long nextOffset, int index, int count, int generation) {

  private static final Pattern NAME = Pattern.compile(
      "part-p(\\d{5})(?:-g(\\d{4}))?-(\\d{20})-(\\d{20})-(\\d+)of(\\d+)\\.parquet");
  private static final String TEMP_SUFFIX = ".parquet.tmp";

  public LakeFileName {
    if (partition < 0 || partition > 99_999 || firstOffset < 0 || nextOffset < firstOffset || index < 1
        || index > count || generation < 0 || generation > 9_999) {
      throw new IllegalArgumentException("bad lake file name parts");
    }
  }

  /** A file of the topic's first incarnation. */
  public LakeFileName(int partition, long firstOffset, long nextOffset, int index, int count) {
    this(partition, firstOffset, nextOffset, index, count, 0);
  }

  public String fileName() {
    String gen = generation == 0 ? "" : String.format("-g%04d", generation);
    return String.format("part-p%05d%s-%020d-%020d-%dof%d.parquet", partition, gen, firstOffset, nextOffset, index,
        count);
  }

  /**
   * The hidden name a roll's file for one event date is written under before the atomic rename: readers skip
   * names starting with '.', and it does not end in .parquet. The writer's id keeps two writers of one partition
   * (an old owner that has not noticed it lost the partition, and the new one) off each other's files.
   */
  public static String tempFileName(int partition, long rollFirstOffset, String eventDate, String writerId) {
    return String.format(".part-p%05d-%020d-%s-%s%s", partition, rollFirstOffset, eventDate, writerId, TEMP_SUFFIX);
  }

  public static Optional<LakeFileName> parse(String fileName) {
    Matcher m = NAME.matcher(fileName);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new LakeFileName(Integer.parseInt(m.group(1)), Long.parseLong(m.group(3)),
          Long.parseLong(m.group(4)), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)),
          m.group(2) == null ? 0 : Integer.parseInt(m.group(2))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether a file name is a temporary file of the given partition (left behind by a crash). */
  public static boolean isTempOf(String fileName, int partition) {
    return fileName.startsWith(String.format(".part-p%05d-", partition)) && fileName.endsWith(TEMP_SUFFIX);
  }

  /** The roll this file belongs to. */
  public Roll roll() {
    return new Roll(partition, firstOffset, nextOffset, count, generation);
  }

  public record Roll(int partition, long firstOffset, long nextOffset, int files, int generation) {
  }
}
