package org.sshrpc.acl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.sshrpc.internal.TrustedFiles;

/**
 * A holder of the current {@link AccessPolicy}: either fixed, or read from a file and re-read when
 * the file changes, without dropping connections.
 *
 * <p>{@link #current()} costs one {@code stat} of the file (modification time, size, inode, mode,
 * owner and group are compared; each reload re-runs the ownership checks of {@link
 * AccessPolicy#parse(Path)}), so an edit is seen by the very next call. (A stat is ~1 µs on Linux, ~6 µs in a
 * sandbox measured at 2026-11; {@link #watching(Path, Duration)} bounds how often it is done.) A file that no longer parses, or that
 * disappeared, leaves the last good policy in force and logs the error; the server is never left
 * without a policy, nor silently opened up. Thread-safe.
 */
public final class PolicySource {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PolicySource.class);

  private final Path file;
  private final long minCheckNanos;
  private volatile State state;
  // Benignly racy: two threads may both stat; neither can miss a change for longer than the interval.
  private volatile long nextCheck;

  private static final class State {
    final Object stamp;
    final AccessPolicy policy;
    final String error;

    State(Object stamp, AccessPolicy policy, String error) {
      this.stamp = stamp;
      this.policy = policy;
      this.error = error;
    }
  }

  private PolicySource(Path file, Duration minCheckInterval, State state) {
    this.file = file;
    this.minCheckNanos = minCheckInterval.toNanos();
    this.state = state;
    this.nextCheck = System.nanoTime();
  }

  /** A source that always returns {@code policy}. */
  public static PolicySource fixed(AccessPolicy policy) {
    return new PolicySource(null, Duration.ZERO, new State(null, Objects.requireNonNull(policy), null));
  }

  /**
   * A source reading {@code file} now and whenever it changes.
   *
   * @throws IOException if the file cannot be read now
   * @throws IllegalArgumentException if it does not parse now (message starts {@code file:line:})
   */
  public static PolicySource watching(Path file) throws IOException {
    return watching(file, Duration.ZERO);
  }

  /**
   * Like {@link #watching(Path)}, but the file is checked at most once per {@code minCheckInterval}
   * (an edit then takes effect within that interval): for servers whose call rate makes a stat per
   * call noticeable.
   */
  public static PolicySource watching(Path file, Duration minCheckInterval) throws IOException {
    if (minCheckInterval.isNegative()) {
      throw new IllegalArgumentException("negative check interval: " + minCheckInterval);
    }
    Object stamp = stamp(file);
    AccessPolicy p = AccessPolicy.parse(file);
    return new PolicySource(file, minCheckInterval, new State(stamp, p, null));
  }

  /** The latest policy that parsed. */
  public AccessPolicy current() {
    if (file == null) {
      return state.policy;
    }
    if (minCheckNanos > 0) {
      long t = System.nanoTime();
      if (t - nextCheck < 0) {
        return state.policy;
      }
      nextCheck = t + minCheckNanos;
    }
    State s = state;
    Object now;
    try {
      now = stamp(file);
    } catch (IOException e) {
      now = e instanceof NoSuchFileException ? "missing" : "unreadable";
    }
    if (now.equals(s.stamp)) {
      return s.policy;
    }
    synchronized (this) {
      s = state;
      if (now.equals(s.stamp)) {
        return s.policy;
      }
      try {
        AccessPolicy p = AccessPolicy.parse(file);
        state = new State(now, p, null);
        LOG.info("reloaded access policy {} ({} rules)", file, p.size());
        return p;
      } catch (IOException | RuntimeException e) {
        String msg = e instanceof NoSuchFileException ? file + ": file not found" : e.getMessage();
        state = new State(now, s.policy, msg);
        LOG.error("access policy {} not reloaded, keeping the previous policy: {}", file, msg);
        return s.policy;
      }
    }
  }

  /** The error of the last reload attempt, or {@code null} when the file in force parsed. */
  public String lastError() {
    current();
    return state.error;
  }

  /** The watched file, or {@code null} for a fixed source. */
  public Path file() {
    return file;
  }

  private static Object stamp(Path file) throws IOException {
    // Mode and owner too: a chmod or chown changes whether the file is trusted, not its mtime.
    return TrustedFiles.stamp(file);
  }

  @Override
  public String toString() {
    return file == null ? "PolicySource[" + state.policy + "]" : "PolicySource[" + file + "]";
  }
}
