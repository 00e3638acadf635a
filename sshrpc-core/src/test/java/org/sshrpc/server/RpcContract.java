package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
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
import org.sshrpc.wire.FrameEncoder;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;

/**
 * The server's wire contract, run over every transport: an in-memory pipe ({@link
 * PipeContractTest}) and real SSH ({@link SshContractIT}). A transport passes when it moves bytes
 * and nothing else.
 */
@Timeout(60)
abstract class RpcContract {
  /** One client channel as the contract sees it. */
  interface Peer {
    /** Writes bytes as one unit (one SSH data message). */
    void sendRaw(byte[] bytes) throws Exception;

    /** Reads the next reply frame. */
    Term read() throws Exception;
  }

  static final CountDownLatch NEVER = new CountDownLatch(1);

  static final RpcModule MODULE =
      RpcModule.builder("c")
          .function("boom", 0, (ctx, a) -> {
            throw new IllegalStateException("no luck");
          })
          .function("raise", 1, (ctx, a) -> {
            throw new ErlangException(a.get(0));
          })
          .function("block", 0, (ctx, a) -> {
            NEVER.await();
            return atom("never");
          })
          .function("sleep", 1, (ctx, a) -> {
            Thread.sleep(((org.sshrpc.term.ErlInteger) a.get(0)).longValue());
            return a.get(0);
          })
          .function("whoami", 0, (ctx, a) -> binary(ctx.user()))
          .build();

  static final AccessPolicy POLICY = AccessPolicy.parse("deny user=bob lists:*\nallow *\n");

  private final List<AutoCloseable> closers = new ArrayList<>();

  /** Opens a channel as {@code user} ("alice" or "bob") to a server exporting {@link #MODULE} under {@link #POLICY}. */
  abstract Peer connect(String user) throws Exception;

