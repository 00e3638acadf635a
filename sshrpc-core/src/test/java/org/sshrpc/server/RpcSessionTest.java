package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;

@Timeout(30)
class RpcSessionTest {
  private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  private final AtomicBoolean interrupted = new AtomicBoolean();
  /** Counted down when t:sleep/0 has started sleeping (its worker runs). */
  private final CountDownLatch sleeping = new CountDownLatch(1);
  /** Counted down when t:sleep/0 was interrupted. */
  private final CountDownLatch woken = new CountDownLatch(1);
  /** The clock and timers of services opened with {@link #fakeTime}: deadlines move only when it does. */
  private final FakeTime time = new FakeTime();
  private RpcService service;

  private RpcService.Builder base() {
    RpcModule test =
        RpcModule.builder("t")
            .function("boom", 0, (ctx, a) -> {
              throw new IllegalStateException("no luck");
            })
            .function("raise", 1, (ctx, a) -> {
              throw new ErlangException(a.get(0));
            })
            .function("gate", 1, (ctx, a) -> {
              gates.computeIfAbsent(((ErlAtom) a.get(0)).name(), k -> new CountDownLatch(1)).await();
              return a.get(0);
            })
            .function("sleep", 0, (ctx, a) -> {
              try {
                sleeping.countDown();
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                interrupted.set(true);
                woken.countDown();
                throw e;
              }
              return atom("woke");
            })
            .function("user", 0, (ctx, a) -> binary(ctx.user()))
            .build();
    return RpcService.builder().module(test).module(RpcModule.fromAnnotated(new Annotated()));
  }

  @ErlModule("ann")
  public static class Annotated {
    public Term twice(Term x) {
      return tuple(x, x);
    }

    public void nothing() {}

    public Term who(CallContext ctx) {
      return binary(ctx.user());
    }
  }

  @AfterEach
  void close() {
    gates.values().forEach(CountDownLatch::countDown);
    if (service != null) {
      service.close();
    }
  }

  private PipeTransport pipe;
  private RpcSession session;

  private void open(RpcService.Builder b) {
    service = b.build();
    pipe = new PipeTransport();
    session = service.openSession("alice", "SHA256:abc", null, pipe);
  }

