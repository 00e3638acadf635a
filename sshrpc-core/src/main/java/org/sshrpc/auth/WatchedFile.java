package org.sshrpc.auth;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.internal.TrustedFiles;

/**
 * A file whose parsed content is re-read when its modification time, size, identity (inode),
 * mode, owner or group changes ({@link TrustedFiles#stamp}), checked cheaply on each {@link
 * #get()}. Replacing the file by a rename (the safe way to edit it) changes its identity, so it is
 * always noticed; the parser re-runs the ownership checks each time.
 */
final class WatchedFile<T> {
  /** Parses a file's content. */
  interface Parser<T> {
    T parse(Path file) throws IOException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(WatchedFile.class);

  private final Path file;
  private final Parser<T> parser;
  private final T whenMissing;
  private final T whenBroken;
  private Object stamp;
  private T value;

  /**
   * @param whenMissing the value while the file does not exist
   * @param whenBroken the value while the file exists but cannot be read or parsed (fail closed)
   */
  WatchedFile(Path file, Parser<T> parser, T whenMissing, T whenBroken) {
    this.file = Objects.requireNonNull(file);
    this.parser = parser;
    this.whenMissing = whenMissing;
    this.whenBroken = whenBroken;
  }

  Path file() {
    return file;
  }

  synchronized T get() {
    Object now;
    try {
      // Mode and owner too: a chmod or chown changes whether the file is trusted, not its mtime.
      now = TrustedFiles.stamp(file);
    } catch (NoSuchFileException e) {
      now = "missing";
    } catch (IOException e) {
      now = "unreadable:" + e;
    }
    if (now.equals(stamp)) {
      return value;
    }
    stamp = now;
    if ("missing".equals(now)) {
      LOG.warn("{} does not exist", file);
      value = whenMissing;
      return value;
    }
    try {
      value = parser.parse(file);
      LOG.info("loaded {}", file);
    } catch (IOException | RuntimeException e) {
      LOG.error("cannot load {}: {}", file, e.getMessage());
      value = whenBroken;
    }
    return value;
  }
}
