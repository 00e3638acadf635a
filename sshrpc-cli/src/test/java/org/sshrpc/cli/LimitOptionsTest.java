package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.server.RpcServer;
import org.sshrpc.server.RpcService;
import org.sshrpc.server.ServerLimits;
import org.sshrpc.term.TermLimits;
import picocli.CommandLine;

/**
 * {@code --limits FILE} and {@code --limit KEY=VALUE} of serve and stdio, through the argument
 * parser and the server builder, without a network: each key reaches the limits the built server
 * enforces, and bad input exits 64 with the place, the key and the expected form.
 */
@Timeout(60)
class LimitOptionsTest {
  @TempDir Path dir;

  /** One non-default value per key, and what the limits must then be. */
  private static final Map<String, String> SAMPLE =
      Map.ofEntries(
          Map.entry("maxFrameLength", "1MiB"),
          Map.entry("frameTimeout", "7s"),
          Map.entry("maxInFlightPerChannel", "17"),
          Map.entry("maxOutboundBytesPerChannel", "256KiB"),
          Map.entry("maxChannelsPerSession", "3"),
          Map.entry("maxSessionsPerUser", "9"),
          Map.entry("maxSessions", "77"),
          Map.entry("memoryBudget", "200MiB/100MiB/50MiB"),
          Map.entry("maxWorkersPerUser", "3"),
          Map.entry("maxStartups", "4:50:40"),
          Map.entry("maxUnauthenticated", "33"),
          Map.entry("maxUnauthenticatedPerSource", "2"),
          Map.entry("versionLineTimeout", "1500ms"),
          Map.entry("maxAuthAttempts", "4"),
          Map.entry("authTimeout", "20s"),
          Map.entry("idleTimeout", "2m"),
          Map.entry("keepaliveInterval", "30s"),
          Map.entry("keepaliveMaxMissed", "5"),
          Map.entry("executorThreads", "6"),
          Map.entry("executorQueue", "500"),
          Map.entry("defaultCallTimeout", "90s"),
          Map.entry("termLimits.maxInputBytes", "512KiB"),
          Map.entry("termLimits.maxDepth", "64"),
          Map.entry("termLimits.maxElements", "1000"),
          Map.entry("termLimits.maxAtomLength", "100"),
          Map.entry("termLimits.maxBinaryBytes", "1M"),
          Map.entry("termLimits.maxBigIntegerBytes", "1024"),
          Map.entry("termLimits.maxDecompressedBytes", "2MiB"));

