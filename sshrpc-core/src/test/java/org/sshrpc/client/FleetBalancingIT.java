package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.Terms;

/**
 * The balancer over three in-JVM servers on loopback (a static target): how each policy treats a
 * slow replica, ejection after deadline failures and re-admission, and the errors a fleet gives.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FleetBalancingIT {
  @TempDir Path dir;
  Path clientKey;
  Path knownHosts;
  final List<RpcServer> servers = new ArrayList<>();
  RpcClient client;

  /** Server i answers work:op() after {@code delays[i]} ms, with its name. */
  @BeforeEach
  void start() throws Exception {
    clientKey = SshKeys.keygen(dir, "id", "ed25519", "");
    knownHosts = dir.resolve("known_hosts");
    client = RpcClient.builder().identity(clientKey).knownHosts(knownHosts).defaultUser("tester").build();
  }

  void servers(long... delays) throws Exception {
    for (int i = 0; i < delays.length; i++) {
      long delay = delays[i];
      String name = "s" + i;
      RpcModule work = RpcModule.builder("work")
          .function("op", 0, (ctx, a) -> {
            Thread.sleep(delay);
            return Terms.binary(name);
          })
          .build();
      RpcServer s = JavaServers.start(dir.resolve(name), 0, clientKey, work);
      JavaServers.trust(knownHosts, s);
      servers.add(s);
    }
  }

  String target() {
    StringBuilder b = new StringBuilder();
    for (RpcServer s : servers) {
      b.append(b.length() == 0 ? "" : ",").append("127.0.0.1:").append(s.port());
    }
    return b.toString();
  }

  @AfterEach
  void stop() {
    client.close();
    servers.forEach(RpcServer::close);
  }

  static void waitFor(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  /** Runs 150 calls from 6 threads; returns how many each server answered. */
  Map<String, Integer> load(FleetConnection f) throws Exception {
    Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      done.add(pool.submit(() -> {
        for (int i = 0; i < 25; i++) {
          String who = ((ErlBinary) f.call("work", "op", List.of())).utf8String();
          counts.computeIfAbsent(who, k -> new AtomicInteger()).incrementAndGet();
        }
        return null;
      }));
    }
    for (Future<?> d : done) {
      d.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    Map<String, Integer> out = new ConcurrentHashMap<>();
    counts.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  @Test
  void leastOutstandingStarvesASlowReplicaWhereRoundRobinKeepsFeedingIt() throws Exception {
    servers(40, 1, 1);
    try (FleetConnection rr = FleetConnection.builder(client, target()).policy(BalancingPolicy.ROUND_ROBIN).build()) {
      waitFor("3 ready", () -> rr.replicas().stream().allMatch(r -> r.state() == ReplicaStats.State.READY));
      Map<String, Integer> c = load(rr);
      assertEquals(Map.of("s0", 50, "s1", 50, "s2", 50), c);
    }
    try (FleetConnection p2c = FleetConnection.builder(client, target()).build()) {
      waitFor("3 ready", () -> p2c.replicas().stream().allMatch(r -> r.state() == ReplicaStats.State.READY));
      Map<String, Integer> c = load(p2c);
      // The slow replica has a call in flight most of the time, so it loses nearly every draw.
      assertTrue(c.getOrDefault("s0", 0) < 150 / 5, c.toString());
    }
  }

  @Test
  void deadlineFailuresEjectAReplicaThatAPingThenReadmits() throws Exception {
    servers(10_000, 0);
    try (FleetConnection f = FleetConnection.builder(client, target())
        .policy(BalancingPolicy.ROUND_ROBIN)
        .ejectAfterFailures(2)
        .readmission(ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(100)).build())
        .build()) {
      waitFor("2 ready", () -> f.replicas().stream().allMatch(r -> r.state() == ReplicaStats.State.READY));
      int timeouts = 0;
      for (int i = 0; i < 4; i++) {
        try {
          f.call("work", "op", List.of(), CallOptions.timeout(Duration.ofMillis(100)));
        } catch (RpcException e) {
          assertEquals(Status.DEADLINE_EXCEEDED, e.status(), e.getMessage());
          timeouts++;
        }
      }
      assertEquals(2, timeouts);
      ReplicaStats slow = f.replicas().get(0);
      assertEquals(1, slow.ejections(), slow.toString());
      assertTrue(slow.lastError().startsWith("2 calls in a row failed, last: "), slow.lastError());
      // Its ping answers (sshrpc:ping runs inline, not behind the sleeping worker): it comes back.
      waitFor("re-admitted", () -> f.replicas().get(0).state() == ReplicaStats.State.READY);
      assertEquals(2, f.replicas().get(0).errors());
    }
  }

  @Test
  void withEveryReplicaDownCallsFailAtOnceAndProcessOperationsNeedOneNode() throws Exception {
    servers(0, 0);
    String target = target();
    try (FleetConnection f = FleetConnection.builder(client, target).build()) {
      String who = ((ErlBinary) f.call("work", "op", List.of())).utf8String();
      assertTrue(who.equals("s0") || who.equals("s1"), who);
      NodeAddress to = f.castConfirmed("work", "op", List.of());
      assertTrue(to.toString().startsWith("127.0.0.1:"), to.toString());
      RpcException spawn = assertThrows(RpcException.class, () -> f.spawn("work", "op", List.of()));
      assertEquals(Status.INVALID_REQUEST, spawn.status());
      assertEquals("INVALID_REQUEST: spawn needs one node, not a fleet: connect to one replica (RpcClient.connect)", spawn.getMessage());
      assertThrows(RpcException.class, () -> f.send(ErlAtom.of("x"), ErlAtom.of("y")));
      servers.forEach(RpcServer::close);
      waitFor("all ejected", () -> f.replicas().stream().allMatch(r -> r.state() == ReplicaStats.State.EJECTED));
      RpcException e = assertThrows(RpcException.class, () -> f.call("work", "op", List.of()));
      assertEquals(Status.UNAVAILABLE, e.status());
      assertEquals("UNAVAILABLE: no ready replica of " + target + " (2 known, all ejected or connecting)", e.getMessage());
      assertEquals(false, f.isOpen());
    }
    servers.clear();
  }

  @Test
  void aFleetNobodyAnswersIsNotBuilt() throws Exception {
    servers(0);
    int port = servers.get(0).port();
    servers.get(0).close();
    servers.clear();
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> FleetConnection.builder(client, "127.0.0.1:" + port + ",127.0.0.1:" + port).build());
    assertTrue(e.getMessage().startsWith("no replica of 127.0.0.1:" + port + ",127.0.0.1:" + port
        + " could be reached; 127.0.0.1:" + port + ": cannot connect to 127.0.0.1:" + port), e.getMessage());
  }
}
