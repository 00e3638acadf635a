package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;

/** Protocol v2 over real SSH on loopback, driven with raw frames. */
@Timeout(120)
class ServerV2IT {
  @TempDir Path dir;
  private ServerFixture fx;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final AtomicBoolean interrupted = new AtomicBoolean();
  private final AtomicBoolean started = new AtomicBoolean();

  private final RpcModule test =
      RpcModule.builder("t")
          .function("sleep", 1, (ctx, a) -> {
            long ms = ((ErlInteger) a.get(0)).longValue();
            started.set(true);
            try {
              Thread.sleep(ms);
            } catch (InterruptedException e) {
              interrupted.set(true);
              throw e;
            }
            return a.get(0);
          })
          .build();

  private void start(java.util.function.Consumer<RpcServer.Builder> more) throws IOException {
    fx = new ServerFixture(dir, b -> {
      b.module(test).executorThreads(32);
      more.accept(b);
    });
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    if (fx != null) {
      fx.close();
    }
  }

  private RawClient.Channel v2(String user) throws Exception {
    RawClient c = RawClient.connect(fx, user, user.equals("bob") ? fx.bobKey : fx.aliceKey);
    toClose.add(c);
    return v2(c);
  }

  private static RawClient.Channel v2(RawClient c) throws Exception {
    RawClient.Channel ch = c.open();
    ch.send(new Hello(2, ErlMap.of(atom("client"), binary("ServerV2IT"))).toTerm());
    Hello h = (Hello) Messages.parseServerMessage(ch.read());
    assertEquals(2, h.version());
    return ch;
  }

  private static Term call(long id, String m, String f, long timeout, Term... args) {
    return new ClientMessage.Call(id, atom(m), atom(f), list(args), timeout).toTerm();
  }

  private static ServerMessage read(RawClient.Channel ch) throws Exception {
    return Messages.parseServerMessage(ch.read());
  }