  private void send(Term... terms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Term t : terms) {
      out.writeBytes(PipeTransport.frame(t));
    }
    byte[] b = out.toByteArray();
    session.feed(b, 0, b.length);
  }

  private static Term mfa(String m, String f, Term... args) {
    return ClientMessage.Mfa.of(m, f, list(args)).toTerm();
  }

  private Term v1(String m, String f, Term... args) throws Exception {
    send(mfa(m, f, args));
    return pipe.take();
  }

  private static Term ok(Term t) {
    return ServerMessage.Answer.ok(t).toTerm();
  }

  private static Term badrpc(Term reason) {
    return ServerMessage.Answer.error(tuple(atom("exec_badrpc"), tuple(atom("EXIT"), reason))).toTerm();
  }

  private static Term seq(int from, int to) {
    List<Term> l = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      l.add(integer(i));
    }
    return ErlList.of(l);
  }

  // ------------------------------------------------------------------ v1

  @Test
  void v1BothShapes() throws Exception {
    open(base());
    assertEquals(ok(seq(1, 100)), v1("lists", "seq", integer(1), integer(100)));
    send(tuple(atom("mfa"), atom("sshrpc"), atom("ping"), ErlList.NIL));
    assertEquals(ok(atom("pong")), pipe.take());
  }

  @Test
  void v1ManyRequestsInOneChunkAnsweredInOrder() throws Exception {
    open(base());
    Term[] reqs = new Term[200];
    for (int i = 0; i < reqs.length; i++) {
      reqs[i] = mfa("sshrpc", "echo", integer(i));
    }
    send(reqs);
    for (int i = 0; i < reqs.length; i++) {
      assertEquals(ok(integer(i)), pipe.take());
    }
  }

  @Test
  void v1RequestSplitByteByByte() throws Exception {
    open(base());
    byte[] f = PipeTransport.frame(mfa("lists", "reverse", list(integer(1), integer(2))));
    for (int i = 0; i < f.length; i++) {
      session.feed(f, i, 1);
    }
    assertEquals(ok(list(integer(2), integer(1))), pipe.take());
    assertEquals(f.length, pipe.released.get(), "the whole frame's window released once accepted");
  }

  @Test
  void v1Errors() throws Exception {
    open(base());
    assertEquals(
        badrpc(tuple(atom("undef"), list(tuple(atom("nosuch"), atom("f"), list(integer(1)), ErlList.NIL)))),
        v1("nosuch", "f", integer(1)));
    assertEquals(
        badrpc(tuple(atom("java_exception"), binary("java.lang.IllegalStateException"), binary("no luck"))),
        v1("t", "boom"));
    assertEquals(badrpc(tuple(atom("my"), atom("reason"))), v1("t", "raise", tuple(atom("my"), atom("reason"))));
    // not an mfa: the seed's exec_error carrying the request as received
    send(tuple(atom("hello"), integer(1)));
    assertEquals(ServerMessage.Answer.error(tuple(atom("exec_error"), tuple(atom("hello"), integer(1)))).toTerm(), pipe.take());
    send(tuple(atom("mfa"), tuple(integer(1), atom("f"), ErlList.NIL)));
    assertEquals(
        ServerMessage.Answer.error(tuple(atom("exec_error"), tuple(atom("mfa"), tuple(integer(1), atom("f"), ErlList.NIL)))).toTerm(),
        pipe.take());
  }

  @Test
  void badFrameIsAnsweredAndTheChannelKeepsServing() throws Exception {
    open(base());
    byte[] junk = {0, 0, 0, 3, (byte) 131, (byte) 200, 1};
    session.feed(junk, 0, junk.length);
    Term t = pipe.take();
    ServerMessage.Answer a = (ServerMessage.Answer) Messages.parseServerMessage(t);
    assertEquals(-1, a.status());
    ErlTuple err = (ErlTuple) a.reply();
    assertEquals(atom("exec_error"), err.get(0));
    assertTrue(((ErlTuple) err.get(1)).isTagged("badframe", 2), t.toString());
    assertEquals(ok(atom("pong")), v1("sshrpc", "ping"));
  }

  @Test
  void oversizedFrameClosesTheChannel() throws Exception {
    open(base().maxFrameLength(1000));
    byte[] header = ByteBuffer.allocate(4).putInt(1001).array();
    session.feed(header, 0, 4);
    assertNotNull(pipe.closedReason);
    assertTrue(pipe.closedReason.contains("1001"), pipe.closedReason);
    assertTrue(session.isClosed());
  }

  @Test
  void deniedIsCheckedBeforeLookup() throws Exception {
    open(base().policy(AccessPolicy.parse("allow sshrpc:ping/0 sshrpc:modules/0\n")));
    Term denied = badrpc(tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("seq"), integer(2))));
    assertEquals(denied, v1("lists", "seq", integer(1), integer(2)));
    // a function that does not exist looks the same as one that is denied
    assertEquals(
        badrpc(tuple(atom("sshrpc_denied"), tuple(atom("nosuch"), atom("x"), integer(0)))), v1("nosuch", "x"));
    assertEquals(ok(atom("pong")), v1("sshrpc", "ping"));
    assertEquals(
        ok(list(tuple(atom("sshrpc"), atom("ping"), integer(0)), tuple(atom("sshrpc"), atom("modules"), integer(0)))),
        v1("sshrpc", "modules"));
  }

  @Test
  void annotatedModule() throws Exception {
    open(base());
    assertEquals(ok(tuple(atom("x"), atom("x"))), v1("ann", "twice", atom("x")));
    assertEquals(ok(atom("ok")), v1("ann", "nothing"));
    assertEquals(ok(binary("alice")), v1("ann", "who"));
  }

  /** A service builder whose deadlines and frame timeouts run on {@link #time}. */
  private RpcService.Builder fakeTime(RpcService.Builder b) {
    return b.ticker(time).timers(time);
  }

  @Test
  void v1DefaultTimeoutInterruptsAndReplies() throws Exception {
    open(fakeTime(base().defaultCallTimeout(Duration.ofMillis(100))));
    send(mfa("t", "sleep"));
    assertTrue(sleeping.await(10, TimeUnit.SECONDS), "the function runs on a worker");
    time.advance(Duration.ofMillis(99));
    assertNull(pipe.received.poll(), "no answer before the deadline");
    time.advance(Duration.ofMillis(1));
    // the timer ran on this thread: the answer is queued already
    assertEquals(badrpc(atom("timeout")), pipe.received.poll());
    assertEquals(ok(atom("pong")), v1("sshrpc", "ping"));
    assertTrue(woken.await(10, TimeUnit.SECONDS), "handler was interrupted");
    assertEquals(0, time.pending(), "nothing left scheduled");
  }

  @Test
  void eofClosesAfterTheLastAnswer() throws Exception {
    open(base());
    send(mfa("sshrpc", "ping"));
    session.inputClosed();
    assertEquals(ok(atom("pong")), pipe.take());
    for (int i = 0; i < 100 && pipe.closedReason == null; i++) {
      Thread.sleep(10);
    }
    assertNotNull(pipe.closedReason);
  }

  // ------------------------------------------------------------------ v2

  private void hello() throws Exception {
    send(new Hello(2, ErlMap.of(atom("client"), binary("test"))).toTerm());
    Hello h = (Hello) Messages.parseServerMessage(pipe.take());
    assertEquals(2, h.version());
    assertEquals(service.node(), h.options().get(atom("node")));
  }

  private Term call(long id, String m, String f, long timeout, Term... args) {
    return new ClientMessage.Call(id, atom(m), atom(f), list(args), timeout).toTerm();
  }

  private ServerMessage.Reply reply() throws Exception {
    return (ServerMessage.Reply) Messages.parseServerMessage(pipe.take());
  }

  @Test
  void v2OutOfOrderCompletion() throws Exception {
    open(base());
    hello();
    send(
        call(1, "t", "gate", -1, atom("a")),
        call(2, "t", "gate", -1, atom("b")),
        call(3, "sshrpc", "echo", -1, atom("c")));
    assertEquals(ServerMessage.Reply.ok(3, atom("c")), reply());
    gates.computeIfAbsent("b", k -> new CountDownLatch(1)).countDown();
    assertEquals(ServerMessage.Reply.ok(2, atom("b")), reply());
    gates.computeIfAbsent("a", k -> new CountDownLatch(1)).countDown();
    assertEquals(ServerMessage.Reply.ok(1, atom("a")), reply());
  }

  @Test
  void v2ErrorShapes() throws Exception {
    open(base().policy(AccessPolicy.parse("allow t:*/* nosuch:*/* sshrpc:*\n")));
    hello();
    send(call(1, "nosuch", "f", -1), call(2, "lists", "seq", -1, integer(1), integer(2)));
    Set<ServerMessage.Reply> got = new HashSet<>(List.of(reply(), reply()));
    assertTrue(got.contains(ServerMessage.Reply.error(1,
        tuple(atom("EXIT"), tuple(atom("undef"), list(tuple(atom("nosuch"), atom("f"), ErlList.NIL, ErlList.NIL)))))), got.toString());
    assertTrue(got.contains(ServerMessage.Reply.error(2,
        tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("seq"), integer(2))))), got.toString());
    // malformed with a readable id
    send(tuple(atom("call"), integer(9), atom("m"), atom("f"), atom("notalist"), integer(1)));
    ServerMessage.Reply r = reply();
    assertEquals(9, r.id());
    assertTrue(((ErlTuple) r.value()).isTagged("badrequest", 2));
    // an mfa still gets a v1 answer on a v2 channel
    send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), pipe.take());
  }

  @Test
  void v2DeadlineInterruptsAndNeverRepliesLate() throws Exception {
    open(fakeTime(base()));
    hello();
    send(call(5, "t", "sleep", 100));
    assertTrue(sleeping.await(10, TimeUnit.SECONDS), "the function runs on a worker");
    time.advance(Duration.ofMillis(99));
    assertNull(pipe.received.poll(), "no reply before the deadline");
    time.advance(Duration.ofMillis(1));
    assertEquals(ServerMessage.Reply.error(5, atom("timeout")).toTerm(), pipe.received.poll());
    assertTrue(woken.await(10, TimeUnit.SECONDS), "handler was interrupted");
    send(call(6, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.ok(6, atom("pong")), reply());
    time.advance(Duration.ofMinutes(10));
    assertNull(pipe.received.poll(200, TimeUnit.MILLISECONDS), "no late reply");
  }

  @Test
  void aCallThatAnswersInTimeCancelsItsDeadline() throws Exception {
    open(fakeTime(base()));
    hello();
    send(call(9, "t", "gate", 100, atom("g")));
    for (int i = 0; i < 1000 && time.pending() == 0; i++) {
      Thread.sleep(1); // the deadline is armed right after the call is submitted
    }
    assertEquals(1, time.pending(), "the call's deadline");
    gates.computeIfAbsent("g", k -> new CountDownLatch(1)).countDown();
    assertEquals(ServerMessage.Reply.ok(9, atom("g")), reply());
    assertEquals(0, time.pending(), "finishing the call cancelled its deadline");
  }

  @Test
  void anIncompleteFrameClosesTheChannelAfterTheFrameTimeout() throws Exception {
    open(fakeTime(base().frameTimeout(Duration.ofSeconds(30))));
    byte[] partial = {0, 0, 0, 10, (byte) 131, 100};
    session.feed(partial, 0, partial.length);
    time.advance(Duration.ofMillis(29_999));
    assertFalse(session.isClosed());
    time.advance(Duration.ofMillis(1));
    assertTrue(session.isClosed());
    assertEquals("frame incomplete after 30000 ms (6 bytes received)", pipe.closedReason);
    assertEquals(CloseCause.FRAME_TIMEOUT, session.closeCause());
  }

  @Test
  void v2Cancel() throws Exception {
    open(base());
    hello();
    send(call(7, "t", "gate", -1, atom("never")));
    send(new ClientMessage.Cancel(7).toTerm());
    assertEquals(ServerMessage.Reply.error(7, atom("cancelled")), reply());
    send(new ClientMessage.Cancel(12345).toTerm()); // unknown id: nothing
    send(call(8, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.ok(8, atom("pong")), reply());
  }

  @Test
  void v2CastHasNoReply() throws Exception {
    open(base());
    hello();
    send(new ClientMessage.Cast(atom("t"), atom("boom"), ErlList.NIL).toTerm());
    send(call(1, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.ok(1, atom("pong")), reply());
    for (int i = 0; i < 100 && session.castFailures.get() == 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(1, session.castFailures.get());
    assertNull(pipe.received.poll(100, TimeUnit.MILLISECONDS));
  }

  @Test
  void v2InFlightLimit() throws Exception {
    open(base().maxInFlight(2));
    hello();
    send(call(1, "t", "gate", -1, atom("x")), call(2, "t", "gate", -1, atom("x")), call(3, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.error(3, atom("overloaded")), reply());
    gates.computeIfAbsent("x", k -> new CountDownLatch(1)).countDown();
    Set<Long> ids = new HashSet<>(List.of(reply().id(), reply().id()));
    assertEquals(Set.of(1L, 2L), ids);
  }

  @Test
  void v2SpawnSendMonitorDown() throws Exception {
    open(base());
    hello();
    send(new ClientMessage.Mailbox(1).toTerm());
    ErlPid me = (ErlPid) reply().value();
    send(new ClientMessage.Spawn(2, atom("sshrpc_echo_proc"), atom("start"), ErlList.NIL).toTerm());
    ErlPid echo = (ErlPid) reply().value();
    send(new ClientMessage.Send(echo, tuple(me, atom("hi"))).toTerm());
    assertEquals(new ServerMessage.Deliver(me, atom("hi")), Messages.parseServerMessage(pipe.take()));
    send(new ClientMessage.Register(3, atom("echo"), echo).toTerm());
    assertEquals(ServerMessage.Reply.ok(3, ErlAtom.TRUE), reply());
    send(new ClientMessage.Whereis(4, atom("echo")).toTerm());
    assertEquals(ServerMessage.Reply.ok(4, echo), reply());
    send(new ClientMessage.Send(atom("echo"), tuple(me, atom("by_name"))).toTerm());
    assertEquals(new ServerMessage.Deliver(me, atom("by_name")), Messages.parseServerMessage(pipe.take()));
    send(new ClientMessage.Monitor(5, echo).toTerm());
    ErlRef ref = (ErlRef) reply().value();
    send(new ClientMessage.Send(echo, tuple(atom("stop"), atom("bye"))).toTerm());
    ServerMessage.Deliver down = (ServerMessage.Deliver) Messages.parseServerMessage(pipe.take());
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), echo, atom("bye")), down.message());
    send(new ClientMessage.Whereis(6, atom("echo")).toTerm());
    assertEquals(ServerMessage.Reply.ok(6, ErlAtom.UNDEFINED), reply());
    send(new ClientMessage.Monitor(7, echo).toTerm());
    ErlRef ref2 = (ErlRef) reply().value();
    down = (ServerMessage.Deliver) Messages.parseServerMessage(pipe.take());
    assertEquals(tuple(atom("DOWN"), ref2, atom("process"), echo, atom("noproc")), down.message());
  }

  @Test
  void closingAChannelEndsItsProcessesAndTellsOtherMonitors() throws Exception {
    open(base());
    hello();
    send(new ClientMessage.Spawn(1, atom("sshrpc_counter"), atom("start"), list(integer(5))).toTerm());
    ErlPid counter = (ErlPid) reply().value();
    PipeTransport otherPipe = new PipeTransport();
    // Another channel of the same user: it may watch alice's processes (another user may not,
    // see ProcessIsolationIT).
    RpcSession other = service.openSession("alice", "SHA256:abc", null, otherPipe);
    feed(other, new Hello(2, ErlMap.of()).toTerm());
    otherPipe.take();
    feed(other, new ClientMessage.Monitor(1, counter).toTerm());
    ErlRef ref = (ErlRef) ((ServerMessage.Reply) Messages.parseServerMessage(otherPipe.take())).value();
    assertEquals(1, session.processCount());
    session.close();
    assertEquals(0, session.processCount());
    ServerMessage.Deliver down = (ServerMessage.Deliver) Messages.parseServerMessage(otherPipe.take());
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), counter, atom("noconnection")), down.message());
    assertNull(service.processes.get(counter));
  }

  @Test
  void counterProcessTalksBack() throws Exception {
    open(base());
    hello();
    send(new ClientMessage.Mailbox(1).toTerm());
    ErlPid me = (ErlPid) reply().value();
    send(new ClientMessage.Spawn(2, atom("sshrpc_counter"), atom("start"), list(integer(5))).toTerm());
    ErlPid c = (ErlPid) reply().value();
    send(new ClientMessage.Send(c, tuple(atom("add"), integer(3))).toTerm(),
        new ClientMessage.Send(c, tuple(atom("get"), me)).toTerm());
    assertEquals(new ServerMessage.Deliver(me, tuple(atom("count"), integer(8))), Messages.parseServerMessage(pipe.take()));
    send(new ClientMessage.Exit(3, c, atom("kill")).toTerm());
    assertEquals(ServerMessage.Reply.ok(3, ErlAtom.TRUE), reply());
    assertEquals(0, session.processCount());
  }


  @Test
  void processCrashReasonsReachMonitors() throws Exception {
    RpcModule crashy = RpcModule.builder("crashy")
        .process("start", 0, (ctx, a) -> (p, msg) -> {
          if (msg.equals(atom("erl"))) {
            throw new ErlangException(tuple(atom("bad"), atom("thing")));
          }
          throw new UnsupportedOperationException("nope");
        })
        .build();
    open(base().module(crashy));
    hello();
    send(new ClientMessage.Spawn(1, atom("crashy"), atom("start"), ErlList.NIL).toTerm(),
        new ClientMessage.Spawn(2, atom("crashy"), atom("start"), ErlList.NIL).toTerm());
    ServerMessage.Reply r1 = reply();
    ServerMessage.Reply r2 = reply();
    ErlPid p1 = (ErlPid) (r1.id() == 1 ? r1 : r2).value();
    ErlPid p2 = (ErlPid) (r1.id() == 1 ? r2 : r1).value();
    send(new ClientMessage.Monitor(3, p1).toTerm());
    ErlRef ref1 = (ErlRef) reply().value();
    send(new ClientMessage.Monitor(4, p2).toTerm());
    ErlRef ref2 = (ErlRef) reply().value();
    send(new ClientMessage.Send(p1, atom("erl")).toTerm());
    assertEquals(tuple(atom("DOWN"), ref1, atom("process"), p1, tuple(atom("bad"), atom("thing"))),
        ((ServerMessage.Deliver) Messages.parseServerMessage(pipe.take())).message());
    send(new ClientMessage.Send(p2, atom("java")).toTerm());
    assertEquals(tuple(atom("DOWN"), ref2, atom("process"), p2,
            tuple(atom("java_exception"), binary("java.lang.UnsupportedOperationException"), binary("nope"))),
        ((ServerMessage.Deliver) Messages.parseServerMessage(pipe.take())).message());
    // spawning a plain function is not possible; spawning a process kind is not callable
    send(new ClientMessage.Spawn(5, atom("sshrpc"), atom("ping"), ErlList.NIL).toTerm());
    assertTrue(((ErlTuple) reply().value()).isTagged("EXIT", 2));
    send(call(6, "crashy", "start", -1));
    assertTrue(((ErlTuple) reply().value()).isTagged("EXIT", 2));
  }

  @Test
  void mailboxOverflowKillsTheProcessInsteadOfGrowingMemory() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    RpcModule slow = RpcModule.builder("slow")
        .process("start", 0, (ctx, a) -> (p, msg) -> hold.await())
        .build();
    open(base().module(slow));
    hello();
    send(new ClientMessage.Spawn(1, atom("slow"), atom("start"), ErlList.NIL).toTerm());
    ErlPid pid = (ErlPid) reply().value();
    send(new ClientMessage.Monitor(2, pid).toTerm());
    ErlRef ref = (ErlRef) reply().value();
    Term[] flood = new Term[LocalProcess.MAX_MAILBOX + 2];
    java.util.Arrays.fill(flood, new ClientMessage.Send(pid, atom("x")).toTerm());
    send(flood);
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), pid, atom("mailbox_overflow")),
        ((ServerMessage.Deliver) Messages.parseServerMessage(pipe.take())).message());
    hold.countDown();
  }

  private static void feed(RpcSession s, Term t) {
    byte[] b = PipeTransport.frame(t);
    s.feed(b, 0, b.length);
  }


  @Test
  void v2OversizedFrameIsReportedThenTheChannelCloses() throws Exception {
    open(base().maxFrameLength(1000));
    hello();
    byte[] header = ByteBuffer.allocate(4).putInt(5000).array();
    session.feed(header, 0, 4);
    assertEquals(
        new ServerMessage.ChannelError(atom("frame_too_large"), tuple(integer(5000), integer(1000))).toTerm(),
        pipe.take());
    for (int i = 0; i < 100 && pipe.closedReason == null; i++) {
      Thread.sleep(10);
    }
    assertEquals("frame too large: 5000 bytes (expected: <= 1000)", pipe.closedReason);
  }

  @Test
  void v2BadFrameIsAChannelErrorAndServingContinues() throws Exception {
    open(base());
    hello();
    byte[] junk = {0, 0, 0, 2, (byte) 131, (byte) 250};
    session.feed(junk, 0, junk.length);
    ServerMessage.ChannelError e = (ServerMessage.ChannelError) Messages.parseServerMessage(pipe.take());
    assertEquals(atom("badframe"), e.code());
    send(call(1, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.ok(1, atom("pong")), reply());
  }

  // ------------------------------------------------------------------ backpressure

  @Test
  void clientThatNeverReadsCannotGrowServerMemory() throws Exception {
    long limit = 16 * 1024;
    open(base().maxOutboundBytes(limit).maxInFlight(64));
    hello();
    pipe.stopReading();
    Term big = seq(1, 200); // ~1 KB per reply
    int n = 5_000;
    long releasedBefore = pipe.released.get();
    long total = 0;
    for (int i = 0; i < n; i++) {
      byte[] f = PipeTransport.frame(call(i, "sshrpc", "echo", -1, big));
      total += f.length;
      session.feed(f, 0, f.length);
    }
    // wait until the server has stopped accepting
    for (int i = 0; i < 200 && session.callsInFlight() > 0; i++) {
      Thread.sleep(10);
    }
    long maxReply = 1200;
    assertTrue(session.maxOutboundBytesSeen() <= limit + 64 * maxReply,
        "outbound queue bounded: " + session.maxOutboundBytesSeen());
    long accepted = pipe.released.get() - releasedBefore;
    assertTrue(accepted < total / 10, "window stopped being released: " + accepted);
    assertEquals(total - accepted, session.heldInputBytes(), "the rest is held, not processed");
    // The client reads again: everything is answered, exactly once.
    pipe.startReading();
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < n + 0; i++) {
      Term t = pipe.take();
      ServerMessage.Reply r = (ServerMessage.Reply) Messages.parseServerMessage(t);
      // a call over the in-flight limit is answered overloaded: still exactly one answer
      assertTrue(r.ok() || r.value().equals(atom("overloaded")), t.toString());
      assertTrue(ids.add(r.id()), "duplicate " + r.id());
    }
    assertEquals(n, ids.size());
    assertEquals(total, pipe.released.get() - releasedBefore);
  }

  @Test
  void readyRepliesAreCoalescedIntoFewWrites() throws Exception {
    open(base());
    hello();
    pipe.stopReading(); // hold the first write so that replies pile up behind it
    int n = 500;
    Term[] calls = new Term[n];
    for (int i = 0; i < n; i++) {
      calls[i] = call(i, "sshrpc", "ping", -1);
    }
    int writesBefore = pipe.writes.get();
    send(calls);
    for (int i = 0; i < 200 && session.callsInFlight() > 0; i++) {
      Thread.sleep(10);
    }
    pipe.startReading();
    for (int i = 0; i < n; i++) {
      pipe.take();
    }
    int writes = pipe.writes.get() - writesBefore;
    assertTrue(writes <= 3, "500 replies in " + writes + " writes");
  }
}
