package org.sshrpc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sshrpc.server.ServerLimits;
import org.sshrpc.term.TermLimits;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --limits FILE} and {@code --limit KEY=VALUE} options of {@code serve} and {@code
 * stdio} (a picocli mixin): every {@link ServerLimits} field, by its builder name, set from a file
 * of {@code key=value} lines and from the command line, which wins. docs/cli.md lists the keys.
 */
final class LimitOptions {
  @Option(
      names = "--limits",
      paramLabel = "FILE",
      description = "Resource limits, one KEY=VALUE per line ('#' comments); see docs/limits.md and docs/cli.md for the keys.")
  Path file;

  @Option(
      names = "--limit",
      paramLabel = "KEY=VALUE",
      description = "One resource limit (repeatable, applied after --limits), e.g. maxStartups=10:30:100, authTimeout=20s, maxFrameLength=4MiB.")
  List<String> settings = new ArrayList<>();

  /**
   * The limits that apply to one channel, and the service's worker pool and call timeout: the only
   * ones {@code sshrpc stdio} enforces (sshd owns the connection).
   */
  static final List<String> CHANNEL_KEYS =
      List.of(
          "maxFrameLength", "frameTimeout", "maxInFlightPerChannel", "maxOutboundBytesPerChannel",
          "executorThreads", "executorQueue", "defaultCallTimeout");

  /** The builder being filled: the server limits and, once a {@code termLimits.*} key is seen, the decoder's. */
  private static final class Target {
    final ServerLimits.Builder limits = ServerLimits.builder();
    TermLimits.Builder term;
    boolean termInputSet;

    TermLimits.Builder term() {
      if (term == null) {
        term = TermLimits.DEFAULT.newBuilder();
      }
      return term;
    }
  }

  private interface Setter {
    void set(Target t, String value);
  }

  /** Every key, in the order docs/cli.md lists them. */
  static final Map<String, Setter> KEYS;

  static {
    Map<String, Setter> k = new LinkedHashMap<>();
    k.put("maxFrameLength", (t, v) -> t.limits.maxFrameLength(intBytes(v)));
    k.put("frameTimeout", (t, v) -> t.limits.frameTimeout(duration(v)));
    k.put("maxInFlightPerChannel", (t, v) -> t.limits.maxInFlightPerChannel(count(v)));
    k.put("maxOutboundBytesPerChannel", (t, v) -> t.limits.maxOutboundBytesPerChannel(bytes(v)));
    k.put("maxChannelsPerSession", (t, v) -> t.limits.maxChannelsPerSession(count(v)));
    k.put("maxSessionsPerUser", (t, v) -> t.limits.maxSessionsPerUser(count(v)));
    k.put("maxSessions", (t, v) -> t.limits.maxSessions(count(v)));
    k.put("memoryBudget", LimitOptions::memoryBudget);
    k.put("maxWorkersPerUser", (t, v) -> t.limits.maxWorkersPerUser(count(v)));
    k.put("maxStartups", LimitOptions::maxStartups);
    k.put("maxUnauthenticated", (t, v) -> t.limits.maxUnauthenticated(count(v)));
    k.put("maxUnauthenticatedPerSource", (t, v) -> t.limits.maxUnauthenticatedPerSource(count(v)));
    k.put("versionLineTimeout", (t, v) -> t.limits.versionLineTimeout(duration(v)));
    k.put("maxAuthAttempts", (t, v) -> t.limits.maxAuthAttempts(count(v)));
    k.put("authTimeout", (t, v) -> t.limits.authTimeout(duration(v)));
    k.put("idleTimeout", (t, v) -> t.limits.idleTimeout(duration(v)));
    k.put("keepaliveInterval", (t, v) -> t.limits.keepaliveInterval(duration(v)));
    k.put("keepaliveMaxMissed", (t, v) -> t.limits.keepaliveMaxMissed(count(v)));
    k.put("executorThreads", (t, v) -> t.limits.executorThreads(count(v)));
    k.put("executorQueue", (t, v) -> t.limits.executorQueue(count(v)));
    k.put("defaultCallTimeout", (t, v) -> t.limits.defaultCallTimeout(duration(v)));
    k.put("termLimits.maxInputBytes", (t, v) -> {
      t.term().maxInputBytes(intBytes(v));
      t.termInputSet = true;
    });
    k.put("termLimits.maxDepth", (t, v) -> t.term().maxDepth(count(v)));
    k.put("termLimits.maxElements", (t, v) -> t.term().maxElements(count(v)));
    k.put("termLimits.maxAtomLength", (t, v) -> t.term().maxAtomLength(count(v)));
    k.put("termLimits.maxBinaryBytes", (t, v) -> t.term().maxBinaryBytes(intBytes(v)));
    k.put("termLimits.maxBigIntegerBytes", (t, v) -> t.term().maxBigIntegerBytes(intBytes(v)));
    k.put("termLimits.maxDecompressedBytes", (t, v) -> t.term().maxDecompressedBytes(intBytes(v)));
    KEYS = Collections.unmodifiableMap(k);
  }

