package dev.pulse.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clears what a killed node left in its PostgreSQL data directory. zonky starts the server through pg_ctl, so
 * the server is never a child of the node's JVM: after a SIGKILL of the node it keeps running, holding the
 * port and the data directory, and the next start of the node would fail. A server whose node is still alive
 * is never touched: zonky's lock file in the data directory is held by that node's JVM until it dies.
 */
final class OrphanedPostmaster {

  private static final Logger LOG = LoggerFactory.getLogger(OrphanedPostmaster.class);
  private static final String PID_FILE = "postmaster.pid";
  /** zonky's lock file; the kernel releases its lock when the JVM holding it dies, however it dies. */
  private static final String OWNER_LOCK_FILE = "epg-lock";
  /** How long backends may take to leave after their postmaster died; the next server waits for them. */
  private static final Duration BACKENDS_EXIT = Duration.ofSeconds(10);

  private OrphanedPostmaster() {
  }

  /**
   * Stops a server left running on {@code dataDir} by a previous run, and removes a {@code postmaster.pid}
   * that names a live process which is certainly not PostgreSQL (a reused pid would make PostgreSQL refuse to
   * start). A pid file naming a dead process is left to PostgreSQL, which replaces it itself.
   *
   * @param fastShutdown how long the server may take to shut down before it is killed
   * @throws IllegalStateException when a running node still owns the server
   */
  static void clear(Path dataDir, Duration fastShutdown) throws IOException {
    Path pidFile = dataDir.resolve(PID_FILE);
    Optional<ProcessHandle> listed = listedProcess(pidFile);
    if (listed.isEmpty()) {
      return;
    }
    ProcessHandle process = listed.get();
    ProcessHandle.Info info = process.info();
    if (!isPostgres(info)) {
      if (info.command().isPresent()) {
        Files.deleteIfExists(pidFile);
        LOG.warn("removed a stale {} from {}: its pid {} now belongs to {}", PID_FILE, dataDir, process.pid(),
            info.command().get());
      }
      return;
    }
    if (!serves(process, dataDir)) {
      return; // another server's pid reused for a postgres elsewhere: PostgreSQL itself will say what it sees
    }
    try (FileChannel ownerLock = FileChannel.open(dataDir.resolve(OWNER_LOCK_FILE), StandardOpenOption.WRITE,
        StandardOpenOption.CREATE)) {
      FileLock lock;
      try {
        lock = ownerLock.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IllegalStateException("the PostgreSQL data directory " + dataDir + " is in use by another "
            + "running Pulse node (its PostgreSQL has pid " + process.pid() + "); stop that node or choose another "
            + "pg.embedded.dir");
      }
      stop(process, fastShutdown);
    }
    LOG.warn("stopped an orphaned embedded PostgreSQL (pid {}) left by a previous run of this node in {}",
        process.pid(), dataDir);
  }

  private static Optional<ProcessHandle> listedProcess(Path pidFile) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (lines.isEmpty()) {
      return Optional.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return Optional.empty(); // not a pid file PostgreSQL wrote whole; PostgreSQL reports it
    }
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
  }

  private static boolean isPostgres(ProcessHandle.Info info) {
    return info.command()
        .map(c -> Path.of(c).getFileName().toString())
        // Linux names a deleted executable (zonky's extracted binaries cleaned up meanwhile) with this suffix.
        .map(name -> name.equals("postgres") || name.equals("postgres (deleted)"))
        .orElse(false);
  }

  /** pg_ctl passes the data directory as {@code -D}; the postmaster also works in it (Linux shows that). */
  private static boolean serves(ProcessHandle process, Path dataDir) {
    List<String> args = process.info().arguments().map(List::of).orElse(List.of());
    int d = args.indexOf("-D");
    if (d >= 0 && d + 1 < args.size() && Path.of(args.get(d + 1)).isAbsolute()
        && sameFile(Path.of(args.get(d + 1)), dataDir)) {
      return true;
    }
    Path cwd = Path.of("/proc", Long.toString(process.pid()), "cwd");
    return Files.exists(cwd) && sameFile(cwd, dataDir);
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * SIGINT is PostgreSQL's fast shutdown (clients cut off, a checkpoint written). SIGTERM, what
   * {@link ProcessHandle#destroy()} sends, is its smart shutdown, which waits for every client to leave.
   */
  private static void stop(ProcessHandle postmaster, Duration fastShutdown) throws IOException {
    List<ProcessHandle> backends = postmaster.descendants().toList();
    if (!interrupt(postmaster)) {
      postmaster.destroy();
    }
    if (!awaitExit(postmaster, fastShutdown)) {
      LOG.warn("the orphaned PostgreSQL (pid {}) did not shut down within {}; killing it", postmaster.pid(),
          fastShutdown);
      postmaster.destroyForcibly();
      if (!awaitExit(postmaster, BACKENDS_EXIT)) {
        throw new IllegalStateException("cannot stop the orphaned PostgreSQL (pid " + postmaster.pid() + ")");
      }
    }
    // A new server refuses to start while old backends still hold the old shared memory.
    for (ProcessHandle backend : backends) {
      if (!awaitExit(backend, BACKENDS_EXIT)) {
        backend.destroyForcibly();
      }
    }
  }

  private static boolean interrupt(ProcessHandle process) throws IOException {
    Process kill;
    try {
      kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return false; // no kill(1) here: smart shutdown it is
    }
    try {
      return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping PostgreSQL (pid " + process.pid() + ")", e);
    }
  }

  private static boolean awaitExit(ProcessHandle process, Duration timeout) throws IOException {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IOException("cannot wait for process " + process.pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping PostgreSQL (pid " + process.pid() + ")", e);
    }
  }
}
