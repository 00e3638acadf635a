package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.server.Metrics;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.server.ServerLimits;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermLimits;

/**
 * A v2 call never hangs on a frame the server could not decode, over real SSH: what breaks a
 * limit the server advertised is refused before a byte is sent; what the server refuses for a
 * reason the client cannot check cheaply fails at once, naming the reason, while the channel keeps
 * serving. Waits are bounded by a few seconds: without frame errors these calls would wait for
 * the idle timeout (minutes).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameErrorsIT {
  @TempDir static Path dir;
  static RpcServer server;
  static RpcClient client;
  static RpcConnection conn;
  static SimpleMeterRegistry registry = new SimpleMeterRegistry();
  static Path key;
  static RpcModule t;

  @BeforeAll
  static void start() throws Exception {
    key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    Path srv = dir.resolve("srv");
    Files.createDirectories(srv);
    Path auth = srv.resolve("authorized_keys");
    Files.writeString(auth, "sshrpc-user=\"tester\" " + SshKeys.publicLine(key) + "\n");
    t =
        RpcModule.builder("t")
            .function("echo", 1, (ctx, a) -> a.get(0))
            .function("sleep", 2, (ctx, a) -> {
              Thread.sleep(((ErlInteger) a.get(0)).longValue());
              return a.get(1);
            })
            .build();
    server =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(srv.resolve("host_ed25519"))
            .authorizedKeys(auth)
            .module(t)
            .metrics(Metrics.builder().registry(registry).jvmMetrics(false).build())
            .limits(
                ServerLimits.builder()
                    .maxFrameLength(10_000)
                    // maxElements is not advertised: only the server can refuse a long list.
                    .termLimits(TermLimits.builder().maxDepth(50).maxElements(100).maxInputBytes(10_000).build())
                    .build())
            .build()
            .start();
    client =
        RpcClient.builder()
            .identity(key)
            .knownHosts(JavaServers.trust(dir.resolve("kh"), server))
            .defaultUser("tester")
            .build();
    conn = client.connect("127.0.0.1:" + server.port());
  }

  @AfterAll
  static void stop() {
    if (conn != null) {
      conn.close();
    }
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static double receivedBytes() {
    return registry.get("sshrpc.received").counter().count();
  }

  private static Term nested(int levels) {
    Term t = atom("x");
    for (int i = 0; i < levels; i++) {
      t = tuple(t);
    }
    return t;
  }

  @Test
  void aCallTooDeepForTheServerIsRefusedBeforeSendingAndTheChannelGoesOn() throws Exception {
    double before = receivedBytes();
    // The call tuple and the argument list are two levels: 48 more fit, 49 do not.
    RpcException e = assertThrows(RpcException.class, () -> conn.call("t", "echo", nested(49)));
    assertEquals(Status.INVALID_REQUEST, e.status());
    assertEquals(
        "INVALID_REQUEST: t:echo/1: request nested deeper than the server's max_depth (expected: <= 50); not sent",
        e.getMessage());
    ExecutionException async =
        assertThrows(ExecutionException.class, () -> conn.callAsync("t", "echo", nested(49)).get(5, TimeUnit.SECONDS));
    assertEquals(e.getMessage(), async.getCause().getMessage());
    assertEquals(before, receivedBytes(), "nothing was sent");
    assertEquals(nested(48), conn.call("t", "echo", nested(48)));
  }

  @Test
  void aFrameOverTheAdvertisedMaxFrameIsRefusedWithNoBytesSent() throws Exception {
    double before = receivedBytes();
    RpcException e = assertThrows(RpcException.class, () -> conn.call("t", "echo", ErlBinary.of(new byte[20_000])));
    assertEquals(Status.INVALID_REQUEST, e.status());
    assertTrue(
        e.getMessage().matches(
            "INVALID_REQUEST: t:echo/1: request of 200[0-9]{2} bytes exceeds the server's max_frame \\(expected: <= 10000\\); not sent"),
        e.getMessage());
    assertEquals(before, receivedBytes(), "nothing was sent");
    // Had it been sent, the server would have closed the channel (frame_too_large).
    assertEquals(atom("ok"), conn.call("t", "echo", atom("ok")));
    assertTrue(receivedBytes() - before < 200, "only the small call went out: " + (receivedBytes() - before));
  }

  @Test
  void aFrameTheServerRefusesFailsThatCallAtOnceWhileAnotherCallCompletes() throws Exception {
    CompletableFuture<Term> slow = conn.callAsync("t", "sleep", integer(500), atom("slept"));
    List<Term> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(atom("a"));
    }
    CompletableFuture<Term> bad = conn.callAsync("t", "echo", ErlList.of(many));
    ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
    RpcException r = (RpcException) e.getCause();
    assertEquals(Status.INVALID_REQUEST, r.status());
    assertEquals(
        "INVALID_REQUEST: t:echo/1 refused by the server: badframe: list length 200 exceeds maxElements (100) at offset 28",
        r.getMessage());
    assertEquals(atom("slept"), slow.get(5, TimeUnit.SECONDS));
    assertEquals(atom("after"), conn.call("t", "echo", atom("after")));
    // The blocking form fails the same way.
    RpcException sync = assertThrows(RpcException.class, () -> conn.call("t", "echo", ErlList.of(many)));
    assertEquals(r.getMessage(), sync.getMessage());
  }

  @Test
  void aFrameTheServersMemoryBudgetRefusesFailsAtOnceAsResourceExhausted() throws Exception {
    Path srv = dir.resolve("srv2");
    Files.createDirectories(srv);
    Path auth = srv.resolve("authorized_keys");
    Files.writeString(auth, "sshrpc-user=\"tester\" " + SshKeys.publicLine(key) + "\n");
    try (RpcServer small =
            RpcServer.builder()
                .listen("127.0.0.1", 0)
                .hostKey(srv.resolve("host_ed25519"))
                .authorizedKeys(auth)
                .module(t)
                .memoryBudget(64 << 20, 8 << 20, 1 << 20)
                .build()
                .start();
        RpcClient c =
            RpcClient.builder()
                .identity(key)
                .knownHosts(JavaServers.trust(dir.resolve("kh2"), small))
                .defaultUser("tester")
                .build();
        RpcConnection cn = c.connect("127.0.0.1:" + small.port())) {
      // Within max_frame (16 MiB), so sent; the server reserves 3 MiB when the header arrives and
      // its 1 MiB per-connection budget refuses it, naming the frame, then closes the channel.
      CompletableFuture<Term> big = cn.callAsync("t", "echo", ErlBinary.of(new byte[3 << 20]));
      ExecutionException e = assertThrows(ExecutionException.class, () -> big.get(5, TimeUnit.SECONDS));
      RpcException r = (RpcException) e.getCause();
      assertEquals(Status.RESOURCE_EXHAUSTED, r.status(), r.getMessage());
      // {memory, FrameLength, Available}: the frame is the call around 3 MiB of argument; what is
      // available is the 1 MiB budget less whatever the connection holds at that moment.
      assertTrue(
          r.getMessage().matches("RESOURCE_EXHAUSTED: t:echo/1 refused by the server: overloaded: \\{memory,3145773,[0-9]+\\}"),
          r.getMessage());
    }
  }
}
