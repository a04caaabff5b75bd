package dev.pulse.embedded;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FoldersTest {

  @Test
  void deletesAFolderWithEverythingInIt(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("work");
    Files.createDirectories(dir.resolve("kafka/user_activity-0"));
    Files.writeString(dir.resolve("kafka/user_activity-0/00000000000000000000.log"), "records");
    Files.writeString(dir.resolve("pulse.log"), "log");
    Files.createDirectories(dir.resolve("empty"));

    Folders.deleteTree(dir);

    assertFalse(Files.exists(dir), "the folder is gone");
    assertTrue(Files.exists(tmp), "its parent stays");
  }
}