  void onClose(AutoCloseable c) {
    closers.add(c);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).close();
    }
  }

  static void send(Peer p, Term... terms) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Term t : terms) {
      b.writeBytes(FrameEncoder.frame(t));
    }
    p.sendRaw(b.toByteArray());
  }

  static Term mfa(String m, String f, Term... args) {
    return ClientMessage.Mfa.of(m, f, list(args)).toTerm();
  }

  static Term ok(Term t) {
    return ServerMessage.Answer.ok(t).toTerm();
  }

  static Term badrpc(Term reason) {
    return ServerMessage.Answer.error(tuple(atom("exec_badrpc"), tuple(atom("EXIT"), reason))).toTerm();
  }

  static Term call(long id, String m, String f, long timeout, Term... args) {
    return new ClientMessage.Call(id, atom(m), atom(f), list(args), timeout).toTerm();
  }

  static Peer v2(Peer p) throws Exception {
    send(p, new Hello(2, ErlMap.of()).toTerm());
    assertEquals(2, ((Hello) Messages.parseServerMessage(p.read())).version());
    return p;
  }

  static ServerMessage msg(Peer p) throws Exception {
    return Messages.parseServerMessage(p.read());
  }

  @Test
  void v1BothShapesInOrder() throws Exception {
    Peer p = connect("alice");
    send(p, mfa("lists", "seq", integer(1), integer(3)), tuple(atom("mfa"), atom("c"), atom("whoami"), ErlList.NIL));
    assertEquals(ok(list(integer(1), integer(2), integer(3))), p.read());
    assertEquals(ok(binary("alice")), p.read());
  }

  @Test
  void v1RequestSplitIntoSingleBytes() throws Exception {
    Peer p = connect("alice");
    byte[] f = FrameEncoder.frame(mfa("sshrpc", "echo", atom("split")));
    for (byte b : f) {
      p.sendRaw(new byte[] {b});
    }
    assertEquals(ok(atom("split")), p.read());
  }

  @Test
  void v1ErrorShapes() throws Exception {
    Peer p = connect("alice");
    send(p,
        mfa("nosuch", "f", integer(1)),
        mfa("c", "boom"),
        mfa("c", "raise", atom("my_reason")),
        tuple(atom("not_mfa")),
        mfa("lists", "seq", integer(5), integer(1)));
    assertEquals(badrpc(tuple(atom("undef"), list(tuple(atom("nosuch"), atom("f"), list(integer(1)), ErlList.NIL)))), p.read());
    assertEquals(badrpc(tuple(atom("java_exception"), binary("java.lang.IllegalStateException"), binary("no luck"))), p.read());
    assertEquals(badrpc(atom("my_reason")), p.read());
    assertEquals(ServerMessage.Answer.error(tuple(atom("exec_error"), tuple(atom("not_mfa")))).toTerm(), p.read());
    assertEquals(badrpc(tuple(atom("function_clause"), list(tuple(atom("lists"), atom("seq"), list(integer(5), integer(1)), ErlList.NIL)))), p.read());
  }

  @Test
  void deniedLooksTheSameWhetherOrNotTheFunctionExists() throws Exception {
    Peer bob = connect("bob");
    send(bob, mfa("lists", "seq", integer(1), integer(2)), mfa("lists", "nosuch", integer(1), integer(2)));
    assertEquals(badrpc(tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("seq"), integer(2)))), bob.read());
    assertEquals(badrpc(tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("nosuch"), integer(2)))), bob.read());
  }

  @Test
  void badFrameKeepsServing() throws Exception {
    Peer p = connect("alice");
    p.sendRaw(new byte[] {0, 0, 0, 3, (byte) 131, 119, 5});
    ErlTuple err = (ErlTuple) ((ServerMessage.Answer) msg(p)).reply();
    assertTrue(((ErlTuple) err.get(1)).isTagged("badframe", 2), err.toString());
    send(p, mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), p.read());
  }

  @Test
  void v2OutOfOrderDeadlineAndCancel() throws Exception {
    Peer p = v2(connect("alice"));
    send(p, call(1, "c", "sleep", -1, integer(300)), call(2, "sshrpc", "ping", -1));
    assertEquals(ServerMessage.Reply.ok(2, atom("pong")), msg(p));
    assertEquals(ServerMessage.Reply.ok(1, integer(300)), msg(p));
    send(p, call(3, "c", "block", 50));
    assertEquals(ServerMessage.Reply.error(3, atom("timeout")), msg(p));
    send(p, call(4, "c", "block", -1), new ClientMessage.Cancel(4).toTerm());
    assertEquals(ServerMessage.Reply.error(4, atom("cancelled")), msg(p));
  }

  @Test
  void v2ManyInFlightAllAnsweredOnce() throws Exception {
    Peer p = v2(connect("alice"));
    int n = 500;
    Term[] calls = new Term[n];
    for (int i = 0; i < n; i++) {
      calls[i] = call(i, "sshrpc", "echo", -1, integer(i));
    }
    send(p, calls);
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < n; i++) {
      ServerMessage.Reply r = (ServerMessage.Reply) msg(p);
      assertEquals(integer(r.id()), r.value());
      assertTrue(ids.add(r.id()));
    }
  }

  /** Two channels of one user share its processes (another user's are out of reach: ProcessIsolationIT). */
  @Test
  void v2ProcessesAcrossChannels() throws Exception {
    Peer a = v2(connect("alice"));
    Peer b = v2(connect("alice"));
    send(a, new ClientMessage.Mailbox(1).toTerm());
    ErlPid inbox = (ErlPid) ((ServerMessage.Reply) msg(a)).value();
    send(b, new ClientMessage.Spawn(1, atom("sshrpc_echo_proc"), atom("start"), ErlList.NIL).toTerm());
    ErlPid echo = (ErlPid) ((ServerMessage.Reply) msg(b)).value();
    send(a, new ClientMessage.Monitor(2, echo).toTerm(), new ClientMessage.Send(echo, tuple(inbox, atom("hi"))).toTerm());
    ErlRef ref = (ErlRef) ((ServerMessage.Reply) msg(a)).value();
    assertEquals(new ServerMessage.Deliver(inbox, atom("hi")), msg(a));
    send(b, new ClientMessage.Exit(2, echo, atom("bye")).toTerm());
    assertEquals(ServerMessage.Reply.ok(2, ErlAtom.TRUE), msg(b));
    ServerMessage.Deliver down = (ServerMessage.Deliver) msg(a);
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), echo, atom("bye")), down.message());
  }
}
