package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Term;

/** The sshrpc command run for real against servers on loopback, in-process and as a process. */
@Timeout(120)
class CliIT {
  @TempDir Path dir;

  private RpcServer server;
  private final CompletableFuture<Term> castReceived = new CompletableFuture<>();
  private Path key;
  private Path knownHosts;
  private int port;

  @BeforeEach
  void startServer() throws Exception {
    key = dir.resolve("id_ed25519");
    HostKeys client = HostKeys.loadOrGenerate(key); // an ed25519 key in OpenSSH format, mode 0600
    // Bound explicitly: a root-owned file (CI runs as root) never maps an unbound key to root.
    Files.writeString(
        dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + client.publicKeyLine() + " cli-it\n");
    Files.writeString(dir.resolve("policy"), "deny probe:secret/0\nallow *\n");
    RpcModule probe =
        RpcModule.builder("probe")
            .function("hit", 1, (ctx, a) -> {
              castReceived.complete(a.get(0));
              return ErlAtom.OK;
            })
            .function("sleep", 1, (ctx, a) -> {
              Thread.sleep(((org.sshrpc.term.ErlInteger) a.get(0)).longValue());
              return ErlAtom.OK;
            })
            .function("secret", 0, (ctx, a) -> ErlAtom.of("leaked"))
            .build();
    RpcServer.Builder b =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .policyFile(dir.resolve("policy"))
            .module(probe);
    server = b.build().start();
    port = server.port();
    knownHosts = dir.resolve("known_hosts");
    Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + server.hostKeys().publicKeyLine() + "\n");
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private String node() {
    return "127.0.0.1:" + port;
  }