  /**
   * The limits: the defaults, then each line of {@code --limits}, then each {@code --limit}.
   *
   * @param stdio only the channel limits and the decoder's apply (sshd handles the connection)
   * @throws CommandLine.ParameterException naming the file and line or the option, the key and the
   *     expected form, for an unknown key, a bad value or an unreadable file (exit 64)
   */
  ServerLimits serverLimits(CommandLine cmd, boolean stdio) {
    Target t = new Target();
    if (file != null) {
      List<String> lines;
      try {
        // Whoever can write the limits file can lower the server's defences: StrictModes as for
        // the policy and authorized_keys.
        lines = Files.readAllLines(org.sshrpc.internal.TrustedFiles.check(file, "limits file"), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(cmd, "--limits " + file + ": cannot read: " + Cli.oneLine(e));
      }
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        int hash = line.indexOf('#');
        line = (hash >= 0 ? line.substring(0, hash) : line).strip();
        if (!line.isEmpty()) {
          apply(t, line, stdio, cmd, file + ":" + (i + 1));
        }
      }
    }
    for (String s : settings) {
      apply(t, s, stdio, cmd, "--limit " + s);
    }
    if (t.term != null) {
      if (!t.termInputSet) {
        // As ServerLimits does by default: no request term larger than a frame.
        t.term.maxInputBytes(t.limits.build().maxFrameLength());
      }
      try {
        t.limits.termLimits(t.term.build());
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cmd, "limits: " + e.getMessage());
      }
    }
    return t.limits.build();
  }

  private static void apply(Target t, String setting, boolean stdio, CommandLine cmd, String where) {
    int eq = setting.indexOf('=');
    if (eq < 0) {
      throw new CommandLine.ParameterException(cmd, where + ": expected KEY=VALUE");
    }
    String key = setting.substring(0, eq).strip();
    String value = setting.substring(eq + 1).strip();
    Setter s = KEYS.get(key);
    if (s == null) {
      throw new CommandLine.ParameterException(
          cmd, where + ": unknown limit '" + key + "' (expected one of: " + String.join(", ", KEYS.keySet()) + ")");
    }
    if (stdio && !CHANNEL_KEYS.contains(key) && !key.startsWith("termLimits.")) {
      throw new CommandLine.ParameterException(
          cmd, where + ": limit '" + key + "' does not apply to sshrpc stdio: sshd handles the connection"
              + " (expected one of: " + String.join(", ", CHANNEL_KEYS) + ", termLimits.*)");
    }
    try {
      s.set(t, value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, where + ": " + e.getMessage());
    }
  }

  private static final Pattern COUNT = Pattern.compile("\\d{1,10}");
  private static final Pattern BYTES = Pattern.compile("(\\d{1,19})(|B|KiB|MiB|GiB|K|M|G)");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
  private static final Pattern STARTUPS = Pattern.compile("(\\d{1,10}):(\\d{1,3}):(\\d{1,10})");

  static int count(String v) {
    if (!COUNT.matcher(v).matches() || Long.parseLong(v) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("bad value '" + v + "' (expected: an integer up to " + Integer.MAX_VALUE + ")");
    }
    return Integer.parseInt(v);
  }

  static long bytes(String v) {
    Matcher m = BYTES.matcher(v);
    String expected = " (expected: a size such as 65536, 64KiB, 16MiB, 1GiB)";
    if (!m.matches()) {
      throw new IllegalArgumentException("bad value '" + v + "'" + expected);
    }
    int shift;
    switch (m.group(2)) {
      case "KiB": case "K": shift = 10; break;
      case "MiB": case "M": shift = 20; break;
      case "GiB": case "G": shift = 30; break;
      default: shift = 0;
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad value '" + v + "'" + expected);
    }
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("bad value '" + v + "'" + expected);
    }
    return n << shift;
  }

  static int intBytes(String v) {
    long n = bytes(v);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("bad value '" + v + "' (expected: at most " + Integer.MAX_VALUE + " bytes)");
    }
    return (int) n;
  }

  /** {@code 0} (only meaningful for keepaliveInterval: off) or a number with ms, s, m or h. */
  static Duration duration(String v) {
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException("bad value '" + v + "' (expected: a duration such as 500ms, 30s, 10m, 2h)");
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms": return Duration.ofMillis(n);
      case "s": return Duration.ofSeconds(n);
      case "m": return Duration.ofMinutes(n);
      default: return Duration.ofHours(n);
    }
  }

  /** {@code start:rate:full}, or one number N meaning N:100:N (a hard limit), as OpenSSH's MaxStartups. */
  private static void maxStartups(Target t, String v) {
    Matcher m = STARTUPS.matcher(v);
    if (m.matches()) {
      t.limits.maxStartups(count(m.group(1)), count(m.group(2)), count(m.group(3)));
    } else if (COUNT.matcher(v).matches()) {
      t.limits.maxUnauthenticated(count(v));
    } else {
      throw new IllegalArgumentException("bad value '" + v + "' (expected: start:rate:full such as 10:30:100, or one number)");
    }
  }

  /** {@code NODE/USER/CONNECTION}, each a byte size such as 64MiB. */
  private static void memoryBudget(Target t, String v) {
    String[] p = v.split("/", -1);
    if (p.length != 3) {
      throw new IllegalArgumentException("bad value '" + v + "' (expected: node/user/connection such as 200MiB/100MiB/50MiB)");
    }
    t.limits.memoryBudget(bytes(p[0]), bytes(p[1]), bytes(p[2]));
  }
}
