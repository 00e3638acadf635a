package org.sshrpc.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.map;
import static org.sshrpc.term.Terms.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.Term;

class MessagesTest {
  private static final ErlPid PID = ErlPid.of(ErlAtom.of("n@h"), 1, 0, 3);

  @Test
  void bothMfaShapesMeanTheSameCall() throws Exception {
    Term nested = tuple(atom("mfa"), tuple(atom("lists"), atom("seq"), list(integer(1), integer(100))));
    Term flat = tuple(atom("mfa"), atom("lists"), atom("seq"), list(integer(1), integer(100)));
    ClientMessage.Mfa a = (ClientMessage.Mfa) Messages.parseRequest(nested);
    ClientMessage.Mfa b = (ClientMessage.Mfa) Messages.parseRequest(flat);
    assertEquals(atom("lists"), a.module());
    assertEquals(a.args(), b.args());
    assertFalse(a.flat());
    assertTrue(b.flat());
    assertEquals(nested, a.toTerm());
    assertEquals(flat, b.toTerm());
  }

  @Test
  void everyClientMessageRoundTrips() throws Exception {
    List<ClientMessage> all =
        List.of(
            ClientMessage.Mfa.of("m", "f", ErlList.NIL),
            new Hello(2, map(atom("client"), atom("x"))),
            new ClientMessage.Call(7, atom("m"), atom("f"), list(integer(1)), 500),
            new ClientMessage.Call(8, atom("m"), atom("f"), ErlList.NIL, ClientMessage.Call.INFINITY),
            new ClientMessage.Cast(atom("m"), atom("f"), ErlList.NIL),
            new ClientMessage.Cancel(7),
            new ClientMessage.Spawn(1, atom("m"), atom("f"), ErlList.NIL),
            new ClientMessage.Send(PID, atom("hi")),
            new ClientMessage.Send(atom("name"), atom("hi")),
            new ClientMessage.Register(2, atom("name"), PID),
            new ClientMessage.Whereis(3, atom("name")),
            new ClientMessage.Monitor(4, PID),
            new ClientMessage.Mailbox(5),
            new ClientMessage.Exit(6, PID, atom("kill")));
    for (ClientMessage m : all) {
      assertEquals(m, Messages.parseRequest(m.toTerm()), m.toString());
    }
    assertEquals(
        tuple(atom("call"), integer(8), atom("m"), atom("f"), ErlList.NIL, atom("infinity")),
        all.get(3).toTerm());
  }

  @Test
  void everyServerMessageRoundTrips() throws Exception {
    List<ServerMessage> all =
        List.of(
            ServerMessage.Answer.ok(list(integer(1))),
            ServerMessage.Answer.error(tuple(atom("exec_error"), atom("x"))),
            new Hello(2, map()),
            ServerMessage.Reply.ok(1, atom("pong")),
            ServerMessage.Reply.error(2, atom("timeout")),
            new ServerMessage.Deliver(PID, atom("m")),
            new ServerMessage.ChannelError(atom("badframe"), atom("x")));
    for (ServerMessage m : all) {
      assertEquals(m, Messages.parseServerMessage(m.toTerm()), m.toString());
    }
    assertEquals(tuple(atom("answer"), tuple(atom("pong"), integer(0))), ServerMessage.Answer.ok(atom("pong")).toTerm());
    assertEquals(tuple(atom("answer"), tuple(atom("x"), integer(-1))), ServerMessage.Answer.error(atom("x")).toTerm());
  }

  @Test
  void malformedMfaIsReportedPrecisely() {
    Term t = tuple(atom("mfa"), tuple(atom("m"), integer(1), ErlList.NIL));
    MessageFormatException e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(t));
    assertEquals("mfa: Function must be an atom, got: 1", e.getMessage());
    assertEquals(t, e.received());
    assertFalse(e.id().isPresent());

    Term improper = tuple(atom("mfa"), atom("m"), atom("f"), atom("notalist"));
    e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(improper));
    assertStartsWith("mfa: Args must be a proper list, got: ", e.getMessage());
  }

  @Test
  void malformedCallKeepsItsId() {
    Term t = tuple(atom("call"), integer(42), atom("m"), atom("f"), atom("x"), integer(10));
    MessageFormatException e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(t));
    assertStartsWith("call: element 5 (Args) must be a proper list, got: ", e.getMessage());
    assertEquals(42, e.id().getAsLong());

    Term badTimeout = tuple(atom("call"), integer(1), atom("m"), atom("f"), ErlList.NIL, integer(-5));
    e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(badTimeout));
    assertEquals(1, e.id().getAsLong());

    Term badId = tuple(atom("call"), integer(-1), atom("m"), atom("f"), ErlList.NIL, integer(5));
    e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(badId));
    assertFalse(e.id().isPresent());
  }

  @Test
  void notARequest() {
    MessageFormatException e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(atom("hello")));
    assertStartsWith("not a request tuple: ", e.getMessage());
    e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(tuple(atom("what"), integer(1))));
    assertEquals("unknown request tag: what", e.getMessage());
    assertThrows(MessageFormatException.class, () -> Messages.parseRequest(tuple(atom("call"), integer(1))));
    assertThrows(MessageFormatException.class, () -> Messages.parseServerMessage(tuple(atom("answer"), tuple(atom("x"), integer(3)))));
  }

  /**
   * Issue 10: a malformed request's error text printed the whole term (a 16 KiB bignum in decimal)
   * before cutting it. Now the print is bounded, and the summary (for logs) holds no term at all.
   */
  @Test
  void hugeMalformedTermsMakeShortMessagesAndTermFreeSummaries() {
    java.math.BigInteger big = java.math.BigInteger.ONE.shiftLeft(16 * 1024 * 8 - 1);
    org.sshrpc.term.Term[] many = new org.sshrpc.term.Term[10_000_000];
    java.util.Arrays.fill(many, integer(big));
    Term request = tuple(atom("call"), integer(1), atom("m"), atom("f"), tuple(many), integer(5));
    MessageFormatException e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(request));
    String prefix = "call: element 5 (Args) must be a proper list, got: ";
    assertEquals(prefix + "{16#8" + "0".repeat(115) + "...", e.getMessage());
    assertEquals("call: element 5 (Args) must be a proper list", e.summary());
    assertEquals(1, e.id().getAsLong());

    e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(tuple(integer(big.negate()), atom("x"))));
    assertEquals("request tag must be an atom, got: -16#8" + "0".repeat(115) + "...", e.getMessage());
    assertEquals("request tag must be an atom", e.summary());

    e = assertThrows(MessageFormatException.class, () -> Messages.parseRequest(tuple(atom("evil\ntag"), integer(1))));
    assertEquals("unknown request tag: 'evil\\ntag'", e.getMessage());
    assertEquals("unknown request tag", e.summary());
  }

  // The printer's atom quoting belongs to the syntax part; the message prefix is ours.
  private static void assertStartsWith(String prefix, String actual) {
    assertTrue(actual.startsWith(prefix), actual);
  }
}
