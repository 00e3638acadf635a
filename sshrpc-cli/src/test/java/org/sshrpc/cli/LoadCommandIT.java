package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.testing.Tools;

/** {@code sshrpc bench --target}: the load generator run against real servers on loopback. */
@Timeout(180)
class LoadCommandIT {
  private static final Pattern LAST_LINE = Pattern.compile("calls_per_s=(\\d+)");
  private static final Pattern CALLS =
      Pattern.compile("(?m)^calls +(\\d+) completed in [0-9.]+ s: (\\d+) ok, (\\d+) failed$");

  @TempDir Path dir;

  private RpcServer server;
  private Path key;
  private Path knownHosts;
  private final AtomicInteger hits = new AtomicInteger();

  @BeforeEach
  void startServer() throws Exception {
    key = dir.resolve("id_ed25519");
    HostKeys client = HostKeys.loadOrGenerate(key);
    Files.writeString(
        dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + client.publicKeyLine() + " load-it\n");
    Files.writeString(dir.resolve("policy"), "deny probe:secret/0\nallow *\n");
    RpcModule probe =
        RpcModule.builder("probe")
            .function("hit", 0, (ctx, a) -> {
              hits.incrementAndGet();
              return ErlAtom.OK;
            })
            .function("sleep", 1, (ctx, a) -> {
              Thread.sleep(((ErlInteger) a.get(0)).longValue());
              return ErlAtom.OK;
            })
            .function("secret", 0, (ctx, a) -> ErlAtom.of("leaked"))
            .build();
    server =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .policyFile(dir.resolve("policy"))
            .module(probe)
            .build()
            .start();
    knownHosts = dir.resolve("known_hosts");
    Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " " + server.hostKeys().publicKeyLine() + "\n");
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  /** Runs {@code sshrpc bench --target ... more} in-process; returns {exit code, stdout, stderr}. */
  private String[] load(int port, String... more) {
    List<String> args = new ArrayList<>(List.of(
        "bench", "--target", "127.0.0.1:" + port, "-i", key.toString(), "--known-hosts", knownHosts.toString()));
    args.addAll(List.of(more));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        args.toArray(new String[0]));
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  /** {completed, ok, failed} from the report, after checking its last line's format. */
  private static long[] counts(String out) {
    List<String> lines = out.lines().toList();
    assertTrue(LAST_LINE.matcher(lines.get(lines.size() - 1)).matches(), "last line: " + out);
    Matcher m = CALLS.matcher(out);
    assertTrue(m.find(), out);
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
  }

  @Test
  void makesExactlyTheCallsAskedOverSeveralConnectionsAndReportsThem() {
    String[] r = load(server.port(), "--calls", "300", "--in-flight", "8", "--connections", "3", "--warmup", "40", "probe:hit()");
    assertEquals("0", r[0], r[1] + r[2]);
    assertEquals("", r[2]);
    assertEquals(300 + 40, hits.get(), "the server ran the warm-up and the measured calls, no more");
    long[] c = counts(r[1]);
    assertEquals(300, c[0], r[1]);
    assertEquals(300, c[1], r[1]);
    assertEquals(0, c[2], r[1]);
    String out = r[1];
    assertTrue(out.startsWith("target 127.0.0.1:" + server.port() + ", protocol v2; 3 connections x 8 in flight; probe:hit()\n"), out);
    assertTrue(Pattern.compile("(?m)^latency +p50 [0-9.]+ ms  p90 [0-9.]+ ms  p99 [0-9.]+ ms  max [0-9.]+ ms$").matcher(out).find(), out);
    assertTrue(out.contains("\nerrors     none\n"), out);
    assertTrue(Pattern.compile("(?m)^calls/s +[0-9.]+$").matcher(out).find(), out);
    assertTrue(!out.contains("\r"), "no progress line when stdout is not a terminal: " + out);
  }

