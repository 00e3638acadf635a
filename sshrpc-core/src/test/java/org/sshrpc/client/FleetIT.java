package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.auth.KnownHostsException;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.Terms;
import org.sshrpc.testing.Tools;

/**
 * A fleet of three replica JVMs on 127.0.0.2, .3 and .4 (one port), named in a real {@code
 * dnsmasq} started on a loopback port (A records, SRV records with priorities and weights, a hosts
 * file changed while the client runs), and trusted only through one {@code @cert-authority} line:
 * each replica presents a host certificate made by {@code ssh-keygen -s -h}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
  static final String[] HOSTS = {"127.0.0.2", "127.0.0.3", "127.0.0.4"};
  @TempDir static Path dir;
  static Path clientKey;
  static Path ca;
  static Path knownHosts;
  static int port;
  static int dnsPort;
  static Process dnsmasq;
  static final Process[] replicas = new Process[3];
  static InetSocketAddress resolver;

  @BeforeAll
  static void startFleet() throws Exception {
    String keygen = Tools.requireTool("ssh-keygen");
    String dnsmasqPath = Tools.requireTool("dnsmasq");
    clientKey = SshKeys.keygen(dir, "id", "ed25519", "");
    ca = SshKeys.keygen(dir, "ca", "ed25519", "");
    knownHosts = dir.resolve("known_hosts");
    port = commonFreePort();
    // The only trust anchor: one line for the whole fleet (MINA, unlike OpenSSH, reads a pattern
    // without a port as port 22 only, so the fleet's port is in the pattern).
    Files.writeString(knownHosts, caLine());
    for (int i = 0; i < 3; i++) {
      Path d = replicaDir(i);
      SshKeys.keygen(d, "host_ed25519", "ed25519", "");
      SshKeys.run(List.of(keygen, "-q", "-s", ca.toString(), "-I", "replica" + i, "-h", "-n", HOSTS[i],
          d.resolve("host_ed25519.pub").toString()));
      Files.writeString(d.resolve("authorized_keys"), "sshrpc-user=\"tester\" " + SshKeys.publicLine(clientKey) + "\n");
    }
    List<CompletableFuture<Process>> starting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      starting.add(CompletableFuture.supplyAsync(() -> startReplica(n)));
    }
    for (int i = 0; i < 3; i++) {
      replicas[i] = starting.get(i).get(90, TimeUnit.SECONDS);
    }
    startDnsmasq(dnsmasqPath);
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (Process p : replicas) {
      if (p != null) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (dnsmasq != null) {
      dnsmasq.destroy();
      dnsmasq.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static String caLine() throws IOException {
    return "@cert-authority [127.0.0.*]:" + port + " " + SshKeys.publicLine(ca) + "\n";
  }

  static Path replicaDir(int i) {
    return dir.resolve("replica" + i);
  }

  /** A port free on all three addresses (checked by binding each). */
  static int commonFreePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int p;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOSTS[0]))) {
        p = s.getLocalPort();
      }
      boolean ok = true;
      for (String h : HOSTS) {
        try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getByName(h))) {
          // free here
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        return p;
      }
    }
    throw new IOException("no port free on all of 127.0.0.2-4");
  }

  static Process startReplica(int i) {
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
          System.getProperty("java.class.path"), FleetReplicaMain.class.getName(), replicaDir(i).toString(), HOSTS[i],
          String.valueOf(port));
      pb.redirectError(replicaDir(i).resolve("stderr-" + System.nanoTime() + ".log").toFile());
      Process p = pb.start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = CompletableFuture.supplyAsync(() -> {
        try {
          return out.readLine();
        } catch (IOException e) {
          return null;
        }
      }).get(60, TimeUnit.SECONDS);
      if (line == null || !line.startsWith("READY")) {
        p.destroyForcibly();
        throw new IllegalStateException("replica " + HOSTS[i] + " did not start: " + line);
      }
      return p;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void writeHosts(String changeTest) throws IOException {
    Files.writeString(dir.resolve("hosts"),
        "127.0.0.2 fleet.test\n127.0.0.3 fleet.test\n127.0.0.4 fleet.test\n" + changeTest);
  }

  static void startDnsmasq(String path) throws Exception {
    writeHosts("127.0.0.2 change.test\n127.0.0.3 change.test\n");
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      dnsPort = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>(List.of(path, "-k", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
        "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + dnsPort, "--pid-file=",
        "--user=" + System.getProperty("user.name"), "--local-ttl=1", "--log-facility=" + dir.resolve("dnsmasq.log"),
        "--addn-hosts=" + dir.resolve("hosts")));
    for (int i = 0; i < 3; i++) {
      cmd.add("--host-record=r" + (i + 1) + ".fleet.test," + HOSTS[i]);
    }
    // r1 and r2 share the best priority with weights 3:1; r3 is the backup.
    cmd.add("--srv-host=_sshrpc._tcp.fleet.test,r1.fleet.test," + port + ",10,3");
    cmd.add("--srv-host=_sshrpc._tcp.fleet.test,r2.fleet.test," + port + ",10,1");
    cmd.add("--srv-host=_sshrpc._tcp.fleet.test,r3.fleet.test," + port + ",20,1");
    dnsmasq = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.out").toFile()).start();
    resolver = new InetSocketAddress(InetAddress.getLoopbackAddress(), dnsPort);
    DnsClient dns = new DnsClient(resolver, Duration.ofMillis(200), 1);
    waitFor("dnsmasq answering", () -> {
      try {
        return dns.query("fleet.test", DnsMessage.TYPE_A).size() == 3;
      } catch (IOException e) {
        return false;
      }
    });
  }

  static void waitFor(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  static RpcClient client() {
    return RpcClient.builder().identity(clientKey).knownHosts(knownHosts).defaultUser("tester").build();
  }

  static FleetConnection.Builder fleet(RpcClient c, String target) {
    return FleetConnection.builder(c, target)
        .resolver(resolver)
        .minRefresh(Duration.ofMillis(200))
        .healthInterval(Duration.ofMillis(300))
        .healthTimeout(Duration.ofSeconds(2))
        .readmission(ReconnectPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofMillis(500)).build());
  }

  static String name(ErlBinary b) {
    return b.utf8String();
  }

  @Test
  @Order(1)
  void tenThousandCallsSpreadEvenlyOverTheDnsNamesReplicas() throws Exception {
    try (RpcClient c = client();
        FleetConnection f = fleet(c, "dns:///fleet.test:" + port).build()) {
      waitFor("3 ready replicas", () -> f.replicas().stream().filter(r -> r.state() == ReplicaStats.State.READY).count() == 3);
      Map<String, AtomicInteger> byServer = new ConcurrentHashMap<>();
      Map<String, AtomicInteger> byAnswer = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 1250; i++) {
            FleetConnection.Answer a = f.answer("fleet", "whoami", List.of(), CallOptions.timeout(Duration.ofSeconds(10)));
            byServer.computeIfAbsent(name((ErlBinary) a.value()), k -> new AtomicInteger()).incrementAndGet();
            byAnswer.computeIfAbsent(a.replica().host() + ":" + a.replica().port(), k -> new AtomicInteger()).incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> d : done) {
        d.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertEquals(3, byServer.size(), byServer.toString());
      int total = 0;
      for (String h : HOSTS) {
        int n = byServer.get(h + ":" + port).get();
        total += n;
        // Least-outstanding over equal replicas: a third each; 4 points is over 8 standard deviations.
        assertTrue(n > 10_000 * 0.29 && n < 10_000 * 0.38, h + " answered " + n + " of 10000: " + byServer);
        // The replica the fleet reports is the one that answered.
        assertEquals(n, byAnswer.get(h + ":" + port).get(), byAnswer.toString());
      }
      assertEquals(10_000, total);
      long counted = f.replicas().stream().mapToLong(ReplicaStats::calls).sum();
      assertEquals(10_000, counted, f.replicas().toString());
      f.replicas().forEach(r -> assertEquals(0, r.errors(), r.toString()));
    }
  }

  @Test
  @Order(2)
  void srvRecordsGivePriorityThenWeight() throws Exception {
    try (RpcClient c = client();
        FleetConnection f = fleet(c, "srv:///_sshrpc._tcp.fleet.test").policy(BalancingPolicy.ROUND_ROBIN).build()) {
      waitFor("3 ready replicas", () -> f.replicas().stream().filter(r -> r.state() == ReplicaStats.State.READY).count() == 3);
      Map<String, Integer> counts = new HashMap<>();
      for (int i = 0; i < 400; i++) {
        counts.merge(name((ErlBinary) f.call("fleet", "whoami", List.of())), 1, Integer::sum);
      }
      // Weighted round robin among priority 10 (weights 3 and 1); the priority-20 backup gets none.
      assertEquals(Map.of(HOSTS[0] + ":" + port, 300, HOSTS[1] + ":" + port, 100), counts);
      Map<String, Integer> prio = new HashMap<>();
      f.replicas().forEach(r -> prio.put(r.address().host(), r.priority() * 100 + r.weight()));
      assertEquals(Map.of(HOSTS[0], 1003, HOSTS[1], 1001, HOSTS[2], 2001), prio);
    }
  }

  @Test
  @Order(3)
  void aDnsChangeIsPickedUpWithoutRestartingTheClient() throws Exception {
    try (RpcClient c = client();
        FleetConnection f = fleet(c, "dns:///change.test:" + port).build()) {
      waitFor("2 ready replicas", () -> f.replicas().stream().filter(r -> r.state() == ReplicaStats.State.READY).count() == 2);
      writeHosts("127.0.0.2 change.test\n127.0.0.3 change.test\n127.0.0.4 change.test\n");
      hangUp();
      waitFor("the third replica from DNS", () -> f.replicas().stream().filter(r -> r.state() == ReplicaStats.State.READY).count() == 3);
      waitFor("a call answered by 127.0.0.4", () -> name((ErlBinary) f.call("fleet", "whoami", List.of())).startsWith(HOSTS[2]));
      writeHosts("127.0.0.4 change.test\n");
      hangUp();
      waitFor("only 127.0.0.4 left", () -> f.replicas().size() == 1);
      for (int i = 0; i < 20; i++) {
        assertEquals(HOSTS[2] + ":" + port, name((ErlBinary) f.call("fleet", "whoami", List.of())));
      }
    } finally {
      writeHosts("127.0.0.2 change.test\n127.0.0.3 change.test\n");
      hangUp();
    }
  }

  /** dnsmasq re-reads its hosts file on SIGHUP; the pid is the one this test started. */
  static void hangUp() throws Exception {
    SshKeys.run(List.of("kill", "-HUP", String.valueOf(dnsmasq.pid())));
  }

  @Test
  @Order(4)
  void aKilledReplicaIsEjectedAndReadmittedAndNoCallRunsTwice() throws Exception {
    try (RpcClient c = client();
        FleetConnection f = fleet(c, "dns:///fleet.test:" + port).build()) {
      waitFor("3 ready replicas", () -> f.replicas().stream().filter(r -> r.state() == ReplicaStats.State.READY).count() == 3);
      AtomicLong ids = new AtomicLong();
      AtomicInteger idempotentFailures = new AtomicInteger();
      AtomicInteger idempotentOk = new AtomicInteger();
      AtomicInteger retried = new AtomicInteger();
      List<String> otherFailures = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Long> bumpedOk = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicInteger unavailable = new AtomicInteger();
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> loads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        boolean idempotent = t % 2 == 0;
        loads.add(pool.submit(() -> {
          for (int i = 0; i < 200_000 && !stop.get(); i++) {
            long id = ids.incrementAndGet();
            CallOptions o = CallOptions.timeout(Duration.ofSeconds(10)).withIdempotent(idempotent);
            try {
              FleetConnection.Answer a = f.answer("fleet", idempotent ? "get" : "bump", List.of(Terms.integer(id)), o);
              if (idempotent) {
                idempotentOk.incrementAndGet();
                if (a.attempts() == 2) {
                  retried.incrementAndGet();
                }
              } else {
                bumpedOk.add(id);
              }
            } catch (RpcException e) {
              if (idempotent) {
                idempotentFailures.incrementAndGet();
                otherFailures.add("idempotent " + e.status() + ": " + e.getMessage());
              } else if (e.status() == Status.UNAVAILABLE) {
                unavailable.incrementAndGet();
              } else {
                otherFailures.add(e.status() + ": " + e.getMessage());
              }
            }
          }
          return null;
        }));
      }
      waitFor("load running", () -> idempotentOk.get() > 500 && bumpedOk.size() > 500);
      replicas[2].destroyForcibly(); // kill -9: no goodbye
      replicas[2].waitFor(10, TimeUnit.SECONDS);
      ReplicaStats dead = statsOf(f, HOSTS[2]);
      waitFor("127.0.0.4 ejected", () -> statsOf(f, HOSTS[2]).state() == ReplicaStats.State.EJECTED);
      int okAtKill = idempotentOk.get();
      waitFor("calls served by the other two", () -> idempotentOk.get() > okAtKill + 500);
      long callsWhileDown = statsOf(f, HOSTS[2]).calls();
      replicas[2] = startReplica(2);
      waitFor("127.0.0.4 re-admitted", () -> statsOf(f, HOSTS[2]).state() == ReplicaStats.State.READY);
      waitFor("127.0.0.4 serving again", () -> statsOf(f, HOSTS[2]).calls() > callsWhileDown + 100);
      stop.set(true);
      for (Future<?> l : loads) {
        l.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();

      assertEquals(List.of(), otherFailures);
      assertEquals(0, idempotentFailures.get());
      ReplicaStats back = statsOf(f, HOSTS[2]);
      assertTrue(back.ejections() >= 1, back.toString());
      assertNotNull(dead);
      // Every non-idempotent call ran at most once, across all replicas (the killed one's log too);
      // and every one that was answered ran.
      Map<String, Integer> ran = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        for (String line : Files.readAllLines(replicaDir(i).resolve("bump.log"))) {
          ran.merge(line, 1, Integer::sum);
        }
      }
      ran.forEach((id, n) -> assertEquals(1, n, "bump(" + id + ") ran " + n + " times"));
      synchronized (bumpedOk) {
        for (Long id : bumpedOk) {
          assertTrue(ran.containsKey(String.valueOf(id)), "bump(" + id + ") answered but not logged");
        }
      }
      System.out.println("FleetIT kill: idempotent ok " + idempotentOk + " (retried " + retried + "), bump ok "
          + bumpedOk.size() + ", bump unavailable " + unavailable + ", " + f.replicas());
    }
  }

  static ReplicaStats statsOf(FleetConnection f, String host) {
    for (ReplicaStats r : f.replicas()) {
      if (r.address().host().equals(host)) {
        return r;
      }
    }
    throw new AssertionError("no replica " + host + " in " + f.replicas());
  }

  @Test
  @Order(5)
  void aHostKeyOutsideTheCertificateAuthorityIsRefused() throws Exception {
    // On the fleet's port, so the @cert-authority pattern covers it: only its key is outside the CA.
    RpcServer plain = JavaServers.start(dir.resolve("plain"), "127.0.0.5", port, clientKey);
    try (RpcClient c = client()) {
      KnownHostsException e = assertThrows(KnownHostsException.class, () -> c.connect("127.0.0.5:" + plain.port()));
      assertEquals(KnownHostsException.Kind.UNKNOWN_HOST, e.kind());
      // A fleet naming it and a certified replica: the certified one serves, the other is ejected.
      try (FleetConnection f = fleet(c, "127.0.0.5:" + plain.port() + "," + HOSTS[0] + ":" + port).build()) {
        waitFor("127.0.0.5 ejected", () -> statsOf(f, "127.0.0.5").state() == ReplicaStats.State.EJECTED);
        assertTrue(statsOf(f, "127.0.0.5").lastError().contains("host key for [127.0.0.5]:" + plain.port() + " is not known"),
            statsOf(f, "127.0.0.5").lastError());
        for (int i = 0; i < 10; i++) {
          assertEquals(HOSTS[0] + ":" + port, name((ErlBinary) f.call("fleet", "whoami", List.of())));
        }
      }
    } finally {
      plain.close();
    }
  }

  @Test
  @Order(6)
  void aRevokedHostKeyIsRefusedDespiteItsCertificate() throws Exception {
    Path kh = dir.resolve("known_hosts_revoked");
    Files.writeString(kh, caLine()
        + "@revoked [127.0.0.*]:" + port + " " + SshKeys.publicLine(replicaDir(1).resolve("host_ed25519")) + "\n");
    try (RpcClient c = RpcClient.builder().identity(clientKey).knownHosts(kh).defaultUser("tester").build()) {
      KnownHostsException e = assertThrows(KnownHostsException.class, () -> c.connect(HOSTS[1] + ":" + port));
      assertEquals(KnownHostsException.Kind.REVOKED_KEY, e.kind());
      try (RpcConnection ok = c.connect(HOSTS[0] + ":" + port)) {
        assertEquals(HOSTS[0] + ":" + port, name((ErlBinary) ok.call("fleet", "whoami", List.of())));
      }
    }
  }

  @Test
  @Order(7)
  void aServerRefusesACertificateForAnotherKey() throws Exception {
    Path d = dir.resolve("wrongcert");
    SshKeys.keygen(d, "other", "ed25519", "");
    SshKeys.run(List.of(Tools.requireTool("ssh-keygen"), "-q", "-s", ca.toString(), "-I", "other", "-h", "-n", "x",
        d.resolve("other.pub").toString()));
    SshKeys.keygen(d, "host_ed25519", "ed25519", "");
    Files.writeString(d.resolve("authorized_keys"), SshKeys.publicLine(clientKey) + "\n");
    IOException e = assertThrows(IOException.class, () -> RpcServer.builder()
        .listen("127.0.0.1", 0)
        .hostKey(d.resolve("host_ed25519"))
        .hostCertificate(d.resolve("other-cert.pub"))
        .authorizedKeys(d.resolve("authorized_keys"))
        .build());
    assertTrue(e.getMessage().startsWith("host certificate " + d.resolve("other-cert.pub") + " certifies SHA256:"), e.getMessage());
    assertTrue(e.getMessage().contains(", not this server's host key SHA256:"), e.getMessage());
  }
}
