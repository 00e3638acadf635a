package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;

/**
 * The resource model on one channel (in-memory pipe, no SSH): what a hostile request makes the
 * server hold is bounded before it is allocated, error replies never echo large requests, replies
 * are bounded by the peer's frame limit and the memory budget, and every charge is given back.
 */
@Timeout(60)
class ResourceModelTest {
  private static final TermEncoder COMPRESSING = TermEncoder.builder().compressionLevel(6).build();

  private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  private RpcService service;

  @AfterEach
  void close() {
    gates.values().forEach(CountDownLatch::countDown);
    if (service != null) {
      service.close();
    }
  }

  private RpcService.Builder base() {
    RpcModule t =
        RpcModule.builder("t")
            .function("big", 1, (ctx, a) -> ErlBinary.of(new byte[((ErlInteger) a.get(0)).intValue()]))
            .function("gate", 1, (ctx, a) -> {
              gates.computeIfAbsent(((ErlAtom) a.get(0)).name(), k -> new CountDownLatch(1)).await();
              return a.get(0);
            })
            .build();
    return RpcService.builder().module(t);
  }

  private static void feed(RpcSession s, Term... terms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Term t : terms) {
      out.writeBytes(PipeTransport.frame(t));
    }
    byte[] b = out.toByteArray();
    s.feed(b, 0, b.length);
  }

  private static void feedRaw(RpcSession s, byte[] etf) {
    byte[] f = new byte[4 + etf.length];
    f[0] = (byte) (etf.length >>> 24);
    f[1] = (byte) (etf.length >>> 16);
    f[2] = (byte) (etf.length >>> 8);
    f[3] = (byte) etf.length;
    System.arraycopy(etf, 0, f, 4, etf.length);
    s.feed(f, 0, f.length);
  }

  private static void hello(RpcSession s, PipeTransport pipe, ErlMap options) throws Exception {
    feed(s, new Hello(2, options).toTerm());
    assertTrue(Messages.parseServerMessage(pipe.take()) instanceof Hello);
  }

  private static Term call(long id, String m, String f, Term... args) {
    return new ClientMessage.Call(id, atom(m), atom(f), list(args), ClientMessage.Call.INFINITY).toTerm();
  }

  /** Waits (bounded) until the channel's budget is back to zero: every charge was given back. */
  private void assertBudgetDrains(RpcSession s) throws InterruptedException {
    for (int i = 0; i < 500 && (s.account.charged() != 0 || service.budget.used() != 0); i++) {
      Thread.sleep(10);
    }
    assertEquals(0, s.account.charged(), "channel budget");
    assertEquals(0, service.budget.used(), "node budget");
  }

  @Test
  void serverLimitsCarryTheBudgetAndTheWorkerShareToTheService() {
    // limits(...) is the whole configuration: pool sizes set after it change it.
    service = RpcService.builder()
        .limits(ServerLimits.builder().memoryBudget(300 << 20, 100 << 20, 40 << 20).maxWorkersPerUser(3).build())
        .executorThreads(8)
        .build();
    assertEquals(300 << 20, service.budget.globalLimit());
    assertEquals(100 << 20, service.budget.userLimit());
    assertEquals(40 << 20, service.budget.connectionLimit());
    assertEquals(3, service.lanes.perUser());
    RpcService defaults = RpcService.builder().limits(ServerLimits.DEFAULT).executorThreads(8).build();
    try {
      long heap = Runtime.getRuntime().maxMemory();
      assertEquals(heap / 10 * 4, defaults.budget.globalLimit());
      assertEquals(6, defaults.lanes.perUser());
    } finally {
      defaults.close();
    }
  }

  @Test
  void smallBadRequestIsEchoedAsTheSeedDoes() throws Exception {
    service = base().build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    feed(s, tuple(atom("hello"), integer(1)));
    assertEquals(
        ServerMessage.Answer.error(tuple(atom("exec_error"), tuple(atom("hello"), integer(1)))).toTerm(),
        pipe.take());
    assertBudgetDrains(s);
  }

  @Test
  void largeBadRequestIsSummarisedNotEchoed() throws Exception {
    service = base().build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    Term bad = tuple(atom("not_mfa"), ErlBinary.of(new byte[100_000]));
    int frameBytes = TermEncoder.DEFAULT.encodedSize(bad);
    feed(s, bad);
    ErlTuple answer = (ErlTuple) ((ErlTuple) pipe.take()).get(1);
    Term error = ((ErlTuple) answer.get(0)).get(1);
    assertTrue(error instanceof ErlTuple && ((ErlTuple) error).isTagged("truncated", 3), error.toString());
    assertEquals(integer(frameBytes), ((ErlTuple) error).get(1));
    assertTrue(TermEncoder.DEFAULT.encodedSize(error) < 2 * RpcSession.ECHO_LIMIT, "summary is small");
    assertBudgetDrains(s);
  }

  /**
   * Reproduction 1a: compressed frames of ~10 KB that decode to 8 MiB terms, sent by a client that
   * never reads and may call nothing. Before, each error reply echoed the whole decoded term, so
   * ten of them pinned ten 8 MiB replies; now each reply is a small summary.
   */
  @Test
  void compressedBombsWithUnreadRepliesHoldOnlySmallReplies() throws Exception {
    service = base().policy(AccessPolicy.parse("allow sshrpc:ping/0\n")).build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("mallory", null, null, pipe);
    pipe.stopReading();
    byte[] bomb = COMPRESSING.encode(tuple(atom("junk"), ErlBinary.of(new byte[8 << 20])));
    assertTrue(bomb.length < 20_000, "compressed size " + bomb.length);
    for (int i = 0; i < 10; i++) {
      feedRaw(s, bomb);
    }
    byte[] mfaBomb = COMPRESSING.encode(ClientMessage.Mfa.of("t", "big", list(ErlBinary.of(new byte[8 << 20]))).toTerm());
    for (int i = 0; i < 10; i++) {
      feedRaw(s, mfaBomb);
    }
    assertTrue(s.outboundBytes() < 20 * 2 * RpcSession.ECHO_LIMIT, "queued " + s.outboundBytes());
    pipe.startReading();
    for (int i = 0; i < 20; i++) {
      Term t = pipe.take();
      assertTrue(TermEncoder.DEFAULT.encodedSize(t) < 2 * RpcSession.ECHO_LIMIT, "reply " + i + " is small");
    }
    assertBudgetDrains(s);
  }

  /** Inflation costs I/O time per byte produced: a request compressed past 64:1 is not inflated. */
  @Test
  void compressionRatioOverTheBoundIsRefusedBeforeInflating() throws Exception {
    service = base().build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    byte[] bomb = COMPRESSING.encode(ClientMessage.Mfa.of("sshrpc", "echo", list(ErlBinary.of(new byte[1 << 20]))).toTerm());
    feedRaw(s, bomb);
    long declared = ((bomb[2] & 0xFFL) << 24) | ((bomb[3] & 0xFF) << 16) | ((bomb[4] & 0xFF) << 8) | (bomb[5] & 0xFF);
    assertEquals(
        ServerMessage.Answer.error(tuple(atom("exec_error"), tuple(atom("badframe"), ErlBinary.utf8(
            "compressed term declares " + declared + " bytes from " + bomb.length + " (ratio " + declared / bomb.length
                + ", expected: <= 64)")))).toTerm(),
        pipe.take());
    // A compressed request within the ratio is inflated and answered.
    byte[] fine = COMPRESSING.encode(ClientMessage.Mfa.of("sshrpc", "echo", list(binary("abcdefghij".repeat(20)))).toTerm());
    feedRaw(s, fine);
    assertEquals(ServerMessage.Answer.ok(binary("abcdefghij".repeat(20))).toTerm(), pipe.take());
    assertBudgetDrains(s);
  }

  @Test
  void replyOverThePeersFrameLimitBecomesAnError() throws Exception {
    service = base().build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    hello(s, pipe, ErlMap.of(atom("max_frame"), integer(100_000)));
    feed(s, call(1, "t", "big", integer(200_000)), call(2, "t", "big", integer(50_000)));
    List<ServerMessage.Reply> got = new ArrayList<>();
    got.add((ServerMessage.Reply) Messages.parseServerMessage(pipe.take()));
    got.add((ServerMessage.Reply) Messages.parseServerMessage(pipe.take()));
    got.sort((a, b) -> Long.compare(a.id(), b.id()));
    assertEquals(
        ServerMessage.Reply.error(1, tuple(atom("reply_too_large"), atom("over_limit"), integer(100_000))), got.get(0));
    assertTrue(got.get(1).ok());
    assertBudgetDrains(s);
  }

  @Test
  void replyOverTheMemoryBudgetBecomesAnErrorAndTheChannelGoesOn() throws Exception {
    service = base().memoryBudget(64 << 20, 32 << 20, 2 << 20).build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    hello(s, pipe, ErlMap.of());
    feed(s, call(1, "t", "big", integer(3 << 20)));
    ServerMessage.Reply r = (ServerMessage.Reply) Messages.parseServerMessage(pipe.take());
    assertEquals(1, r.id());
    ErlTuple reason = (ErlTuple) r.value();
    assertTrue(reason.isTagged("reply_too_large", 3), reason.toString());
    assertEquals(integer(TermEncoder.DEFAULT.encodedSize(
        ServerMessage.Reply.ok(1, ErlBinary.of(new byte[3 << 20])).toTerm())), reason.get(1));
    feed(s, call(2, "sshrpc", "ping"));
    assertEquals(ServerMessage.Reply.ok(2, atom("pong")), Messages.parseServerMessage(pipe.take()));
    assertBudgetDrains(s);
  }

  /**
   * Reproduction 1c: each channel may start a frame of up to maxFrameLength and stall. Now the
   * frame's declared length is reserved when its header arrives; one the budget cannot hold
   * closes that channel with a clear error, and the user's other channels go on.
   */
  @Test
  void partialFramesAreReservedAndRefusedOverBudget() throws Exception {
    service = base().memoryBudget(64 << 20, 8 << 20, 8 << 20).maxFrameLength(16 << 20).build();
    Object connection = new Object();
    List<RpcSession> open = new ArrayList<>();
    List<PipeTransport> pipes = new ArrayList<>();
    int refused = -1;
    for (int i = 0; i < 6 && refused < 0; i++) {
      PipeTransport pipe = new PipeTransport();
      RpcSession s = service.openSession("mallory", null, null, connection, pipe);
      hello(s, pipe, ErlMap.of());
      int declared = 3 << 20;
      byte[] start = new byte[4 + 1000];
      start[0] = (byte) (declared >>> 24);
      start[1] = (byte) (declared >>> 16);
      start[2] = (byte) (declared >>> 8);
      start[3] = (byte) declared;
      start[4] = (byte) 131;
      s.feed(start, 0, start.length);
      if (s.isClosed() || pipe.closedReason != null) {
        refused = i;
        Term err = pipe.take();
        ErlTuple e = (ErlTuple) err;
        assertTrue(e.isTagged("error", 3) && e.get(1).equals(atom("overloaded")), err.toString());
        assertTrue(pipe.closedReason.startsWith("frame of 3145728 bytes refused: connection memory budget exhausted"),
            pipe.closedReason);
      } else {
        open.add(s);
        pipes.add(pipe);
      }
    }
    assertEquals(2, refused, "two 3 MiB frames fit an 8 MiB budget, the third does not");
    // The channels that fit still serve calls.
    PipeTransport p0 = pipes.get(0);
    assertTrue(open.get(0).account.charged() >= 3 << 20);
    for (RpcSession s : open) {
      s.close();
    }
    assertEquals(0, service.budget.used());
    assertEquals(0, service.budget.trackedUsers());
    assertNotNull(p0);
  }

  @Test
  void budgetIsGivenBackAfterEveryKindOfRequest() throws Exception {
    service = base().policy(AccessPolicy.parse("allow t:* sshrpc:* lists:*\n")).build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    hello(s, pipe, ErlMap.of());
    feed(s,
        call(1, "sshrpc", "echo", ErlBinary.of(new byte[100_000])),
        call(2, "lists", "seq", integer(1), integer(1000)),
        call(3, "nosuch", "f", ErlBinary.of(new byte[50_000])),
        call(4, "t", "big", integer(200_000)),
        new ClientMessage.Cast(atom("t"), atom("big"), list(integer(10))).toTerm(),
        tuple(atom("call"), integer(5), atom("m")),
        ClientMessage.Mfa.of("sshrpc", "ping", ErlList.NIL).toTerm());
    for (int i = 0; i < 6; i++) {
      pipe.take();
    }
    assertBudgetDrains(s);
    s.close();
    assertEquals(0, service.budget.trackedUsers());
  }

  @Test
  void undefNeverEchoesLargeArguments() throws Exception {
    service = base().build();
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession("alice", null, null, pipe);
    hello(s, pipe, ErlMap.of());
    feed(s, call(1, "nosuch", "f", ErlBinary.of(new byte[100_000]), atom("x")));
    ServerMessage.Reply r = (ServerMessage.Reply) Messages.parseServerMessage(pipe.take());
    assertEquals(
        ServerMessage.Reply.error(1,
            tuple(atom("EXIT"), tuple(atom("undef"), list(tuple(atom("nosuch"), atom("f"), integer(2), ErlList.NIL))))),
        r);
  }

  /** One user's slow calls take at most maxWorkersPerUser workers: another user is served. */
  @Test
  void oneUsersSlowCallsDoNotTakeEveryWorker() throws Exception {
    service = base().executorThreads(4).maxWorkersPerUser(2).build();
    PipeTransport a = new PipeTransport();
    RpcSession alice = service.openSession("alice", null, null, a);
    hello(alice, a, ErlMap.of());
    Term[] slow = new Term[20];
    for (int i = 0; i < slow.length; i++) {
      slow[i] = call(i + 1, "t", "gate", atom("hold"));
    }
    feed(alice, slow);
    PipeTransport b = new PipeTransport();
    RpcSession bob = service.openSession("bob", null, null, b);
    hello(bob, b, ErlMap.of());
    // t:gate(go) runs on a worker (not inline): it needs a free one although alice has 20 waiting.
    gates.put("go", new CountDownLatch(0));
    feed(bob, call(1, "t", "gate", atom("go")));
    assertEquals(ServerMessage.Reply.ok(1, atom("go")), Messages.parseServerMessage(b.take()));
    for (int i = 0; i < 500 && service.executor.getActiveCount() > 2; i++) {
      Thread.sleep(10); // bob's worker is finishing its task
    }
    assertEquals(2, service.executor.getActiveCount(), "alice holds exactly her share");
    gates.computeIfAbsent("hold", k -> new CountDownLatch(1)).countDown();
    for (int i = 0; i < slow.length; i++) {
      assertTrue(((ServerMessage.Reply) Messages.parseServerMessage(a.take())).ok());
    }
  }
}
