package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.testing.ErlangApp;

/**
 * {@code sshrpc call} and {@code sshrpc multicall} against the Erlang application's server
 * (erlang/sshrpc in an {@code ssh:daemon}): values, the error terms on stderr with exit 1, a
 * deadline, several nodes, and a server that dies during a call.
 */
@Timeout(120)
class ErlangServerCliIT {
  @TempDir static Path dir;
  static Path key;
  static Path knownHosts;
  static ErlangApp.Server server;

  @BeforeAll
  static void start() throws Exception {
    key = ErlangApp.keygen(dir.resolve("client"), "id_ed25519");
    server = ErlangApp.Server.start(dir.resolve("server"), key);
    knownHosts = server.knownHosts(dir.resolve("known_hosts"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** Runs sshrpc in-process; returns {exit code, stdout, stderr}. */
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  private static String[] call(Path kh, String... more) {
    List<String> args = new ArrayList<>(List.of("call", "-i", key.toString(), "--known-hosts", kh.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(new String[0]));
  }

  private static String node(ErlangApp.Server s) {
    return "127.0.0.1:" + s.port;
  }

  @Test
  void callPrintsValues() {
    String[] r = call(knownHosts, node(server), "lists:seq(1, 10)");
    assertEquals("0", r[0], r[2]);
    assertEquals("[1,2,3,4,5,6,7,8,9,10]\n", r[1]);
    r = call(knownHosts, node(server), "sshrpc_test_funs:echo({ok, <<\"héllo\"/utf8>>, [1.5, \"text\"]})");
    assertEquals("0", r[0], r[2]);
    assertEquals("{ok,<<\"héllo\"/utf8>>,[1.5,\"text\"]}\n", r[1]);
  }

  @Test
  void errorsAreErlangTermsOnStderrWithExit1() {
    String[] r = call(knownHosts, node(server), "sshrpc_test_funs:no_such_function(1)");
    assertEquals("1", r[0], r[1] + r[2]);
    assertEquals("", r[1]);
    assertEquals("{'EXIT',{undef,[{sshrpc_test_funs,no_such_function,[1],[]}]}}\n", r[2]);

    r = call(knownHosts, node(server), "sshrpc_test_funs:secret()");
    assertEquals("1", r[0], r[1] + r[2]);
    assertEquals("{sshrpc_denied,{sshrpc_test_funs,secret,0}}\n", r[2]);

    r = call(knownHosts, node(server), "sshrpc_test_funs:raise(badarg)");
    assertEquals("1", r[0], r[1] + r[2]);
    assertEquals("{'EXIT',{badarg,[{sshrpc_test_funs,raise,1,[]}]}}\n", r[2]);
  }

  @Test
  void timeoutIsAnErrorReply() {
    String[] r = call(knownHosts, "--timeout", "300", node(server), "sshrpc_test_funs:sleep(5000)");
    assertEquals("1", r[0], r[1] + r[2]);
    // The server's deadline (sent with the call) or the client's own, whichever fires first.
    assertTrue(Set.of("timeout\n", "deadline_exceeded\n").contains(r[2]), r[2]);
  }

  @Test
  void castRunsOnTheErlangNode() throws Exception {
    List<String> args = new ArrayList<>(List.of("cast", "-i", key.toString(), "--known-hosts", knownHosts.toString()));
    args.addAll(List.of(node(server), "sshrpc_test_funs:mark(42)"));
    String[] r = run(args.toArray(new String[0]));
    assertEquals("0", r[0], r[1] + r[2]);
    boolean marked = false;
    for (int i = 0; i < 100 && !marked; i++) {
      marked = call(knownHosts, node(server), "sshrpc_test_funs:marked(42)")[1].equals("true\n");
      if (!marked) {
        Thread.sleep(50);
      }
    }
    assertTrue(marked, "the cast did not run");
  }

  @Test
  void multicallReportsEachNode() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Files.writeString(knownHosts, "[localhost]:" + server.port + " " + ErlangApp.publicLine(server.hostKey) + "\n",
        java.nio.file.StandardOpenOption.APPEND);
    String[] r = run("multicall", "-i", key.toString(), "--known-hosts", knownHosts.toString(), "--timeout", "20000",
        "localhost:" + server.port, "127.0.0.1:" + closed, node(server), "lists:sum([1,2,3])");
    assertEquals("2", r[0], r[1] + r[2]);
    List<String> lines = r[1].lines().toList();
    assertEquals(4, lines.size(), r[1]);
    assertEquals("localhost:" + server.port + "\t6", lines.get(0));
    assertTrue(lines.get(1).startsWith("127.0.0.1:" + closed + "\t{badnode,<<\""), lines.get(1));
    assertEquals(node(server) + "\t6", lines.get(2));
    assertEquals("{[6,6],[<<\"127.0.0.1:" + closed + "\">>]}", lines.get(3));

    r = run("multicall", "-i", key.toString(), "--known-hosts", knownHosts.toString(), node(server), "lists:nth(9,[])");
    assertEquals("1", r[0], r[1] + r[2]);
    assertTrue(r[1].startsWith(node(server) + "\t{badrpc,{'EXIT',{function_clause,"), r[1]);
  }

  @Test
  void serverDyingDuringACall() throws Exception {
    try (ErlangApp.Server own = ErlangApp.Server.start(dir.resolve("server-dying"), key)) {
      Path kh = own.knownHosts(dir.resolve("known_hosts_dying"));
      CompletableFuture<String[]> r =
          CompletableFuture.supplyAsync(() -> call(kh, node(own), "sshrpc_test_funs:mark_then_sleep(7, 20000)"));
      boolean running = false;
      for (int i = 0; i < 200 && !running; i++) {
        running = call(kh, node(own), "sshrpc_test_funs:marked(7)")[1].equals("true\n");
        if (!running) {
          Thread.sleep(50);
        }
      }
      assertTrue(running, "the call never started");
      own.kill();
      String[] out = r.get(60, TimeUnit.SECONDS);
      assertEquals("2", out[0], out[1] + out[2]);
      assertEquals("", out[1]);
      assertTrue(out[2].startsWith("sshrpc: "), out[2]);
      assertEquals(1, out[2].lines().count(), out[2]);
    }
  }
}