  /** serve's arguments with an existing (empty) authorized_keys, so no warning precedes the errors. */
  private String[] serveArgs(String... more) {
    try {
      if (!Files.exists(dir.resolve("ak"))) {
        Files.createFile(dir.resolve("ak"));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<String> a =
        new ArrayList<>(
            List.of(
                "serve", "--listen", "127.0.0.1:0", "--host-key", dir.resolve("hk").toString(),
                "--authorized-keys", dir.resolve("ak").toString()));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  /** The limits of the server {@code serve ARGS} builds (not started: no network). */
  private ServerLimits served(String... more) throws Exception {
    ServeCommand s = (ServeCommand) Main.fromArgs(serveArgs(more));
    RpcServer server = s.builder().build();
    try {
      return server.limits();
    } finally {
      server.close();
    }
  }

  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void everyKeyReachesTheServersLimits() throws Exception {
    assertEquals(ServerLimits.DEFAULT, served());
    List<String> args = new ArrayList<>();
    for (String key : LimitOptions.KEYS.keySet()) {
      String v = SAMPLE.get(key);
      args.add("--limit");
      args.add(key + "=" + v);
      // Each key alone changes the enforced limits: none is ignored.
      assertNotEquals(ServerLimits.DEFAULT, served("--limit", key + "=" + v), key);
    }
    // maxUnauthenticated (a hard limit, N:100:N) comes after maxStartups and replaces it.
    ServerLimits expected =
        ServerLimits.builder()
            .maxFrameLength(1 << 20)
            .frameTimeout(Duration.ofSeconds(7))
            .maxInFlightPerChannel(17)
            .maxOutboundBytesPerChannel(256 << 10)
            .maxChannelsPerSession(3)
            .maxSessionsPerUser(9)
            .maxSessions(77)
            .memoryBudget(200L << 20, 100L << 20, 50L << 20)
            .maxWorkersPerUser(3)
            .maxStartups(4, 50, 40)
            .maxUnauthenticated(33)
            .maxUnauthenticatedPerSource(2)
            .versionLineTimeout(Duration.ofMillis(1500))
            .maxAuthAttempts(4)
            .authTimeout(Duration.ofSeconds(20))
            .idleTimeout(Duration.ofMinutes(2))
            .keepaliveInterval(Duration.ofSeconds(30))
            .keepaliveMaxMissed(5)
            .executorThreads(6)
            .executorQueue(500)
            .defaultCallTimeout(Duration.ofSeconds(90))
            .termLimits(
                TermLimits.builder().maxInputBytes(512 << 10).maxDepth(64).maxElements(1000).maxAtomLength(100)
                    .maxBinaryBytes(1 << 20).maxBigIntegerBytes(1024).maxDecompressedBytes(2 << 20).build())
            .build();
    assertEquals(expected, served(args.toArray(new String[0])));

    ServerLimits red = served("--limit", "maxStartups=5:40:50");
    assertEquals(5, red.maxStartupsStart());
    assertEquals(40, red.maxStartupsRate());
    assertEquals(50, red.maxUnauthenticated());
    assertEquals(Duration.ZERO, served("--limit", "keepaliveInterval=30s", "--limit", "keepaliveInterval=0").keepaliveInterval());
    // Decoder limits follow the frame length unless given, as in the library.
    ServerLimits t = served("--limit", "maxFrameLength=1000", "--limit", "termLimits.maxDepth=9");
    assertEquals(1000, t.termLimits().maxInputBytes());
    assertEquals(9, t.termLimits().maxDepth());
  }

  @Test
  void everyServerLimitsFieldHasAKey() {
    // A new limit added to ServerLimits without a key here fails this test.
    Set<String> covered = new java.util.HashSet<>();
    for (String k : LimitOptions.KEYS.keySet()) {
      covered.add(k.startsWith("termLimits.") ? "termLimits" : k);
    }
    covered.add("maxStartupsStart"); // both set by maxStartups
    covered.add("maxStartupsRate");
    if (LimitOptions.KEYS.containsKey("memoryBudget")) { // one key sets the three levels
      covered.add("memoryBudgetNode");
      covered.add("memoryBudgetPerUser");
      covered.add("memoryBudgetPerConnection");
    }
    for (Method m : ServerLimits.class.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
          && !Set.of("hashCode", "toString", "newBuilder").contains(m.getName())) {
        assertTrue(covered.contains(m.getName()), "no --limit key for ServerLimits." + m.getName());
      }
    }
    for (Method m : TermLimits.class.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
          && m.getName().startsWith("max")) {
        assertTrue(LimitOptions.KEYS.containsKey("termLimits." + m.getName()), "no key for TermLimits." + m.getName());
      }
    }
  }

  @Test
  void aFileThenTheCommandLineWhichWins() throws Exception {
    Path f = dir.resolve("limits.conf");
    Files.writeString(
        f,
        "# pre-auth\nmaxStartups = 4:50:40\nmaxUnauthenticatedPerSource=3   # per address\n\nauthTimeout=20s\n");
    ServerLimits l = served("--limits", f.toString(), "--limit", "maxUnauthenticatedPerSource=2");
    assertEquals(ServerLimits.builder().maxStartups(4, 50, 40).maxUnauthenticatedPerSource(2).authTimeout(Duration.ofSeconds(20)).build(), l);
  }

  @Test
  void badKeysAndValuesExitWithUsageNamingWhereAndWhatWasExpected() throws Exception {
    String[] r = run(serveArgs("--limit", "maxSesions=5"));
    assertEquals("64", r[0]);
    assertTrue(
        r[2].startsWith(
            "--limit maxSesions=5: unknown limit 'maxSesions' (expected one of: maxFrameLength, frameTimeout,"),
        r[2]);
    assertEquals("", r[1]);

    r = run(serveArgs("--limit", "maxSessions=lots"));
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--limit maxSessions=lots: bad value 'lots' (expected: an integer up to 2147483647)"), r[2]);

    r = run(serveArgs("--limit", "maxSessions=0"));
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--limit maxSessions=0: maxSessions: 0 (expected: >= 1)"), r[2]);

    r = run(serveArgs("--limit", "authTimeout=60"));
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--limit authTimeout=60: bad value '60' (expected: a duration such as 500ms, 30s, 10m, 2h)"), r[2]);

    r = run(serveArgs("--limit", "maxStartups=30:30:20"));
    assertEquals("64", r[0]);
    assertTrue(
        r[2].startsWith("--limit maxStartups=30:30:20: maxStartups: 30:30:20 (expected: 0 <= start <= full, full >= 1, 1 <= rate <= 100)"),
        r[2]);

    r = run(serveArgs("--limit", "maxFrameLength=4GiB"));
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--limit maxFrameLength=4GiB: bad value '4GiB' (expected: at most 2147483647 bytes)"), r[2]);

    r = run(serveArgs("--limit", "maxSessions"));
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--limit maxSessions: expected KEY=VALUE"), r[2]);

    Path f = dir.resolve("bad.conf");
    Files.writeString(f, "maxSessions=10\n\nmaxFrameLength=16 MiB\n");
    r = run(serveArgs("--limits", f.toString()));
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith(f + ":3: bad value '16 MiB' (expected: a size such as 65536, 64KiB, 16MiB, 1GiB)"), r[2]);

    r = run(serveArgs("--limits", dir.resolve("missing.conf").toString()));
    assertEquals("64", r[0]);
    assertTrue(r[2].startsWith("--limits " + dir.resolve("missing.conf") + ": cannot read: "), r[2]);
  }

  @Test
  void stdioTakesTheChannelLimitsOnly() throws Exception {
    StdioCommand s =
        (StdioCommand) Main.fromArgs(
            "stdio", "--limit", "maxFrameLength=64KiB", "--limit", "maxInFlightPerChannel=3",
            "--limit", "termLimits.maxDepth=10");
    RpcService svc = s.service().build();
    try {
      assertEquals(64 << 10, svc.maxFrameLength());
      assertEquals(3, svc.maxInFlight());
    } finally {
      svc.close();
    }
    StdioCommand bad = (StdioCommand) Main.fromArgs("stdio", "--limit", "maxUnauthenticatedPerSource=3");
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, bad::service);
    assertEquals(
        "--limit maxUnauthenticatedPerSource=3: limit 'maxUnauthenticatedPerSource' does not apply to sshrpc stdio:"
            + " sshd handles the connection (expected one of: " + String.join(", ", LimitOptions.CHANNEL_KEYS)
            + ", termLimits.*)",
        e.getMessage());
  }
}