  /** Runs sshrpc in-process; returns {exit code, stdout, stderr}. */
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args);
    return new String[] {
      String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
    };
  }

  private String[] call(String... more) {
    List<String> args = new ArrayList<>(List.of("call", "-i", key.toString(), "--known-hosts", knownHosts.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(new String[0]));
  }

  @Test
  void callPrintsTheReplyInErlangSyntax() {
    String[] r = call(node(), "lists:seq(1, 10)");
    assertEquals("0", r[0], r[2]);
    assertEquals("[1,2,3,4,5,6,7,8,9,10]\n", r[1]);
    assertEquals("", r[2]);

    r = call(node(), "sshrpc:echo({ok, \"text\", <<\"héllo\"/utf8>>, #{k => 1.5}, [a|b]})");
    assertEquals("0", r[0], r[2]);
    assertEquals("{ok,\"text\",<<\"héllo\"/utf8>>,#{k => 1.5},[a|b]}\n", r[1]);
  }

  @Test
  void errorRepliesGoToStderrAsTermsWithExit1() {
    String[] r = call(node(), "lists:nth(5, [a])");
    assertEquals("1", r[0]);
    assertEquals("", r[1]);
    assertTrue(r[2].startsWith("{'EXIT',{function_clause,"), r[2]);
    assertEquals(1, r[2].lines().count(), r[2]);

    r = call(node(), "nosuch:fn(1)");
    assertEquals("1", r[0]);
    assertTrue(r[2].contains("undef"), r[2]);

    r = call(node(), "probe:secret()");
    assertEquals("1", r[0]);
    assertTrue(r[2].contains("sshrpc_denied"), r[2]);
    assertFalse(r[2].contains("leaked"), r[2]);
  }

  @Test
  void timeoutIsAnErrorReply() {
    String[] r = call("--timeout", "300", node(), "probe:sleep(5000)");
    assertEquals("1", r[0], r[2]);
    assertTrue(r[2].contains("timeout"), r[2]);
  }

  @Test
  void connectionAuthAndHostKeyFailuresExit2WithOneLine() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String[] r = call("127.0.0.1:" + closed, "lists:seq(1,2)");
    assertEquals("2", r[0]);
    assertEquals(1, r[2].lines().count(), r[2]);
    assertEquals("sshrpc: connect to host 127.0.0.1 port " + closed + ": Connection refused\n", r[2]);

    Path empty = Files.writeString(dir.resolve("empty_known_hosts"), "");
    r = run("call", "-i", key.toString(), "--known-hosts", empty.toString(), node(), "lists:seq(1,2)");
    assertEquals("2", r[0]);
    assertEquals(1, r[2].lines().count(), r[2]);
    assertTrue(r[2].contains(server.hostKeyFingerprint()), r[2]);
    assertEquals("", Files.readString(empty));

    Path other = dir.resolve("other_host_key");
    Files.writeString(other, "[127.0.0.1]:" + port + " " + HostKeys.loadOrGenerate(dir.resolve("x")).publicKeyLine() + "\n");
    r = run("call", "-i", key.toString(), "--known-hosts", other.toString(), node(), "lists:seq(1,2)");
    assertEquals("2", r[0]);
    assertEquals(1, r[2].lines().count(), r[2]);
    assertTrue(r[2].contains(server.hostKeyFingerprint()), r[2]);

    Path stranger = dir.resolve("stranger");
    HostKeys.loadOrGenerate(stranger);
    r = run("call", "-i", stranger.toString(), "--known-hosts", knownHosts.toString(), node(), "lists:seq(1,2)");
    assertEquals("2", r[0]);
    assertEquals(1, r[2].lines().count(), r[2]);
    assertEquals(
        "sshrpc: " + System.getProperty("user.name") + "@127.0.0.1: Permission denied (publickey); tried: "
            + stranger + " " + HostKeys.loadOrGenerate(stranger).fingerprint() + "\n",
        r[2]);
  }

  @Test
  void acceptNewHostRecordsTheKey() throws Exception {
    Path fresh = dir.resolve("fresh_known_hosts");
    String[] r = run("call", "-i", key.toString(), "--known-hosts", fresh.toString(), "--accept-new-host", node(), "sshrpc:ping()");
    assertEquals("0", r[0], r[2]);
    assertEquals("pong\n", r[1]);
    String recorded = Files.readString(fresh);
    assertTrue(recorded.contains(server.hostKeys().publicKeyLine().split(" ")[1]), recorded);
    r = run("call", "-i", key.toString(), "--known-hosts", fresh.toString(), node(), "sshrpc:ping()");
    assertEquals("0", r[0], r[2]);
  }

  @Test
  void ipv6Loopback() throws Exception {
    Assumptions.assumeTrue(ipv6LoopbackWorks(), "no IPv6 loopback on this machine");
    server.close();
    server =
        RpcServer.builder()
            .listen("::1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .build()
            .start();
    port = server.port();
    Files.writeString(knownHosts, "[::1]:" + port + " " + server.hostKeys().publicKeyLine() + "\n");
    String[] r = call("[::1]:" + port, "lists:reverse([1,2,3])");
    assertEquals("0", r[0], r[2]);
    assertEquals("[3,2,1]\n", r[1]);
  }

  private static boolean ipv6LoopbackWorks() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void castRunsWithoutAReply() throws Exception {
    String[] r = run("cast", "-i", key.toString(), "--known-hosts", knownHosts.toString(), node(), "probe:hit({cast, 1})");
    assertEquals("0", r[0], r[2]);
    assertEquals("", r[1]);
    assertEquals("{cast,1}", castReceived.get(20, TimeUnit.SECONDS).toString());
  }

  @Test
  void multicallReportsEachNodeAndTheBadOnes() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Files.writeString(knownHosts, "[localhost]:" + port + " " + server.hostKeys().publicKeyLine() + "\n", java.nio.file.StandardOpenOption.APPEND);
    Path cluster = Files.writeString(dir.resolve("cluster"), "localhost:" + port + "\n127.0.0.1:" + closed + "\n");
    String[] r =
        run("multicall", "-i", key.toString(), "--known-hosts", knownHosts.toString(), "--cluster", cluster.toString(),
            "--timeout", "20000", node(), "lists:sum([1,2,3])");
    assertEquals("2", r[0], r[1] + r[2]);
    List<String> lines = r[1].lines().toList();
    assertEquals(4, lines.size(), r[1]);
    assertEquals("localhost:" + port + "\t6", lines.get(0));
    assertTrue(lines.get(1).startsWith("127.0.0.1:" + closed + "\t{badnode,<<\""), lines.get(1));
    assertEquals("127.0.0.1:" + port + "\t6", lines.get(2));
    assertEquals("{[6,6],[<<\"127.0.0.1:" + closed + "\">>]}", lines.get(3));

    r = run("multicall", "-i", key.toString(), "--known-hosts", knownHosts.toString(), node(), "lists:nth(9,[])");
    assertEquals("1", r[0], r[1] + r[2]);
    assertTrue(r[1].startsWith(node() + "\t{badrpc,{'EXIT',{function_clause,"), r[1]);
  }

  @Test
  void demoRunsEndToEndAndCleansUp() {
    String[] r = run("demo", "--calls", "300", "--warmup", "20");
    assertEquals("0", r[0], r[1] + r[2]);
    String out = r[1];
    assertTrue(out.contains("'lists:seq(1,100)'"), out);
    assertTrue(out.contains("[1,2,3,4,5,6,7,8,9,10,11,"), out);
    assertTrue(out.contains("{sshrpc_denied,{vault,secret,0}}") || out.contains("sshrpc_denied"), out);
    assertTrue(out.contains("function_clause"), out);
    assertTrue(out.contains("benchmark: 300 sequential calls of lists:seq(1,100)"), out);
    assertTrue(Pattern.compile("loopback: [0-9,]+ calls/s").matcher(out).find(), out);
    assertTrue(out.contains("~500 calls/s"), out);
    Matcher m = Pattern.compile("policy in (\\S+) \\(removed").matcher(out);
    assertTrue(m.find(), out);
    assertFalse(Files.exists(Path.of(m.group(1))), "demo left " + m.group(1));
  }

  @Test
  void serveRunsUntilSigtermAndClosesCleanly() throws Exception {
    Path jar = Path.of(System.getProperty("basedir", ".")).resolve("target/sshrpc.jar");
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run through mvn verify (package builds it)");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path hostKey = dir.resolve("serve_host_key");
    Process p =
        new ProcessBuilder(
                java, "-jar", jar.toString(), "serve", "--listen", "127.0.0.1:0", "--host-key", hostKey.toString(),
                "--authorized-keys", dir.resolve("authorized_keys").toString(), "--node-name", "cli-it-node")
            .redirectError(dir.resolve("serve.err").toFile())
            .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String ready = CompletableFuture.supplyAsync(() -> readLine(out)).get(60, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("^sshrpc serve: ready on 127\\.0\\.0\\.1:(\\d+) \\(host key (SHA256:\\S+)\\)$").matcher(ready);
      assertTrue(m.find(), ready);
      int servePort = Integer.parseInt(m.group(1));
      HostKeys hk = HostKeys.loadOrGenerate(hostKey);
      assertEquals(hk.fingerprint(), m.group(2));
      Path kh = Files.writeString(dir.resolve("serve_known_hosts"), "[127.0.0.1]:" + servePort + " " + hk.publicKeyLine() + "\n");
      String[] r = run("call", "-i", key.toString(), "--known-hosts", kh.toString(), "127.0.0.1:" + servePort, "sshrpc:info()");
      assertEquals("0", r[0], r[2]);
      assertTrue(r[1].contains("cli-it-node"), r[1]);
    } finally {
      p.destroy(); // SIGTERM
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("serve did not stop within 30 s of SIGTERM");
      }
    }
    assertEquals(143, p.exitValue()); // 128 + SIGTERM: the JVM ran its shutdown hooks
    String err = Files.readString(dir.resolve("serve.err"));
    assertTrue(err.contains("sshrpc serve: stopped"), err);
  }

  private static String readLine(BufferedReader r) {
    try {
      String line = r.readLine();
      return line == null ? "(end of output)" : line;
    } catch (java.io.IOException e) {
      return "(" + e + ")";
    }
  }
}