  @Test
  void manyInFlightCompleteOutOfOrderAndAllAreAnswered() throws Exception {
    start(b -> b.maxInFlight(4096));
    RawClient.Channel ch = v2("alice");
    int n = 2000;
    Term[] calls = new Term[n];
    for (int i = 0; i < n; i++) {
      calls[i] = call(i, "t", "sleep", -1, integer((n - i) % 20)); // later ids tend to finish first
    }
    for (int from = 0; from < n; from += 100) {
      ch.send(java.util.Arrays.copyOfRange(calls, from, from + 100));
    }
    Map<Long, Term> got = new HashMap<>();
    List<Long> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ServerMessage.Reply r = (ServerMessage.Reply) read(ch);
      assertTrue(r.ok(), r.toString());
      assertNull(got.put(r.id(), r.value()), "answered twice: " + r.id());
      order.add(r.id());
    }
    for (int i = 0; i < n; i++) {
      assertEquals(integer((n - i) % 20), got.get((long) i), "reply matched to the wrong id");
    }
    List<Long> sorted = new ArrayList<>(order);
    java.util.Collections.sort(sorted);
    assertTrue(!order.equals(sorted), "replies came back exactly in request order; expected completion order");
  }

  @Test
  void deadlineCancelCastAndLimit() throws Exception {
    start(b -> b.maxInFlight(3));
    RawClient.Channel ch = v2("alice");
    // A deadline long enough that the handler starts before it even on a loaded machine; if the
    // handler did not start in time, the server never runs it and there is nothing to interrupt.
    ch.send(call(1, "t", "sleep", 1_000, integer(60_000)));
    assertEquals(ServerMessage.Reply.error(1, atom("timeout")), read(ch));
    for (int i = 0; i < 250 && started.get() && !interrupted.get(); i++) {
      Thread.sleep(20);
    }
    assertTrue(!started.get() || interrupted.get(), "the handler was interrupted at its deadline");

    ch.send(call(2, "t", "sleep", -1, integer(60_000)), new ClientMessage.Cancel(2).toTerm());
    assertEquals(ServerMessage.Reply.error(2, atom("cancelled")), read(ch));

    // cast: no reply; its effect is visible (a process spawned and told to add)
    ch.send(new ClientMessage.Cast(atom("sshrpc"), atom("ping"), ErlList.NIL).toTerm(), call(3, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.ok(3, atom("pong")), read(ch));

    // in-flight limit: three long calls fill it; the fourth is refused without running
    ch.send(
        call(10, "t", "sleep", 2000, integer(60_000)),
        call(11, "t", "sleep", 2000, integer(60_000)),
        call(12, "t", "sleep", 2000, integer(60_000)),
        call(13, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.error(13, atom("overloaded")), read(ch));
    ch.send(new ClientMessage.Cancel(10).toTerm(), new ClientMessage.Cancel(11).toTerm(), new ClientMessage.Cancel(12).toTerm());
    for (int i = 0; i < 3; i++) {
      assertEquals(atom("cancelled"), ((ServerMessage.Reply) read(ch)).value());
    }
    ch.send(call(14, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.ok(14, atom("pong")), read(ch));
  }

  @Test
  void spawnSendMonitorAndDownOnExitAndOnConnectionDrop() throws Exception {
    start(b -> {});
    RawClient.Channel ch = v2("alice");
    ch.send(new ClientMessage.Mailbox(1).toTerm());
    ErlPid me = (ErlPid) ((ServerMessage.Reply) read(ch)).value();
    ch.send(new ClientMessage.Spawn(2, atom("sshrpc_echo_proc"), atom("start"), ErlList.NIL).toTerm());
    ErlPid echo = (ErlPid) ((ServerMessage.Reply) read(ch)).value();
    assertEquals(fx.server.service().node(), echo.node());
    ch.send(new ClientMessage.Send(echo, tuple(me, atom("ping"))).toTerm());
    assertEquals(new ServerMessage.Deliver(me, atom("ping")), read(ch));
    ch.send(new ClientMessage.Monitor(3, echo).toTerm());
    ErlRef ref = (ErlRef) ((ServerMessage.Reply) read(ch)).value();
    ch.send(new ClientMessage.Send(echo, tuple(atom("stop"), atom("done"))).toTerm());
    ServerMessage.Deliver down = (ServerMessage.Deliver) read(ch);
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), echo, atom("done")), down.message());

    // alice's other connection spawns a counter and names it; this one uses it by name and
    // monitors it; the other connection drops. (Another user's processes are out of reach
    // without a rule: ProcessIsolationIT.)
    RawClient otherClient = RawClient.connect(fx, "alice", fx.aliceKey);
    RawClient.Channel other = v2(otherClient);
    other.send(new ClientMessage.Spawn(1, atom("sshrpc_counter"), atom("start"), list(integer(0))).toTerm());
    ErlPid counter = (ErlPid) ((ServerMessage.Reply) read(other)).value();
    other.send(new ClientMessage.Register(2, atom("my_counter"), counter).toTerm());
    assertEquals(ServerMessage.Reply.ok(2, ErlAtom.TRUE), read(other));
    ch.send(new ClientMessage.Send(atom("my_counter"), tuple(atom("add"), integer(41))).toTerm(),
        new ClientMessage.Send(atom("my_counter"), tuple(atom("add"), integer(1))).toTerm(),
        new ClientMessage.Send(atom("my_counter"), tuple(atom("get"), me)).toTerm());
    assertEquals(new ServerMessage.Deliver(me, tuple(atom("count"), integer(42))), read(ch));
    ch.send(new ClientMessage.Monitor(4, counter).toTerm());
    ErlRef ref2 = (ErlRef) ((ServerMessage.Reply) read(ch)).value();
    otherClient.close();
    ServerMessage.Deliver down2 = (ServerMessage.Deliver) read(ch);
    assertEquals(tuple(atom("DOWN"), ref2, atom("process"), counter, atom("noconnection")), down2.message());
    ch.send(new ClientMessage.Whereis(6, atom("my_counter")).toTerm());
    assertEquals(ServerMessage.Reply.ok(6, ErlAtom.UNDEFINED), read(ch));
  }

  @Test
  void clientThatNeverReadsCannotGrowServerMemory() throws Exception {
    long outLimit = 256 * 1024;
    start(b -> b.maxOutboundBytes(outLimit).maxInFlight(64));
    RawClient c = RawClient.connect(fx, "alice", fx.aliceKey);
    toClose.add(c);
    org.apache.sshd.core.CoreModuleProperties.WINDOW_TIMEOUT.set(c.session, java.time.Duration.ofSeconds(60));
    RawClient.Channel ch = v2(c);
    RpcSession session = fx.server.service().sessions().iterator().next();
    Term payload = binary(new byte[1024]);
    int n = 10_000; // ~10 MB each way: far more than the windows and the outbound limit
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    Thread writer = new Thread(() -> {
      try {
        for (int i = 0; i < n; i += 10) {
          Term[] batch = new Term[10];
          for (int j = 0; j < 10; j++) {
            batch[j] = call(i + j, "sshrpc", "echo", -1, payload);
          }
          ch.send(batch);
        }
      } catch (Throwable t) {
        writerFailure.set(t);
      }
    });
    writer.start();
    // Wait until the server stops accepting: released window no longer moves.
    long last = -1;
    int stable = 0;
    for (int i = 0; i < 200 && stable < 5; i++) {
      Thread.sleep(100);
      long now = session.releasedInputBytes();
      stable = now == last ? stable + 1 : 0;
      last = now;
    }
    assertNull(writerFailure.get());
    assertTrue(writer.isAlive(), "the writer must be blocked by the SSH window; released=" + session.releasedInputBytes() + " held=" + session.heldInputBytes() + " out=" + session.outboundBytes());
    long window = org.apache.sshd.core.CoreModuleProperties.WINDOW_SIZE.getRequiredDefault();
    long maxReply = 1200;
    assertTrue(session.maxOutboundBytesSeen() <= outLimit + 64 * maxReply,
        "outbound bytes bounded: " + session.maxOutboundBytesSeen());
    assertTrue(session.maxHeldInputBytesSeen() <= window + 4096,
        "held input bounded by the window: " + session.maxHeldInputBytesSeen());
    assertTrue(session.releasedInputBytes() < (long) n * 1000, "not everything was accepted");

    // Now read: every call is answered exactly once, and the writer finishes.
    boolean[] seen = new boolean[n];
    for (int i = 0; i < n; i++) {
      ServerMessage.Reply r = (ServerMessage.Reply) read(ch);
      assertTrue(r.ok() || r.value().equals(atom("overloaded")), r.toString());
      assertTrue(!seen[(int) r.id()], "duplicate " + r.id());
      seen[(int) r.id()] = true;
    }
    writer.join(30_000);
    assertNull(writerFailure.get());
  }
}
