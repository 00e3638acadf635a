package org.sshrpc.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * Not a test: measures the client against an embedded Java server on loopback, the seed's call
 * {@code lists:seq(1,100)} sequentially and with 64 calls in flight on one connection. Run:
 * {@code java -cp <test classpath> org.sshrpc.client.PipelinedRunMain [calls]}.
 */
public final class PipelinedRunMain {
  private PipelinedRunMain() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    boolean erlang = args.length > 1 && args[1].equals("erlang");
    Path dir = Files.createTempDirectory("sshrpc-pipelined");
    Path key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    AutoCloseable server;
    int port;
    Path kh = dir.resolve("kh");
    if (erlang) {
      ErlangV1Server s = ErlangV1Server.start(dir.resolve("erl"), key);
      SshKeys.knownHosts(kh, s.port, s.hostKey);
      server = s;
      port = s.port;
    } else {
      RpcServer s = JavaServers.start(dir.resolve("srv"), 0, key);
      JavaServers.trust(kh, s);
      server = s;
      port = s.port();
    }
    try (RpcClient client = RpcClient.builder().identity(key).knownHosts(kh).defaultUser("tester").build();
        RpcConnection conn = client.connect("127.0.0.1:" + port)) {
      Term from = Terms.integer(1);
      Term to = Terms.integer(100);
      System.out.println("protocol v" + conn.protocolVersion());
      for (int i = 0; i < 5_000; i++) {
        check(conn.call("lists", "seq", from, to));
      }
      int seqCalls = Math.min(calls, 10_000);
      long t0 = System.nanoTime();
      for (int i = 0; i < seqCalls; i++) {
        check(conn.call("lists", "seq", from, to));
      }
      double seqRate = seqCalls / ((System.nanoTime() - t0) / 1e9);
      System.out.printf("sequential: %d calls of lists:seq(1,100): %.0f calls/s%n", seqCalls, seqRate);

      for (int window : new int[] {64}) {
        for (int round = 0; round < 3; round++) {
          Semaphore inFlight = new Semaphore(window);
          AtomicLong bad = new AtomicLong();
          long t1 = System.nanoTime();
          CompletableFuture<?> last = null;
          for (int i = 0; i < calls; i++) {
            inFlight.acquire();
            last = conn.callAsync("lists", "seq", from, to).whenComplete((v, e) -> {
              if (e != null || ((ErlList) v).size() != 100) {
                bad.incrementAndGet();
              }
              inFlight.release();
            });
          }
          inFlight.acquire(window);
          double secs = (System.nanoTime() - t1) / 1e9;
          System.out.printf("pipelined: %d in flight, %d calls of lists:seq(1,100): %.0f calls/s (%d failed)%n",
              window, calls, calls / secs, bad.get());
          last.get(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      server.close();
    }
  }

  private static void check(Term t) {
    if (((ErlList) t).size() != 100) {
      throw new AssertionError("bad reply " + t);
    }
  }
}
