package org.sshrpc.server;

import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;

import java.nio.file.Files;
import java.nio.file.Path;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.ServerMessage;

/**
 * Measures the server with a raw MINA client on loopback (not a test; run by hand):
 * sequential v1 calls of lists:seq(1,100), and v2 calls with 64 in flight.
 */
public final class ServerThroughputMain {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    Path dir = Files.createTempDirectory("sshrpc-tp");
    try (ServerFixture fx = new ServerFixture(dir, b -> {}); RawClient c = RawClient.connect(fx, "alice", fx.aliceKey)) {
      RawClient.Channel ch = c.open();
      Term req = ClientMessage.Mfa.of("lists", "seq", list(integer(1), integer(100))).toTerm();
      for (int i = 0; i < 2000; i++) { // warm-up
        ch.send(req);
        ch.read();
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        ch.send(req);
        if (!((ServerMessage.Answer) org.sshrpc.wire.Messages.parseServerMessage(ch.read())).isOk()) {
          throw new AssertionError();
        }
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("v1 sequential lists:seq(1,100): %d calls in %.2f s = %.0f calls/s%n", n, s, n / s);

      RawClient.Channel v2 = c.open();
      v2.send(new Hello(2, org.sshrpc.term.ErlMap.of()).toTerm());
      v2.read();
      int window = 64;
      int total = n * 5;
      t0 = System.nanoTime();
      int sent = 0;
      int got = 0;
      while (sent < window) {
        v2.send(call(sent++));
      }
      while (got < total) {
        v2.read();
        got++;
        if (sent < total) {
          v2.send(call(sent++));
        }
      }
      s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("v2 64 in flight lists:seq(1,100): %d calls in %.2f s = %.0f calls/s%n", total, s, total / s);
      for (RpcSession session : fx.server.service().sessions()) {
        System.out.printf("  channel %s: %d frames in, %d writes%n", session, session.framesIn.get(), session.writes.get());
      }
    }
  }

  private static Term call(long id) {
    return new ClientMessage.Call(id, atom("lists"), atom("seq"), list(integer(1), integer(100)), ClientMessage.Call.INFINITY).toTerm();
  }

  @SuppressWarnings("unused")
  private static final ErlList UNUSED = ErlList.NIL;
}
