package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.server.Metrics;
import org.sshrpc.server.RpcServer;
import org.sshrpc.testing.PrometheusText;

/** {@code sshrpc call -v}, {@code multicall}, {@code stats} and {@code bench --target} over a fleet target of two real servers. */
@Timeout(120)
class FleetCliIT {
  @TempDir Path dir;

  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void callSaysWhichReplicaAnsweredAndMulticallCallsThemAll() throws Exception {
    HostKeys user = HostKeys.loadOrGenerate(dir.resolve("id_user"));
    Files.writeString(dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + user.publicKeyLine() + "\n");
    try (RpcServer a = server("a");
        RpcServer b = server("b")) {
      Path kh = dir.resolve("known_hosts");
      Files.writeString(kh, "[127.0.0.1]:" + a.port() + " " + a.hostKeys().publicKeyLine() + "\n"
          + "[127.0.0.1]:" + b.port() + " " + b.hostKeys().publicKeyLine() + "\n");
      String target = "127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port();
      Set<String> answered = new HashSet<>();
      for (int i = 0; i < 40 && answered.size() < 2; i++) {
        String[] r = run("call", "-v", "-i", dir.resolve("id_user").toString(), "--known-hosts", kh.toString(), target,
            "sshrpc:ping()");
        assertEquals("0", r[0], r[2]);
        assertEquals("pong\n", r[1]);
        // -v may also show the SSH library's log: the answer line is the one that says so.
        String line = r[2].lines().filter(l -> l.startsWith("sshrpc: answered by ")).findFirst().orElse(null);
        assertTrue(line != null && line.startsWith("sshrpc: answered by 127.0.0.1:"), r[2]);
        answered.add(line);
      }
      assertEquals(Set.of("sshrpc: answered by 127.0.0.1:" + a.port(), "sshrpc: answered by 127.0.0.1:" + b.port()), answered);
      String[] m = run("multicall", "-i", dir.resolve("id_user").toString(), "--known-hosts", kh.toString(), target,
          "sshrpc:ping()");
      assertEquals("0", m[0], m[2]);
      assertEquals("127.0.0.1:" + a.port() + "\tpong\n127.0.0.1:" + b.port() + "\tpong\n{[pong,pong],[]}\n", m[1]);
    }
  }

