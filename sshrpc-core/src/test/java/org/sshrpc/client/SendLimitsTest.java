package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermFormatException;
import org.sshrpc.term.TermLimits;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.Hello;

class SendLimitsTest {
  private static Term call(Term arg) {
    return ErlTuple.of(atom("call"), integer(1), atom("t"), atom("echo"), ErlList.of(arg), atom("infinity"));
  }

  /** {@code levels} one-element tuples around an atom. */
  private static Term nested(int levels) {
    Term t = atom("x");
    for (int i = 0; i < levels; i++) {
      t = tuple(t);
    }
    return t;
  }

  private static RpcException check(SendLimits l, Term msg) {
    return l.check("t:echo/1", msg, Codec.encode(msg).length);
  }

  @Test
  void aFrameOverMaxFrameIsRefusedWithTheServersReason() {
    SendLimits l = new SendLimits(100, Integer.MAX_VALUE, Integer.MAX_VALUE);
    Term msg = call(Terms.binary(new byte[200]));
    int len = Codec.encode(msg).length;
    RpcException e = check(l, msg);
    assertEquals(Status.INVALID_REQUEST, e.status());
    assertEquals(
        "INVALID_REQUEST: t:echo/1: request of " + len + " bytes exceeds the server's max_frame (expected: <= 100); not sent",
        e.getMessage());
    assertEquals(tuple(atom("frame_too_large"), tuple(integer(len), integer(100))), e.reason());
    assertNull(check(l, call(Terms.binary(new byte[10]))));
  }

  @Test
  void depthIsCountedAsTheServerCountsIt() {
    SendLimits l = new SendLimits(Integer.MAX_VALUE, 50, Integer.MAX_VALUE);
    // The call tuple and the argument list take two levels: 48 more fit, 49 do not.
    assertNull(check(l, call(nested(48))));
    RpcException e = check(l, call(nested(49)));
    assertEquals(Status.INVALID_REQUEST, e.status());
    assertEquals(
        "INVALID_REQUEST: t:echo/1: request nested deeper than the server's max_depth (expected: <= 50); not sent",
        e.getMessage());
    assertEquals(
        tuple(atom("badframe"), Terms.binary("request nested deeper than the server's max_depth (expected: <= 50)")),
        e.reason());
    // A list of bytes goes as a string, which is no level; empty containers are none either.
    assertNull(check(l, call(tupleAround(48, ErlList.of(integer(1), integer(2))))));
    assertNotNull(check(l, call(tupleAround(48, ErlList.of(integer(1), integer(256))))));
    assertNull(check(l, call(tupleAround(48, ErlTuple.of()))));
    assertNull(check(l, call(tupleAround(48, ErlMap.of()))));
    assertNotNull(check(l, call(tupleAround(48, ErlMap.of(atom("k"), atom("v"))))));
  }

  private static Term tupleAround(int levels, Term inner) {
    Term t = inner;
    for (int i = 0; i < levels; i++) {
      t = tuple(t);
    }
    return t;
  }

  @Test
  void aBinaryOverMaxBinaryIsRefused() {
    SendLimits l = new SendLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, 64);
    RpcException e = check(l, call(tuple(atom("a"), ErlBinary.of(new byte[65]))));
    assertEquals(
        "INVALID_REQUEST: t:echo/1: binary of 65 bytes exceeds the server's max_binary (expected: <= 64); not sent",
        e.getMessage());
    assertNull(check(l, call(tuple(atom("a"), ErlBinary.of(new byte[64])))));
  }

  @Test
  void limitsComeFromTheHelloAndAbsentOnesAreNotChecked() {
    SendLimits l =
        SendLimits.of(new Hello(2, ErlMap.of(Hello.MAX_FRAME, integer(1000), Hello.MAX_DEPTH, integer(7))));
    assertEquals(1000, l.maxFrame);
    assertEquals(7, l.maxDepth);
    assertEquals(Integer.MAX_VALUE, l.maxBinary);
    assertNull(check(SendLimits.NONE, call(nested(1000))));
  }

  /**
   * The local check agrees with the server's decoder on random terms, deep and shallow: it refuses
   * exactly what the decoder would refuse for its depth, so it neither sends what will bounce nor
   * refuses what would pass. This also proves the size gate sound: no too-deep term is skipped.
   */
  @Test
  void agreesWithTheDecoderOnRandomTerms() {
    Random r = new Random(11);
    for (int round = 0; round < 3000; round++) {
      int maxDepth = 1 + r.nextInt(12);
      Term msg = call(random(r, r.nextInt(16)));
      byte[] body = Codec.encode(msg);
      boolean decoderRefuses;
      try {
        TermDecoder.of(TermLimits.builder().maxDepth(maxDepth).build()).decode(body);
        decoderRefuses = false;
      } catch (TermFormatException e) {
        assertTrue(e.getMessage().contains("exceeds maxDepth"), e.getMessage());
        decoderRefuses = true;
      }
      RpcException local = new SendLimits(Integer.MAX_VALUE, maxDepth, Integer.MAX_VALUE).check("x", msg, body.length);
      assertEquals(decoderRefuses, local != null, "maxDepth " + maxDepth + ", term " + msg);
    }
  }

  private static Term random(Random r, int depth) {
    if (depth == 0) {
      switch (r.nextInt(4)) {
        case 0:
          return atom("a");
        case 1:
          return integer(r.nextInt(300));
        case 2:
          return ErlTuple.of();
        default:
          return ErlList.NIL;
      }
    }
    int n = r.nextInt(3);
    List<Term> kids = new ArrayList<>();
    kids.add(random(r, depth - 1)); // one child carries the full depth
    for (int i = 0; i < n; i++) {
      kids.add(random(r, r.nextInt(depth)));
    }
    switch (r.nextInt(5)) {
      case 0:
        return ErlTuple.of(kids.toArray(new Term[0]));
      case 1:
        return ErlList.of(kids);
      case 2:
        return ErlList.improper(kids, atom("t"));
      case 3:
        return ErlMap.of(integer(r.nextInt(1000)), kids.get(0));
      default:
        return ErlList.of(integer(r.nextInt(256)), integer(r.nextInt(256))); // a string: no level
    }
  }
}
