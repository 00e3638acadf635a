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
            new ServerMessage.ChannelError(atom("badframe"), atom("x")),
            new ServerMessage.ChannelError(atom("badframe"), atom("x"), 7));
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
  void channelErrorNamesItsFrameOnlyInTheFourTuple() throws Exception {
    // The 3-tuple is the wire shape older clients and Erlang peers know: unchanged.
    assertEquals(
        tuple(atom("error"), atom("badframe"), atom("x")),
        new ServerMessage.ChannelError(atom("badframe"), atom("x")).toTerm());
    assertEquals(
        tuple(atom("error"), atom("overloaded"), atom("x"), tuple(atom("frame"), integer(3))),
        new ServerMessage.ChannelError(atom("overloaded"), atom("x"), 3).toTerm());
    ServerMessage.ChannelError three =
        (ServerMessage.ChannelError) Messages.parseServerMessage(tuple(atom("error"), atom("badrequest"), atom("x")));
    assertFalse(three.hasFrame());
    assertEquals(ServerMessage.ChannelError.NO_FRAME, three.frame());
    ServerMessage.ChannelError four =
        (ServerMessage.ChannelError)
            Messages.parseServerMessage(
                tuple(atom("error"), atom("badframe"), atom("d"), tuple(atom("frame"), integer(Long.MAX_VALUE))));
    assertTrue(four.hasFrame());
    assertEquals(Long.MAX_VALUE, four.frame());
    assertEquals(atom("badframe"), four.code());
    assertEquals(atom("d"), four.detail());
  }

  @Test
  void channelErrorWithABadFrameElementIsRejected() {
    MessageFormatException e =
        assertThrows(
            MessageFormatException.class,
            () -> Messages.parseServerMessage(tuple(atom("error"), atom("badframe"), atom("d"), tuple(atom("frame"), integer(0)))));
    assertEquals("error: element 4 must be {frame, Seq} with Seq a positive integer below 2^63, got: {frame,0}", e.getMessage());
    e = assertThrows(
        MessageFormatException.class,
        () -> Messages.parseServerMessage(tuple(atom("error"), atom("badframe"), atom("d"), integer(5))));
    assertEquals("error: element 4 must be {frame, Seq} with Seq a positive integer below 2^63, got: 5", e.getMessage());
    e = assertThrows(
        MessageFormatException.class,
        () -> Messages.parseServerMessage(tuple(atom("error"), atom("badframe"))));
    assertEquals("error: expected 3 or 4 elements, got 2", e.getMessage());
    IllegalArgumentException iae =
        assertThrows(IllegalArgumentException.class, () -> new ServerMessage.ChannelError(atom("x"), atom("y"), -1));
    assertEquals("frame: -1 (expected: >= 1, or NO_FRAME)", iae.getMessage());
  }

  @Test
  void helloOptionsReadAsPositiveIntsOrAbsent() {
    Hello h =
        new Hello(
            2,
            map(
                Hello.MAX_DEPTH, integer(50),
                Hello.MAX_FRAME, integer(new java.math.BigInteger("99999999999")),
                Hello.MAX_BINARY, integer(0),
                Hello.MAX_ATOM_LENGTH, atom("lots"),
                Hello.FRAME_ERRORS, atom("true")));
    assertEquals(50, h.positiveInt(Hello.MAX_DEPTH, -1));
    assertEquals(Integer.MAX_VALUE, h.positiveInt(Hello.MAX_FRAME, -1));
    assertEquals(-1, h.positiveInt(Hello.MAX_BINARY, -1), "zero is not a limit");
    assertEquals(-1, h.positiveInt(Hello.MAX_ATOM_LENGTH, -1), "not an integer");
    assertEquals(-1, h.positiveInt(Hello.MAX_IN_FLIGHT, -1), "absent");
    assertTrue(h.isTrue(Hello.FRAME_ERRORS));
    assertFalse(new Hello(2, map(Hello.FRAME_ERRORS, integer(1))).isTrue(Hello.FRAME_ERRORS));
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
