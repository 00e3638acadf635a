package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.Term;

/**
 * Client features that need no v2 server, exercised against real Erlang v1 servers: typed
 * proxies, extra channels, drops, reconnects and multicall.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientFeaturesIT {
  @TempDir Path dir;

  @RemoteModule("lists")
  interface Lists {
    List<Long> seq(long from, long to);

    @RemoteFunction("reverse")
    List<String> backwards(List<String> l);

    CompletableFuture<Long> sum(List<Long> l);

    long nth(long n, List<Long> l);
  }

  private RpcClient.Builder client(Path key, Path knownHosts) {
    return RpcClient.builder().identity(key).knownHosts(knownHosts).defaultUser("tester");
  }

  @Test
  void typedProxyCallsAndMapsResults() throws Exception {
    Path key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    try (ErlangV1Server s = ErlangV1Server.start(dir.resolve("erl"), key);
        RpcClient c = client(key, SshKeys.knownHosts(dir.resolve("kh"), s.port, s.hostKey)).build();
        RpcConnection conn = c.connect("127.0.0.1:" + s.port)) {
      Lists lists = conn.proxy(Lists.class);
      assertEquals(List.of(1L, 2L, 3L, 4L), lists.seq(1, 4));
      assertEquals(List.of("c", "b", "a"), lists.backwards(List.of("a", "b", "c")));
      assertEquals(10L, lists.sum(List.of(1L, 2L, 3L, 4L)).get(30, TimeUnit.SECONDS));
      RpcException e = assertThrows(RpcException.class, () -> lists.nth(9, List.of(1L)));
      assertEquals(Status.RAISED, e.status());
    }
  }

  @Test
  void extraChannelsOnTheSameSessionWorkIndependently() throws Exception {
    Path key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    try (ErlangV1Server s = ErlangV1Server.start(dir.resolve("erl"), key);
        RpcClient c = client(key, SshKeys.knownHosts(dir.resolve("kh"), s.port, s.hostKey)).build();
        RpcConnection conn = c.connect("127.0.0.1:" + s.port)) {
      RpcChannel bulk = conn.openChannel();
      // A slow call on the bulk channel does not hold back calls on the main channel.
      CompletableFuture<Term> slow = bulk.callAsync("timer", "sleep", integer(3000));
      for (int i = 0; i < 20; i++) {
        assertEquals(integer(i), conn.call("erlang", "abs", integer(-i)));
      }
      assertFalse(slow.isDone(), "the main channel answered while the bulk call still ran");
      assertEquals(atom("ok"), slow.get(30, TimeUnit.SECONDS));
      bulk.close();
      assertThrows(RpcException.class, () -> bulk.call("erlang", "abs", integer(1)));
      assertEquals(integer(5), conn.call("erlang", "abs", integer(-5)), "closing a channel keeps the session");
    }
  }

  @Test
  void inFlightCallsFailPromptlyOnDropAndLaterCallsReconnect() throws Exception {
    Path key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    Path erlDir = dir.resolve("erl");
    ErlangV1Server s = ErlangV1Server.start(erlDir, key);
    int port = s.port;
    try (RpcClient c =
            client(key, SshKeys.knownHosts(dir.resolve("kh"), port, s.hostKey))
                .reconnectPolicy(ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build())
                .build();
        RpcConnection conn = c.connect("127.0.0.1:" + port)) {
      assertEquals(integer(1), conn.call("erlang", "abs", integer(-1)));
      CompletableFuture<Term> inFlight = conn.callAsync("timer", "sleep", integer(60_000));
      s.close(); // the server goes away while the call runs
      ExecutionException e = assertThrows(ExecutionException.class, () -> inFlight.get(20, TimeUnit.SECONDS));
      assertEquals(Status.UNAVAILABLE, ((RpcException) e.getCause()).status());
      RpcException down = assertThrows(RpcException.class, () -> conn.call("erlang", "abs", integer(-2)));
      assertEquals(Status.UNAVAILABLE, down.status());

      s = ErlangV1Server.start(erlDir, port, key); // same port, same host key
      Term answer = null;
      for (int attempt = 0; attempt < 100 && answer == null; attempt++) {
        try {
          answer = conn.call("erlang", "abs", integer(-3));
        } catch (RpcException retry) {
          assertEquals(Status.UNAVAILABLE, retry.status());
          Thread.sleep(100);
        }
      }
      assertEquals(integer(3), answer);
    } finally {
      s.close();
    }
  }

  @Test
  void noReconnectPolicyMeansUnavailableForever() throws Exception {
    Path key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    ErlangV1Server s = ErlangV1Server.start(dir.resolve("erl"), key);
    try (RpcClient c =
            client(key, SshKeys.knownHosts(dir.resolve("kh"), s.port, s.hostKey)).reconnectPolicy(ReconnectPolicy.NEVER).build();
        RpcConnection conn = c.connect("127.0.0.1:" + s.port)) {
      s.close();
      for (int i = 0; i < 100 && conn.isOpen(); i++) {
        Thread.sleep(50);
      }
      assertFalse(conn.isOpen());
      assertEquals(Status.UNAVAILABLE, assertThrows(RpcException.class, () -> conn.call("erlang", "abs", integer(1))).status());
    } finally {
      s.close();
    }
  }

  @Test
  void multicallReportsDownAndSlowNodesWithoutWaitingForThem() throws Exception {
    Path key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    int downPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      downPort = probe.getLocalPort(); // closed again: nothing listens there
    }
    List<Socket> accepted = new ArrayList<>();
    try (ErlangV1Server s1 = ErlangV1Server.start(dir.resolve("erl1"), key);
        ErlangV1Server s2 = ErlangV1Server.start(dir.resolve("erl2"), key);
        ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(blackHole.accept()); // accepts TCP, never speaks SSH
          }
        } catch (Exception e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      java.nio.file.Path kh = dir.resolve("kh");
      java.nio.file.Files.writeString(kh,
          "[127.0.0.1]:" + s1.port + " " + SshKeys.publicLine(s1.hostKey) + "\n"
              + "[127.0.0.1]:" + s2.port + " " + SshKeys.publicLine(s2.hostKey) + "\n");
      try (RpcClient c = client(key, kh).build()) {
        String n1 = "127.0.0.1:" + s1.port;
        String n2 = "127.0.0.1:" + s2.port;
        String down = "127.0.0.1:" + downPort;
        String slow = "127.0.0.1:" + blackHole.getLocalPort();
        MulticallResult r = c.multicall(List.of(n1, down, slow, n2), "erlang", "abs", List.of(integer(-7)), Duration.ofSeconds(3));
        assertEquals(List.of(NodeAddress.parse(n1), NodeAddress.parse(n2)), new ArrayList<>(r.values().keySet()));
        r.values().values().forEach(v -> assertEquals(integer(7), v));
        assertEquals(List.of(NodeAddress.parse(down), NodeAddress.parse(slow)), new ArrayList<>(r.badNodes().keySet()));
        assertTrue(r.errors().isEmpty());

        MulticallResult err = c.multicall(List.of(n1), "erlang", "abs", List.of(atom("x")), Duration.ofSeconds(5));
        assertEquals(Status.RAISED, err.errors().get(NodeAddress.parse(n1)).status());
        assertTrue(err.toTerm().toString().contains("badrpc"), err.toTerm().toString());
      }
    } finally {
      for (Socket so : accepted) {
        so.close();
      }
    }
  }
}
