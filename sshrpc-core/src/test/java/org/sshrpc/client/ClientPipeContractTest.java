package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sshrpc.Deadline;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.server.PipeServer;
import org.sshrpc.server.RpcModule;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermLimits;

/**
 * The contract suite's client leg: the real client ({@link RealRpcChannel}) against the real
 * server session over an in-memory pipe ({@link PipeServer}, {@link PipeClientTransport}), no
 * SSH. Each case of the server's {@code RpcContract} that a client can express is made here
 * through the client's API and checked as the user sees it (values, statuses, reasons); plus the
 * client's own deadline on a fake ticker and the caller's stack of a blocking failure.
 */
@Timeout(60)
class ClientPipeContractTest {
  private static final RpcModule T =
      RpcModule.builder("t")
          .function("deadline_ms", 0, (ctx, a) ->
              integer(ctx.deadline().map(d -> Duration.between(Instant.now(), d).toMillis()).orElse(-1L)))
          .build();

  private PipeServer server;
  private ScheduledThreadPoolExecutor scheduler;
  private ExecutorService callbacks;
  private final List<RealRpcChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() {
    server = PipeServer.contract(T);
    scheduler = new ScheduledThreadPoolExecutor(1);
    callbacks = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void stop() throws Exception {
    channels.forEach(RealRpcChannel::close);
    server.close();
    scheduler.shutdownNow();
    callbacks.shutdownNow();
  }

  private ClientRuntime runtime(int maxVersion, DeadlineTimer timer) {
    return new ClientRuntime(
        callbacks, scheduler, new Codec(TermLimits.DEFAULT), 64 << 20, maxVersion, Duration.ofSeconds(10),
        Duration.ofMillis(200).toNanos(), timer == null ? DeadlineTimer.on(scheduler) : timer);
  }

  private RealRpcChannel open(String user, int maxVersion) throws Exception {
    return open(user, maxVersion, false, null, null);
  }

  private RealRpcChannel open(String user, int maxVersion, boolean byteAtATime, DeadlineTimer timer, PipeClientTransport[] made)
      throws Exception {
    RealRpcChannel ch =
        RealRpcChannel.open(
            PipeClientTransport.to(server, user, byteAtATime, made),
            runtime(maxVersion, timer),
            "pipe/" + user,
            System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    channels.add(ch);
    return ch;
  }

  private static Term exit(Term reason) {
    return tuple(atom("EXIT"), reason);
  }

  // ------------------------------------------------------------- RpcContract's cases

  @ParameterizedTest(name = "v{0}")
  @ValueSource(ints = {1, 2})
  void callsInOrder(int version) throws Exception {
    RealRpcChannel ch = open("alice", version);
    assertEquals(version, ch.protocolVersion());
    assertEquals(list(integer(1), integer(2), integer(3)), ch.call("lists", "seq", integer(1), integer(3)));
    assertEquals(binary("alice"), ch.call("c", "whoami"));
  }

  @ParameterizedTest(name = "v{0}")
  @ValueSource(ints = {1, 2})
  void everyByteSplitBothWays(int version) throws Exception {
    RealRpcChannel ch = open("alice", version, true, null, null);
    assertEquals(version, ch.protocolVersion());
    assertEquals(atom("split"), ch.call("sshrpc", "echo", atom("split")));
    assertEquals(list(integer(1), integer(2)), ch.call("lists", "seq", integer(1), integer(2)));
  }

  @ParameterizedTest(name = "v{0}")
  @ValueSource(ints = {1, 2})
  void errorShapesBecomeStatuses(int version) throws Exception {
    RealRpcChannel ch = open("alice", version);
    RpcException undef = assertThrows(RpcException.class, () -> ch.call("nosuch", "f", integer(1)));
    assertEquals(Status.NOT_FOUND, undef.status());
    assertEquals(exit(tuple(atom("undef"), list(tuple(atom("nosuch"), atom("f"), list(integer(1)), ErlList.NIL)))), undef.reason());
    RpcException boom = assertThrows(RpcException.class, () -> ch.call("c", "boom"));
    assertEquals(Status.RAISED, boom.status());
    assertEquals(exit(tuple(atom("java_exception"), binary("java.lang.IllegalStateException"), binary("no luck"))), boom.reason());
    RpcException raised = assertThrows(RpcException.class, () -> ch.call("c", "raise", atom("my_reason")));
    assertEquals(Status.RAISED, raised.status());
    assertEquals(exit(atom("my_reason")), raised.reason());
    assertEquals("RAISED: c:raise/1 failed: {'EXIT',my_reason}", raised.getMessage());
    RpcException clause = assertThrows(RpcException.class, () -> ch.call("lists", "seq", integer(5), integer(1)));
    assertEquals(Status.RAISED, clause.status());
    assertEquals(exit(tuple(atom("function_clause"), list(tuple(atom("lists"), atom("seq"), list(integer(5), integer(1)), ErlList.NIL)))), clause.reason());
    assertEquals(atom("pong"), ch.call("sshrpc", "ping"), "the channel still serves");
  }

  @ParameterizedTest(name = "v{0}")
  @ValueSource(ints = {1, 2})
  void deniedLooksTheSameWhetherOrNotTheFunctionExists(int version) throws Exception {
    RealRpcChannel bob = open("bob", version);
    RpcException seq = assertThrows(RpcException.class, () -> bob.call("lists", "seq", integer(1), integer(2)));
    RpcException nosuch = assertThrows(RpcException.class, () -> bob.call("lists", "nosuch", integer(1), integer(2)));
    assertEquals(Status.PERMISSION_DENIED, seq.status());
    assertEquals(Status.PERMISSION_DENIED, nosuch.status());
    // v1 wraps a refusal as the seed's {exec_badrpc, {'EXIT', R}}, which the client reads as {'EXIT', R}; v2 sends R.
    Term seqReason = tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("seq"), integer(2)));
    Term nosuchReason = tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("nosuch"), integer(2)));
    assertEquals(version == 1 ? exit(seqReason) : seqReason, seq.reason());
    assertEquals(version == 1 ? exit(nosuchReason) : nosuchReason, nosuch.reason());
  }

  @Test
  void aRequestOverTheServersDecodeLimitsIsRefusedBeforeSendingAndTheChannelServesOn() throws Exception {
    PipeClientTransport[] t = new PipeClientTransport[1];
    RealRpcChannel ch = open("alice", 2, false, null, t);
    Term deep = ErlList.NIL;
    for (int i = 0; i < 600; i++) { // the server's default maxDepth is 512, stated in its hello
      deep = list(deep);
    }
    long before = t[0].bytesWritten.get();
    Term arg = deep;
    RpcException e = assertThrows(RpcException.class, () -> ch.call("sshrpc", "echo", arg));
    assertEquals(Status.INVALID_REQUEST, e.status());
    assertTrue(e.getMessage().startsWith("INVALID_REQUEST: sshrpc:echo/1"), e.getMessage());
    assertEquals(before, t[0].bytesWritten.get(), "nothing was sent");
    assertEquals(atom("pong"), ch.call("sshrpc", "ping"));
  }

  @Test
  void v2OutOfOrderDeadlineAndCancel() throws Exception {
    RealRpcChannel ch = open("alice", 2);
    CompletableFuture<Term> slow = ch.callAsync("c", "sleep", integer(300));
    CompletableFuture<Term> ping = ch.callAsync("sshrpc", "ping");
    assertEquals(atom("pong"), CompletableFuture.anyOf(slow, ping).get(10, TimeUnit.SECONDS), "the later call answers first");
    assertEquals(integer(300), slow.get(10, TimeUnit.SECONDS));
    // The server enforces the deadline it was sent: its reason is timeout, not the client's own.
    RpcException late = assertThrows(RpcException.class,
        () -> ch.call("c", "block", List.of(), CallOptions.timeout(Duration.ofMillis(50))));
    assertEquals(Status.DEADLINE_EXCEEDED, late.status());
    assertEquals(atom("timeout"), late.reason());
    CompletableFuture<Term> blocked = ch.callAsync("c", "block");
    assertTrue(blocked.cancel(true));
    assertEquals(atom("pong"), ch.call("sshrpc", "ping"));
    awaitNoCallsWaiting(ch, "the server answered the cancelled call");
  }

  @Test
  void v2ManyInFlightAllAnsweredOnce() throws Exception {
    RealRpcChannel ch = open("alice", 2);
    int n = 500;
    List<CompletableFuture<Term>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(ch.callAsync("sshrpc", "echo", integer(i)));
    }
    for (int i = 0; i < n; i++) {
      assertEquals(integer(i), fs.get(i).get(30, TimeUnit.SECONDS));
    }
    assertEquals(0, ch.callsWaiting());
  }

  @Test
  void v2ProcessesAcrossChannels() throws Exception {
    RealRpcChannel a = open("alice", 2);
    RealRpcChannel b = open("alice", 2);
    Mailbox inbox = a.mailbox();
    Term echo = b.spawn("sshrpc_echo_proc", "start", List.of());
    Term ref = a.monitor(inbox, echo);
    a.send(echo, tuple(inbox.pid(), atom("hi")));
    assertEquals(atom("hi"), inbox.receive(Duration.ofSeconds(10)).orElseThrow());
    b.exit(echo, atom("bye"));
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), echo, atom("bye")), inbox.receive(Duration.ofSeconds(10)).orElseThrow());
  }

  @Test
  void closingFailsCallsInFlightAndFiresMonitorsWithNoconnection() throws Exception {
    RealRpcChannel a = open("alice", 2);
    Mailbox inbox = a.mailbox();
    Term pid = a.spawn("sshrpc_echo_proc", "start", List.of());
    Term ref = a.monitor(inbox, pid);
    CompletableFuture<Term> blocked = a.callAsync("c", "block");
    a.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
    assertEquals(Status.UNAVAILABLE, ((RpcException) e.getCause()).status());
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), pid, atom("noconnection")), inbox.receive(Duration.ofSeconds(10)).orElseThrow());
    assertFalse(a.isOpen());
  }

  // ------------------------------------------------------------- the client's own

  /** The client's deadline runs on the deadline's ticker: time moves by the test, no sleeping. */
  @Test
  void clientDeadlineOnAFakeTicker() throws Exception {
    FakeTicker ticker = new FakeTicker();
    RealRpcChannel ch = open("alice", 2, false, ticker, null);
    CallOptions in60s = CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofSeconds(60), ticker));
    // The wire timeout is what remains of the deadline on its ticker, when the call is made.
    ticker.advance(Duration.ofSeconds(20));
    long ms = ((org.sshrpc.term.ErlInteger) ch.call("t", "deadline_ms", List.of(), in60s)).longValue();
    assertTrue(ms > 30_000 && ms <= 40_000, "server saw " + ms + " ms (expected: about 40000)");

    CompletableFuture<Term> f = ch.callAsync("c", "block", List.of(), in60s);
    assertEquals(1, ticker.scheduled(), "one client-side timer for the async call");
    ticker.advance(Duration.ofSeconds(39));
    assertFalse(f.isDone(), "not before the deadline");
    ticker.advance(Duration.ofSeconds(1)); // at the deadline; the client still allows the server its grace
    assertFalse(f.isDone(), "not within the grace");
    ticker.advance(Duration.ofMillis(200));
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    RpcException r = (RpcException) e.getCause();
    assertEquals(Status.DEADLINE_EXCEEDED, r.status());
    assertEquals("DEADLINE_EXCEEDED: c:block/0: deadline exceeded (client side)", r.getMessage());
    // The client cancelled it on the server (whose own timer is 40 s of real time away): the
    // server's answer to the cancel empties the table.
    awaitNoCallsWaiting(ch, "the server answered the cancel");
    assertEquals(0, ticker.scheduled());
  }

  @Test
  void aDeadlineAlreadyPassedOnItsTickerFailsBeforeSending() throws Exception {
    FakeTicker ticker = new FakeTicker();
    PipeClientTransport[] t = new PipeClientTransport[1];
    RealRpcChannel ch = open("alice", 2, false, ticker, t);
    CallOptions o = CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofSeconds(1), ticker));
    ticker.advance(Duration.ofSeconds(1));
    long before = t[0].bytesWritten.get();
    RpcException e = assertThrows(RpcException.class, () -> ch.call("sshrpc", "ping", List.of(), o));
    assertEquals("DEADLINE_EXCEEDED: sshrpc:ping/0: deadline passed before sending", e.getMessage());
    assertEquals(before, t[0].bytesWritten.get());
  }

  /** As gRPC's blocking stubs: the exception a blocking call throws has the caller's stack. */
  @Test
  void aBlockingCallFailsWithTheCallersStackAndTheIoThreadsCause() throws Exception {
    RealRpcChannel ch = open("alice", 2);
    RpcException e = assertThrows(RpcException.class, () -> ch.call("c", "raise", atom("my_reason")));
    assertTrue(Arrays.stream(e.getStackTrace())
            .anyMatch(f -> f.getMethodName().equals("aBlockingCallFailsWithTheCallersStackAndTheIoThreadsCause")),
        "the caller's method is on the stack");
    RpcException cause = (RpcException) e.getCause();
    assertNotNull(cause);
    assertFalse(Arrays.stream(cause.getStackTrace())
            .anyMatch(f -> f.getMethodName().equals("aBlockingCallFailsWithTheCallersStackAndTheIoThreadsCause")),
        "the cause was made on the reader's thread");
    assertEquals(cause.getMessage(), e.getMessage());
    assertEquals(cause.status(), e.status());
    assertSame(cause.reason(), e.reason());
  }

  @Test
  void processOperationsNeedAPid() throws Exception {
    RealRpcChannel ch = open("alice", 2);
    RpcException e = assertThrows(RpcException.class, () -> ch.register(ErlAtom.of("n"), atom("not_a_pid")));
    assertEquals(Status.INVALID_REQUEST, e.status());
    assertEquals("INVALID_REQUEST: register n: not a pid: not_a_pid", e.getMessage());
  }

  private static void awaitNoCallsWaiting(RealRpcChannel ch, String why) throws InterruptedException {
    for (int i = 0; i < 200 && ch.callsWaiting() > 0; i++) {
      Thread.sleep(50);
    }
    assertEquals(0, ch.callsWaiting(), why);
  }
}
