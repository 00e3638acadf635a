package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.client.CallOptions;
import org.sshrpc.client.ReconnectPolicy;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * Faults (issue 6 item 5): the server killed with {@code kill -9} mid-traffic and restarted, a
 * handler that blocks forever, one that throws, one that runs out of memory. The server that is
 * killed runs in its own JVM ({@link FaultServerMain}); the others run in this one.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FaultIT {
  @TempDir Path dir;
  HardeningFixture fx;
  Process proc;

  @AfterEach
  void stop() throws InterruptedException {
    if (fx != null) {
      fx.close();
    }
    if (proc != null) {
      proc.destroyForcibly();
      proc.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts {@link FaultServerMain} on {@code port} and waits for its READY line. */
  private Process startServerJvm(int port, String heap) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
            FaultServerMain.class.getName(), dir.toString(), String.valueOf(port));
    pb.redirectError(dir.resolve("server-" + System.nanoTime() + ".log").toFile());
    Process p = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = ready.get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      p.destroyForcibly();
      throw new AssertionError("server JVM did not start");
    }
    assertNotNull(line, "server JVM exited early");
    assertTrue(line.startsWith("READY"), line);
    return p;
  }

  private KeyPair writeKeys() throws Exception {
    KeyPair alice = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    Files.writeString(dir.resolve("authorized_keys"), "sshrpc-user=\"alice\" " + PublicKeyEntry.toString(alice.getPublic()) + "\n");
    return alice;
  }

  @Test
  void killMinus9MidTrafficThenRestartClientsReconnectAndNoReplyGoesAstray() throws Exception {
    KeyPair alice = writeKeys();
    int port = freePort();
    proc = startServerJvm(port, "256m");
    // The host key file now exists; known_hosts pins it, and the restarted server must present it.
    Path kh = dir.resolve("known_hosts");
    Files.writeString(kh, "[127.0.0.1]:" + port + " "
        + PublicKeyEntry.toString(org.sshrpc.auth.HostKeys.loadOrGenerate(dir.resolve("host_ed25519")).publicKey()) + "\n");
    ReconnectPolicy fast = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build();
    try (RpcClient c = RpcClient.builder().identity(alice).knownHosts(kh).defaultUser("alice").reconnectPolicy(fast).build();
        RpcConnection conn = c.connect("alice@127.0.0.1:" + port)) {
      assertEquals(integer(1), conn.call("t", "echo", integer(1)));
      // Mid-traffic: slow calls certainly in flight, plus a burst of echoes that may or may not finish.
      List<CompletableFuture<Term>> slow = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        slow.add(conn.callAsync("t", "sleep", integer(30_000)));
      }
      List<CompletableFuture<Term>> echoes = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        echoes.add(conn.callAsync("t", "echo", integer(i)));
      }
      echoes.get(100).get(30, TimeUnit.SECONDS); // the kill lands mid-burst
      proc.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no goodbye
      assertTrue(proc.waitFor(20, TimeUnit.SECONDS));
      for (CompletableFuture<Term> f : slow) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertEquals(Status.UNAVAILABLE, ((RpcException) e.getCause()).status(), e.getCause().toString());
      }
      int answered = 0;
      for (int i = 0; i < echoes.size(); i++) {
        try {
          assertEquals(integer(i), echoes.get(i).get(30, TimeUnit.SECONDS), "echo " + i + " got another call's reply");
          answered++;
        } catch (ExecutionException e) {
          assertEquals(Status.UNAVAILABLE, ((RpcException) e.getCause()).status(), e.getCause().toString());
        }
      }
      System.out.println("FaultIT: " + answered + " of " + echoes.size() + " echoes answered before the kill");

      proc = startServerJvm(port, "256m"); // same port, same host key
      Term back = null;
      for (int attempt = 0; attempt < 200 && back == null; attempt++) {
        try {
          back = conn.call("t", "echo", atom("back"));
        } catch (RpcException retry) {
          assertEquals(Status.UNAVAILABLE, retry.status(), retry.toString());
          Thread.sleep(100);
        }
      }
      assertEquals(atom("back"), back);
      List<CompletableFuture<Term>> after = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        after.add(conn.callAsync("t", "echo", integer(1000 + i)));
      }
      for (int i = 0; i < after.size(); i++) {
        assertEquals(integer(1000 + i), after.get(i).get(30, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void aHandlerThatRunsOutOfHeapInItsOwnJvmFailsItsCallAndTheServerLivesOn() throws Exception {
    KeyPair alice = writeKeys();
    int port = freePort();
    proc = startServerJvm(port, "96m");
    Path kh = dir.resolve("known_hosts");
    Files.writeString(kh, "[127.0.0.1]:" + port + " "
        + PublicKeyEntry.toString(org.sshrpc.auth.HostKeys.loadOrGenerate(dir.resolve("host_ed25519")).publicKey()) + "\n");
    try (RpcClient c = RpcClient.builder().identity(alice).knownHosts(kh).defaultUser("alice").build();
        RpcConnection conn = c.connect("alice@127.0.0.1:" + port)) {
      for (int round = 0; round < 3; round++) {
        RpcException e = org.junit.jupiter.api.Assertions.assertThrows(RpcException.class, () -> conn.call("hog", "hog", integer(1024)));
        assertEquals(Status.RAISED, e.status(), e.toString());
        assertTrue(e.toString().contains("OutOfMemoryError"), e.toString());
        assertEquals(integer(round), conn.call("t", "echo", integer(round)), "served after the OOM");
      }
    }
    assertTrue(proc.isAlive());
  }

  @Test
  void handlersThatBlockForeverTimeOutWithoutStarvingOtherCalls() throws Exception {
    fx = HardeningFixture.start(dir, ServerLimits.DEFAULT); // 4 workers
    try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target())) {
      List<CompletableFuture<Term>> blocked = new ArrayList<>();
      for (int i = 0; i < 8; i++) { // twice the pool
        blocked.add(conn.callAsync("t", "block", List.of(), CallOptions.timeout(Duration.ofSeconds(1))));
      }
      // Other calls get through once the deadlines free the workers, without any client action.
      CompletableFuture<Term> echo = conn.callAsync("t", "echo", List.of(integer(5)), CallOptions.timeout(Duration.ofSeconds(30)));
      assertEquals(integer(5), echo.get(30, TimeUnit.SECONDS));
      for (CompletableFuture<Term> b : blocked) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> b.get(30, TimeUnit.SECONDS));
        assertEquals(Status.DEADLINE_EXCEEDED, ((RpcException) e.getCause()).status(), e.getCause().toString());
      }
      assertEquals(integer(6), conn.call("t", "echo", integer(6)));
      assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> fx.service().executor.getActiveCount() == 0),
          "blocked handlers were interrupted, workers freed");
    }
  }

  @Test
  void aHandlerThatThrowsOrAsksForTooMuchHeapReturnsAnErrorAndTheServerLivesOn() throws Exception {
    fx = HardeningFixture.start(dir, ServerLimits.DEFAULT);
    try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target())) {
      RpcException boom = org.junit.jupiter.api.Assertions.assertThrows(RpcException.class, () -> conn.call("t", "boom"));
      assertEquals(Status.RAISED, boom.status());
      assertTrue(boom.toString().contains("IllegalStateException"), boom.toString());
      assertTrue(!boom.toString().contains("at org.sshrpc"), "no server stack trace: " + boom);
      RpcException oom = org.junit.jupiter.api.Assertions.assertThrows(RpcException.class, () -> conn.call("t", "oom"));
      assertEquals(Status.RAISED, oom.status());
      assertTrue(oom.toString().contains("OutOfMemoryError"), oom.toString());
      RpcException huge = org.junit.jupiter.api.Assertions.assertThrows(RpcException.class, () -> conn.call("t", "huge"));
      // ~3 GB encoded: sized before encoding (encodedSizeAtMost stops at the limit) and replaced.
      assertEquals(Status.RESOURCE_EXHAUSTED, huge.status());
      assertTrue(huge.toString().contains("reply_too_large"), huge.toString());
      assertEquals(integer(9), conn.call("t", "echo", integer(9)));
    }
    // v1 too: a raw channel gets the seed's error answer, in order.
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeTerm(org.sshrpc.term.Terms.tuple(atom("mfa"), org.sshrpc.term.Terms.tuple(atom("t"), atom("oom"), org.sshrpc.term.Terms.nil())));
      r.writeTerm(org.sshrpc.term.Terms.tuple(atom("mfa"), org.sshrpc.term.Terms.tuple(atom("t"), atom("huge"), org.sshrpc.term.Terms.nil())));
      r.writeTerm(org.sshrpc.term.Terms.tuple(atom("mfa"), org.sshrpc.term.Terms.tuple(atom("t"), atom("echo"), org.sshrpc.term.Terms.list(integer(3)))));
      ErlTuple a1 = (ErlTuple) r.readTerm();
      assertEquals(integer(-1), ((ErlTuple) a1.get(1)).get(1), a1.toString());
      assertTrue(a1.toString().contains("OutOfMemoryError"), a1.toString());
      ErlTuple a2 = (ErlTuple) r.readTerm();
      assertEquals(integer(-1), ((ErlTuple) a2.get(1)).get(1), a2.toString());
      assertTrue(a2.toString().contains("reply_too_large"), a2.toString());
      assertEquals(org.sshrpc.term.Terms.tuple(atom("answer"), org.sshrpc.term.Terms.tuple(integer(3), integer(0))), r.readTerm());
    } catch (IOException e) {
      fail(e);
    }
  }
}