  @Test
  void theProgressLineIsRedrawnAndErasedBeforeTheReport() {
    LoadCommand cmd = new LoadCommand();
    cmd.progress = true; // as on a terminal
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = BenchCommand.loadCommandLine(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), cmd)
        .execute("--target", "127.0.0.1:" + server.port(), "-i", key.toString(), "--known-hosts", knownHosts.toString(),
            "--duration", "2.5", "--in-flight", "2", "probe:sleep(20)");
    String o = out.toString();
    assertEquals(0, code, o + err);
    assertTrue(Pattern.compile("\r +[0-9.]+ s  \\d+ calls  \\d+ calls/s  0 failed   ").matcher(o).find(), o);
    assertTrue(o.contains("\r\033[Kcalls      "), "the line is erased before the report: " + o);
    counts(o.substring(o.lastIndexOf("\033[K") + 3)); // the report as it stands once the line is erased
  }

  @Test
  void deniedCallsAreCountedAsPermissionDenied() {
    String[] r = load(server.port(), "--calls", "50", "--in-flight", "4", "probe:secret()");
    assertEquals("1", r[0], r[1] + r[2]);
    long[] c = counts(r[1]);
    assertEquals(50, c[0], r[1]);
    assertEquals(0, c[1], r[1]);
    assertEquals(50, c[2], r[1]);
    assertTrue(r[1].contains("\nerrors     PERMISSION_DENIED 50\n"), r[1]);
  }

  @Test
  void errorsAreGroupedByStatus() {
    // a 1 ms deadline on a 200 ms function: every call ends DEADLINE_EXCEEDED, none succeeds
    String[] r = load(server.port(), "--calls", "6", "--in-flight", "3", "--timeout", "1", "probe:sleep(200)");
    assertEquals("1", r[0], r[1] + r[2]);
    long[] c = counts(r[1]);
    assertEquals(6, c[0], r[1]);
    assertEquals(6, c[2], r[1]);
    assertTrue(r[1].contains("\nerrors     DEADLINE_EXCEEDED 6\n"), r[1]);
  }

  @Test
  void durationBoundsTheRun() {
    // Each call holds its slot >= 100 ms on the server, so 2 slots can finish at most
    // 2 x (1 s / 100 ms) calls plus the ones started just before the end: a run that ignored
    // --duration would make all 100,000.
    String[] r = load(server.port(), "--duration", "1", "--calls", "100000", "--in-flight", "2", "probe:sleep(100)");
    assertEquals("0", r[0], r[1] + r[2]);
    long[] c = counts(r[1]);
    assertTrue(c[0] >= 1 && c[0] <= 22, "completed " + c[0] + ": " + r[1]);
    assertEquals(c[0], c[1], r[1]);
  }

  @Test
  void unreachableNodeExits2WithOneLine() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String[] r = load(closed, "--calls", "5", "probe:hit()");
    assertEquals("2", r[0], r[1] + r[2]);
    assertEquals(1, r[2].lines().count(), r[2]);
    assertTrue(r[2].startsWith("sshrpc: "), r[2]);
    assertEquals(0, hits.get());
  }

  @Test
  void fallsBackToV1AgainstTheErlangV1Server() throws Exception {
    String escript = Tools.requireTool("escript");
    Tools.requireTool("erl");
    String keygen = Tools.requireTool("ssh-keygen");
    Path sys = Files.createDirectories(dir.resolve("system"));
    Path user = Files.createDirectories(dir.resolve("user"));
    Process kg = new ProcessBuilder(keygen, "-q", "-t", "ed25519", "-N", "", "-f", sys.resolve("ssh_host_ed25519_key").toString())
        .redirectErrorStream(true).start();
    assertTrue(kg.waitFor(30, TimeUnit.SECONDS) && kg.exitValue() == 0, "ssh-keygen failed");
    Files.writeString(user.resolve("authorized_keys"), HostKeys.loadOrGenerate(key).publicKeyLine() + "\n");
    Path script = dir.resolve("sshrpc_v1_server.escript");
    try (InputStream in = LoadCommandIT.class.getResourceAsStream("/erlang/sshrpc_v1_server.escript")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    Process erl = new ProcessBuilder(escript, script.toString(), sys.toString(), user.toString(), "0")
        .redirectErrorStream(true).start();
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(erl.getInputStream(), StandardCharsets.UTF_8));
      String first = CompletableFuture.supplyAsync(() -> {
        try {
          for (String l; (l = lines.readLine()) != null; ) {
            if (l.startsWith("PORT ")) {
              return l;
            }
          }
          return "(ended)";
        } catch (java.io.IOException e) {
          return "(" + e + ")";
        }
      }).get(60, TimeUnit.SECONDS);
      assertTrue(first.startsWith("PORT "), first);
      int port = Integer.parseInt(first.substring(5).trim());
      String hostKey = Files.readString(sys.resolve("ssh_host_ed25519_key.pub")).trim();
      Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + hostKey + "\n");
      String[] r = load(port, "--calls", "40", "--in-flight", "4", "lists:seq(1,10)");
      assertEquals("0", r[0], r[1] + r[2]);
      assertTrue(r[1].startsWith("target 127.0.0.1:" + port + ", protocol v1 (the server offers no v2"), r[1]);
      long[] c = counts(r[1]);
      assertEquals(40, c[0], r[1]);
      assertEquals(40, c[1], r[1]);
    } finally {
      erl.getOutputStream().close(); // the escript exits when its stdin closes
      if (!erl.waitFor(10, TimeUnit.SECONDS)) {
        erl.destroyForcibly();
      }
    }
  }
}
