package org.sshrpc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.sshrpc.client.FleetConnection;
import org.sshrpc.client.RpcChannel;
import org.sshrpc.client.RpcClient;
import org.sshrpc.term.Term;

/**
 * The balancer's overhead (issue 15): calls/s through a {@link FleetConnection} over three
 * sshrpc server JVMs, and over one, against one direct connection, sequential and with 64 calls
 * in flight. Usage: {@code sshrpc-bench fleet [--calls N] [--runs N]}. Each figure is the median of
 * the runs; the variants alternate within a run so that machine noise hits them alike.
 */
final class FleetBench {
  private FleetBench() {}

  public static void main(String[] args) throws Exception {
    int calls = 20_000;
    int runs = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--calls":
          calls = Integer.parseInt(args[++i]);
          break;
        case "--runs":
          runs = Integer.parseInt(args[++i]);
          break;
        default:
          System.err.println("usage: sshrpc-bench fleet [--calls N] [--runs N]");
          System.exit(2);
          return;
      }
    }
    BenchKeys keys = BenchKeys.create();
    List<ServerProcess> servers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        servers.add(ServerProcess.java("sshrpc", List.of(keys.hostKey.toString(), keys.sshrpcAuthorizedKeys.toString()), List.of()));
      }
      Path kh = keys.dir.resolve("known_hosts");
      StringBuilder lines = new StringBuilder();
      String hostPub = Files.readString(keys.dir.resolve("ssh_host_ed25519_key.pub")).trim();
      for (ServerProcess s : servers) {
        lines.append("[127.0.0.1]:").append(s.port()).append(' ').append(hostPub).append('\n');
        lines.append("[localhost]:").append(s.port()).append(' ').append(hostPub).append('\n');
      }
      Files.writeString(kh, lines);
      String one = "127.0.0.1:" + servers.get(0).port();
      String three = one + ",127.0.0.1:" + servers.get(1).port() + ",127.0.0.1:" + servers.get(2).port();
      try (RpcClient client = RpcClient.builder().identity(keys.clientPair()).knownHosts(kh).defaultUser("bench").build();
          RpcChannel direct = client.connect(one);
          FleetConnection fleet1 = FleetConnection.builder(client, "static:///" + one).build();
          FleetConnection fleet3 = FleetConnection.builder(client, three).build();
          // Three replicas that are one server (three addresses of it): the balancer spreading over
          // three connections, without spreading the work over three server JVMs.
          FleetConnection fleet3on1 = FleetConnection.builder(client,
              one + ",bench@" + one + ",localhost:" + servers.get(0).port()).build()) {
        String[] names = {"direct", "fleet of 1", "fleet of 3", "fleet of 3 on one server"};
        RpcChannel[] chans = {direct, fleet1, fleet3, fleet3on1};
        int n = chans.length;
        double[][] seq = new double[n][runs];
        double[][] pipe = new double[n][runs];
        for (RpcChannel c : chans) { // warm-up: JIT and connections
          sequential(c, calls / 4);
          inFlight(c, calls / 2, 64);
        }
        for (int r = 0; r < runs; r++) {
          // The order rotates from run to run, so that no variant always follows the same one.
          for (int k = 0; k < n; k++) {
            int v = (r + k) % n;
            seq[v][r] = sequential(chans[v], calls);
            pipe[v][r] = inFlight(chans[v], calls * 3, 64);
          }
        }
        System.out.println("| path | sequential calls/s | 64 in flight calls/s |");
        System.out.println("|---|---|---|");
        double s0 = median(seq[0]);
        double p0 = median(pipe[0]);
        for (int v = 0; v < n; v++) {
          double s = median(seq[v]);
          double p = median(pipe[v]);
          System.out.printf(Locale.ROOT, "| %s | %,.0f (%+.1f %%) | %,.0f (%+.1f %%) |%n", names[v], s, 100 * (s / s0 - 1), p,
              100 * (p / p0 - 1));
        }
        System.out.println();
        for (int v = 0; v < n; v++) {
          System.out.println(names[v] + ": sequential runs " + runs(seq[v]) + "; 64 in flight runs " + runs(pipe[v]));
        }
        System.out.println("per replica (fleet of 3): " + fleet3.replicas());
        System.out.println("per replica (fleet of 3 on one server): " + fleet3on1.replicas());
      }
    } finally {
      for (ServerProcess s : servers) {
        s.close();
      }
      keys.delete();
    }
  }

  /** {@code sshrpc:ping()} one after another; calls/s. */
  static double sequential(RpcChannel c, int n) {
    long t = System.nanoTime();
    for (int i = 0; i < n; i++) {
      c.call("sshrpc", "ping", List.of());
    }
    return n / ((System.nanoTime() - t) / 1e9);
  }

  /** {@code sshrpc:ping()} with {@code window} calls in flight; calls/s. */
  static double inFlight(RpcChannel c, int n, int window) throws Exception {
    Semaphore slots = new Semaphore(window);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long t = System.nanoTime();
    for (int i = 0; i < n && failure.get() == null; i++) {
      slots.acquire();
      CompletableFuture<Term> f = c.callAsync("sshrpc", "ping", List.of());
      f.whenComplete((v, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
        slots.release();
      });
    }
    if (!slots.tryAcquire(window, 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls did not finish");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a call failed", failure.get());
    }
    return n / ((System.nanoTime() - t) / 1e9);
  }

  static String runs(double[] xs) {
    StringBuilder b = new StringBuilder();
    for (double x : xs) {
      b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", x));
    }
    return b.toString();
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