  @Test
  void statsPrintsEveryReplicaUnderItsOwnHeader() throws Exception {
    HostKeys user = HostKeys.loadOrGenerate(dir.resolve("id_user"));
    Files.writeString(dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + user.publicKeyLine() + "\n");
    Files.writeString(dir.resolve("policy"), "allow key=" + user.fingerprint() + " sshrpc_metrics:scrape/0\nallow *\n");
    try (RpcServer a = meteredServer("a");
        RpcServer b = meteredServer("b")) {
      Path kh = knownHosts(a, b);
      String id = dir.resolve("id_user").toString();
      // One call on a alone: its section, and only its, counts it.
      assertEquals("0", run("call", "-i", id, "--known-hosts", kh.toString(), "127.0.0.1:" + a.port(), "lists:seq(1, 10)")[0]);
      String[] r = run("stats", "-i", id, "--known-hosts", kh.toString(), "127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port());
      assertEquals("0", r[0], r[2]);
      assertEquals("", r[2]);
      List<String> headers = r[1].lines().filter(l -> l.startsWith("# replica ")).toList();
      assertEquals(List.of("# replica 127.0.0.1:" + a.port(), "# replica 127.0.0.1:" + b.port()), headers);
      assertTrue(r[1].startsWith(headers.get(0) + "\n"), r[1]);
      String[] sections = r[1].split("# replica 127\\.0\\.0\\.1:" + b.port() + "\n");
      assertEquals(2, sections.length, r[1]);
      PrometheusText pa = PrometheusText.parse(sections[0]);
      PrometheusText pb = PrometheusText.parse(sections[1]);
      assertEquals(1, pa.value("sshrpc_calls_seconds_count", "mfa", "lists:seq/2", "status", "ok"));
      assertTrue(pb.samples("sshrpc_calls_seconds_count").stream().noneMatch(x -> "lists:seq/2".equals(x.labels().get("mfa"))),
          sections[1]);
      assertEquals(1, pa.value("sshrpc_sessions_active"), "a's stats channel");
      assertEquals(1, pb.value("sshrpc_sessions_active"), "b's stats channel");

      // A replica that cannot be reached: the others are still printed, its error names it, exit 2.
      String[] down = run("stats", "-i", id, "--known-hosts", kh.toString(), "127.0.0.1:1,127.0.0.1:" + b.port());
      assertEquals(String.valueOf(Main.UNAVAILABLE), down[0], down[2]);
      assertTrue(down[1].startsWith("# replica 127.0.0.1:1\n# replica 127.0.0.1:" + b.port() + "\n"), down[1]);
      assertTrue(down[2].startsWith("127.0.0.1:1: sshrpc: "), down[2]);
      assertEquals(1, down[2].lines().count(), down[2]);
    }
  }

  @Test
  void benchTargetBalancesOverTheReplicasAndCountsEach() throws Exception {
    HostKeys user = HostKeys.loadOrGenerate(dir.resolve("id_user"));
    Files.writeString(dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + user.publicKeyLine() + "\n");
    try (RpcServer a = server("a");
        RpcServer b = server("b")) {
      Path kh = knownHosts(a, b);
      String target = "127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port();
      String[] r = run("bench", "--target", target, "-i", dir.resolve("id_user").toString(), "--known-hosts", kh.toString(),
          "--calls", "400", "--warmup", "50", "--connections", "2", "--in-flight", "4", "sshrpc:ping()");
      assertEquals("0", r[0], r[2]);
      List<String> lines = r[1].lines().toList();
      assertEquals("target " + target + " (2 replicas), protocol v2; 2 connections per replica x 4 in flight; sshrpc:ping()",
          lines.get(0));
      assertTrue(lines.contains("errors     none"), r[1]);
      assertTrue(lines.get(lines.size() - 1).matches("calls_per_s=\\d+"), r[1]);
      List<Long> counts = new ArrayList<>();
      for (RpcServer s : List.of(a, b)) {
        String prefix = "replica    127.0.0.1:" + s.port() + "  calls ";
        String line = lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(r[1]));
        String[] w = line.substring(prefix.length()).split("  errors ");
        assertEquals("0", w[1], line);
        long n = Long.parseLong(w[0]);
        assertTrue(n > 0, "replica " + s.port() + " got no call: " + r[1]);
        counts.add(n);
      }
      // The warm-up's 50 calls are not counted: the replicas' measured calls are exactly the run's.
      assertEquals(400, counts.get(0) + counts.get(1), r[1]);
      assertEquals(2, lines.stream().filter(l -> l.startsWith("replica ")).count(), r[1]);
    }
  }

  private Path knownHosts(RpcServer a, RpcServer b) throws Exception {
    Path kh = dir.resolve("known_hosts");
    Files.writeString(kh, "[127.0.0.1]:" + a.port() + " " + a.hostKeys().publicKeyLine() + "\n"
        + "[127.0.0.1]:" + b.port() + " " + b.hostKeys().publicKeyLine() + "\n");
    return kh;
  }

  private RpcServer server(String name) throws Exception {
    return RpcServer.builder()
        .listen("127.0.0.1", 0)
        .hostKey(dir.resolve("host_" + name))
        .authorizedKeys(dir.resolve("authorized_keys"))
        .build()
        .start();
  }

  /** A server with metrics whose policy lets the user scrape them. */
  private RpcServer meteredServer(String name) throws Exception {
    return RpcServer.builder()
        .listen("127.0.0.1", 0)
        .hostKey(dir.resolve("host_" + name))
        .authorizedKeys(dir.resolve("authorized_keys"))
        .policyFile(dir.resolve("policy"))
        .metrics(Metrics.builder().build())
        .build()
        .start();
  }
}
