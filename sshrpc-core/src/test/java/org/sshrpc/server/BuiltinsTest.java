package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.flt;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlFloat;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;

/** Built-in lists functions against results and reasons recorded from OTP 25 (see the comments). */
class BuiltinsTest {
  private static final RpcService SERVICE = RpcService.builder().build();

  @AfterAll
  static void close() {
    SERVICE.close();
  }

  private static final CallContext CTX = new CallContext() {
    @Override
    public String user() {
      return "u";
    }

    @Override
    public String keyFingerprint() {
      return null;
    }

    @Override
    public java.net.SocketAddress remoteAddress() {
      return null;
    }

    @Override
    public java.util.Optional<java.time.Instant> deadline() {
      return java.util.Optional.empty();
    }

    @Override
    public boolean isCancelled() {
      return false;
    }
  };

  private static RpcModule.Entry entry(long limit, String m, String f, int arity) {
    RpcModule mod = Builtins.modules(SERVICE, limit).stream().filter(x -> x.name().equals(m)).findFirst().orElseThrow();
    return mod.find(f, arity);
  }

  private static RpcModule.Entry entry(String m, String f, int arity) {
    return entry(Builtins.resultLimit(SERVICE.maxFrameLength()), m, f, arity);
  }

  private static Term call(String m, String f, Term... args) throws Exception {
    return entry(m, f, args.length).function().apply(CTX, List.of(args));
  }

  private static Term raised(String m, String f, Term... args) {
    return assertThrows(ErlangException.class, () -> call(m, f, args)).reason();
  }

  /** A call with results limited to {@code limit} bytes. */
  private static Term callLimited(long limit, String m, String f, Term... args) throws Exception {
    return entry(limit, m, f, args.length).function().apply(CTX, List.of(args));
  }

  private static Term raisedLimited(long limit, String m, String f, Term... args) {
    return assertThrows(ErlangException.class, () -> callLimited(limit, m, f, args)).reason();
  }

  private static boolean inline(String m, String f, Term... args) {
    return entry(m, f, args.length).runsInline(List.of(args));
  }

  /** Bytes allocated by this thread so far (HotSpot's per-thread allocation counter). */
  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  /** A positive integer of exactly {@code bytes} bytes of magnitude: what the decoder allows at most (16 KiB). */
  private static BigInteger bignum(int bytes) {
    return BigInteger.ONE.shiftLeft(8 * bytes - 1).add(BigInteger.valueOf(12345));
  }

  private static int encoded(Term t) {
    return Math.max(TermEncoder.DEFAULT.encodedSize(t), TermEncoder.builder().utf8Atoms(true).build().encodedSize(t));
  }

  private static Term stack(String reason, String m, String f, Term... args) {
    return tuple(atom(reason), list(tuple(atom(m), atom(f), list(args), ErlList.NIL)));
  }

  @Test
  void seq() throws Exception {
    assertEquals(list(integer(1), integer(2), integer(3)), call("lists", "seq", integer(1), integer(3)));
    assertEquals(ErlList.NIL, call("lists", "seq", integer(1), integer(0))); // {ok,[]}
    assertEquals(stack("function_clause", "lists", "seq", integer(5), integer(1)), raised("lists", "seq", integer(5), integer(1)));
    assertEquals(stack("function_clause", "lists", "seq", integer(1), atom("a")), raised("lists", "seq", integer(1), atom("a")));
    assertEquals(stack("function_clause", "lists", "seq", flt(1.0), integer(2)), raised("lists", "seq", flt(1.0), integer(2)));
    assertEquals(list(integer(1), integer(4), integer(7), integer(10)), call("lists", "seq", integer(1), integer(10), integer(3)));
    assertEquals(list(integer(10), integer(7), integer(4), integer(1)), call("lists", "seq", integer(10), integer(1), integer(-3)));
    assertEquals(list(integer(1)), call("lists", "seq", integer(1), integer(1), integer(0)));
    assertEquals(ErlList.NIL, call("lists", "seq", integer(1), integer(0), integer(1)));
    assertEquals(stack("badarg", "lists", "seq", integer(1), integer(2), integer(0)), raised("lists", "seq", integer(1), integer(2), integer(0)));
    assertEquals(stack("badarg", "lists", "seq", integer(1), integer(-1), integer(1)), raised("lists", "seq", integer(1), integer(-1), integer(1)));
    // Both arithmetic paths (long for small bounds and steps, BigInteger past 2^40) agree, and
    // the big one crosses the long range without overflowing.
    long big = Long.MAX_VALUE - 1;
    assertEquals(list(integer(big), integer(Long.MAX_VALUE), org.sshrpc.term.Terms.integer(java.math.BigInteger.valueOf(Long.MAX_VALUE).add(java.math.BigInteger.ONE))),
        call("lists", "seq", integer(big), org.sshrpc.term.Terms.integer(java.math.BigInteger.valueOf(Long.MAX_VALUE).add(java.math.BigInteger.ONE))));
    assertEquals(list(integer(-(1L << 39)), integer(0), integer(1L << 39)),
        call("lists", "seq", integer(-(1L << 39)), integer(1L << 39), integer(1L << 39)));
    assertEquals(list(integer(1L << 40), integer((1L << 40) + 1)), call("lists", "seq", integer(1L << 40), integer((1L << 40) + 1)));
    assertEquals(stack("system_limit", "lists", "seq", integer(1), integer(1_000_000_000)),
        raised("lists", "seq", integer(1), integer(1_000_000_000)));
  }

  @Test
  void reverseSumNthLast() throws Exception {
    assertEquals(list(integer(2), integer(1)), call("lists", "reverse", list(integer(1), integer(2))));
    assertEquals(stack("function_clause", "lists", "reverse", atom("a")), raised("lists", "reverse", atom("a")));
    assertEquals(flt(3.5), call("lists", "sum", list(integer(1), flt(2.5))));
    assertEquals(integer(new java.math.BigInteger("18446744073709551614")),
        call("lists", "sum", list(integer(Long.MAX_VALUE), integer(Long.MAX_VALUE))));
    assertEquals(stack("badarith", "erlang", "+", integer(0), atom("a")), raised("lists", "sum", list(atom("a"))));
    assertEquals(integer(7), call("lists", "nth", integer(1), list(integer(7))));
    assertEquals(stack("function_clause", "lists", "nth", integer(0), list(integer(1))), raised("lists", "nth", integer(0), list(integer(1))));
    assertEquals(stack("function_clause", "lists", "nth", integer(2), list(integer(1))), raised("lists", "nth", integer(2), list(integer(1))));
    assertEquals(stack("function_clause", "lists", "last", ErlList.NIL), raised("lists", "last", ErlList.NIL));
    assertEquals(integer(3), call("lists", "last", list(integer(1), integer(3))));
  }

  @Test
  void maxMinUseTermOrderAndKeepTheFirstOfEquals() throws Exception {
    assertEquals(atom("a"), call("lists", "max", list(integer(1), atom("a"), flt(2.0))));
    assertEquals(integer(1), call("lists", "min", list(integer(1), atom("a"), flt(2.0))));
    assertEquals(integer(1), call("lists", "max", list(integer(1), flt(1.0)))); // OTP 25: 1
    assertEquals(flt(1.0), call("lists", "max", list(flt(1.0), integer(1)))); // OTP 25: 1.0
    assertEquals(stack("function_clause", "lists", "max", ErlList.NIL), raised("lists", "max", ErlList.NIL));
  }

  @Test
  void sshrpcModule() throws Exception {
    assertEquals(atom("pong"), call("sshrpc", "ping"));
    Term t = tuple(atom("any"), list(integer(1)));
    assertEquals(t, call("sshrpc", "echo", t));
    ErlMap info = (ErlMap) call("sshrpc", "info");
    assertEquals(SERVICE.node(), info.get(atom("node")));
  }

  // ------------------------------------------------------------ issue 10: output bounds

  @Test
  void theDefaultResultLimitIsOneMebibyteAndNeverAboveTheFrameLimit() {
    assertEquals(1 << 20, Builtins.resultLimit(16 << 20));
    assertEquals(1 << 20, Builtins.resultLimit(Integer.MAX_VALUE));
    assertEquals(61_440, Builtins.resultLimit(64 << 10)); // 15/16 of a 64 KiB frame
  }

  /**
   * Reproduction 2 of issue 10: lists:seq(B-19999, B) with B a 16 KiB bignum, a 32 KB request
   * whose result is 327 MB; with 1,000,000 elements, 16 GB. Refused from the arguments: this
   * thread allocates almost nothing (the result would be hundreds of megabytes), so the bound is
   * checked before the list is built.
   */
  @Test
  void seqOfHugeIntegersRaisesSystemLimitWithoutBuildingTheList() {
    ErlInteger b = ErlInteger.of(bignum(16 << 10));
    for (long n : new long[] {20_000, 1_000_000}) {
      ErlInteger from = ErlInteger.of(b.bigValue().subtract(BigInteger.valueOf(n - 1)));
      assertTrue(Builtins.seqSizeBound(n, from, b) > 300_000_000L * n / 20_000);
      long before = allocated();
      Term reason = raised("lists", "seq", from, b);
      long used = allocated() - before;
      assertEquals(stack("system_limit", "lists", "seq", from, b), reason);
      assertTrue(used < (4 << 20), "allocated " + used + " bytes to refuse lists:seq of " + n);
      ErlInteger one = integer(1);
      before = allocated();
      assertEquals(stack("system_limit", "lists", "seq", from, b, one), raised("lists", "seq", from, b, one));
      assertTrue(allocated() - before < (4 << 20));
    }
  }

  /** Small integers: the byte limit, not only the element cap, bounds lists:seq. */
  @Test
  void seqIsLimitedByItsEncodedSize() throws Exception {
    // 200,000 elements of at most 5 bytes: 1,000,007 bytes bound, under 1 MiB.
    assertEquals(200_000, ((ErlList) call("lists", "seq", integer(1), integer(200_000))).size());
    assertEquals(stack("system_limit", "lists", "seq", integer(1), integer(300_000)),
        raised("lists", "seq", integer(1), integer(300_000)));
    // The element cap (MAX_SEQ) still stands on its own: a million one-byte elements under a
    // limit that would let their bytes through.
    assertEquals(stack("system_limit", "lists", "seq", integer(1), integer(1_000_001)),
        raisedLimited(1L << 30, "lists", "seq", integer(1), integer(1_000_001)));
    // Exactly at the limit: [1..N] bounded by 7 + 2N bytes (STRING_EXT makes it 4 + N).
    assertEquals(list(integer(1), integer(2), integer(3)), callLimited(13, "lists", "seq", integer(1), integer(3)));
    assertEquals(stack("system_limit", "lists", "seq", integer(1), integer(4)),
        raisedLimited(13, "lists", "seq", integer(1), integer(4)));
    assertEquals(stack("system_limit", "lists", "seq", integer(1), integer(4), integer(1)),
        raisedLimited(13, "lists", "seq", integer(1), integer(4), integer(1)));
    // lists:seq(B, B, 0) = [B]: bounded too.
    ErlInteger b = ErlInteger.of(bignum(100));
    assertEquals(list(b), call("lists", "seq", b, b, integer(0)));
    assertEquals(stack("system_limit", "lists", "seq", b, b, integer(0)), raisedLimited(50, "lists", "seq", b, b, integer(0)));
  }

  /**
   * The bound is never below the real encoding, and not far above it (at most 2.5 times: small
   * negative elements take 5 bytes, so every element is counted at 5 where the non-negative ones
   * take 2), over random bounds and steps of every integer size:
   * small, negative, around 2^31 and 2^63, and a few hundred bits.
   */
  @Test
  void seqSizeBoundIsAnUpperBoundAndTight() throws Exception {
    Random r = new Random(10);
    int[] widths = {4, 8, 16, 31, 33, 63, 65, 300};
    for (int i = 0; i < 3000; i++) {
      int w = widths[r.nextInt(widths.length)];
      BigInteger from = new BigInteger(w, r);
      if (r.nextBoolean()) {
        from = from.negate();
      }
      int n = r.nextInt(300);
      BigInteger inc = new BigInteger(Math.max(1, w - r.nextInt(10)), r).add(BigInteger.ONE);
      boolean down = r.nextInt(4) == 0;
      BigInteger to = from.add(inc.multiply(BigInteger.valueOf(n)));
      if (down) {
        to = from.subtract(inc.multiply(BigInteger.valueOf(n)));
        inc = inc.negate();
      }
      to = to.add(BigInteger.valueOf(r.nextInt(3) - 1)); // not always a multiple of the step
      ErlInteger f = ErlInteger.of(from);
      ErlInteger t = ErlInteger.of(to);
      ErlInteger d = ErlInteger.of(inc);
      Term result;
      try {
        result = call("lists", "seq", f, t, d);
      } catch (ErlangException e) {
        continue; // a bound one step short: badarg
      }
      int size = ((ErlList) result).size();
      long bound = Builtins.seqSizeBound(size, f, t);
      int actual = encoded(result);
      assertTrue(bound >= actual, "seq(" + from + ", " + to + ", " + inc + "): bound " + bound + " < " + actual);
      assertTrue(bound <= 5L * actual / 2 + 8, "seq(" + from + ", " + to + ", " + inc + "): bound " + bound + " for " + actual);
    }
  }

  /** TermMeasure.encodedSize over random terms of every kind: at least the real size, at most twice it. */
  @Test
  void encodedSizeBoundHoldsForEveryKindOfTerm() {
    Random r = new Random(11);
    for (int i = 0; i < 2000; i++) {
      Term t = randomTerm(r, 4);
      int actual = encoded(t);
      long bound = TermMeasure.encodedSize(t, Long.MAX_VALUE / 4);
      assertTrue(bound >= actual, t + ": bound " + bound + " < " + actual);
      assertTrue(bound <= 2L * actual + 8, t + ": bound " + bound + " for " + actual);
      // With a limit below the size it reports "over", whatever it stopped at.
      assertTrue(TermMeasure.encodedSize(t, actual - 1) > actual - 1);
      assertTrue(TermMeasure.encodedSize(t, bound) <= bound);
    }
  }

  static Term randomTerm(Random r, int depth) {
    int kind = r.nextInt(depth > 0 ? 12 : 8);
    switch (kind) {
      case 0:
        return integer(r.nextInt(600) - 300);
      case 1:
        return ErlInteger.of(new BigInteger(1 + r.nextInt(400), r).multiply(BigInteger.valueOf(r.nextBoolean() ? 1 : -1)));
      case 2:
        return ErlFloat.of(r.nextDouble());
      case 3:
        return atom(new String[] {"a", "ok", "h\u00e9llo", "\u00e9\u00e9\u00e9\u00e9", "\u65e5\u672c"}[r.nextInt(5)]);
      case 4:
        return ErlBinary.of(new byte[r.nextInt(40)]);
      case 5:
        return ErlPid.of(ErlAtom.of("n@h"), r.nextInt(1000), 0, 1);
      case 6:
        return ErlList.NIL;
      case 7:
        return integer(r.nextLong());
      case 8: {
        List<Term> l = new ArrayList<>();
        for (int j = r.nextInt(6); j > 0; j--) {
          l.add(randomTerm(r, depth - 1));
        }
        return ErlTuple.of(l);
      }
      case 9: {
        List<Term> l = new ArrayList<>();
        boolean bytes = r.nextBoolean();
        for (int j = r.nextInt(8); j > 0; j--) {
          l.add(bytes ? integer(r.nextInt(256)) : randomTerm(r, depth - 1));
        }
        return ErlList.of(l);
      }
      case 10: {
        List<Term> l = new ArrayList<>();
        for (int j = 1 + r.nextInt(4); j > 0; j--) {
          l.add(randomTerm(r, depth - 1));
        }
        return ErlList.improper(l, atom("tail"));
      }
      default: {
        List<Term> kv = new ArrayList<>();
        for (int j = r.nextInt(4); j > 0; j--) {
          kv.add(randomTerm(r, depth - 1));
          kv.add(randomTerm(r, depth - 1));
        }
        java.util.Map<Term, Term> m = new java.util.LinkedHashMap<>();
        for (int j = 0; j < kv.size(); j += 2) {
          m.put(kv.get(j), kv.get(j + 1));
        }
        return ErlMap.of(m);
      }
    }
  }

  /** Neither walk recurses: a term nested 200,000 deep is measured without a stack overflow. */
  @Test
  void measuringADeeplyNestedTermNeedsNoStack() {
    Term t = ErlList.NIL;
    for (int i = 0; i < 200_000; i++) {
      t = ErlTuple.of(t);
    }
    assertEquals(1 + 2L * 200_000 + 1, TermMeasure.encodedSize(t, Long.MAX_VALUE / 4));
    assertEquals(200_001, TermMeasure.steps(t, Long.MAX_VALUE / 4));
    assertTrue(TermMeasure.steps(t, 4096) > 4096);
  }

  /** echo, reverse, nth, last, max, min and modules return no more than the limit either. */
  @Test
  void everyOtherBuiltinRespectsTheLimit() throws Exception {
    Term small = ErlBinary.of(new byte[80]); // 86 bytes encoded with the version byte
    Term large = ErlBinary.of(new byte[200]);
    assertEquals(small, callLimited(100, "sshrpc", "echo", small));
    assertEquals(stack("system_limit", "sshrpc", "echo", large), raisedLimited(100, "sshrpc", "echo", large));
    ErlList atoms = list(atom("aaaa"), atom("bbbb"), atom("cccc")); // 1 + 5 + 3 * 7 + 1 = 28 bytes
    assertEquals(list(atom("cccc"), atom("bbbb"), atom("aaaa")), callLimited(28, "lists", "reverse", atoms));
    assertEquals(stack("system_limit", "lists", "reverse", atoms), raisedLimited(27, "lists", "reverse", atoms));
    ErlList mixed = list(integer(1), large, small);
    assertEquals(small, callLimited(100, "lists", "nth", integer(3), mixed));
    assertEquals(stack("system_limit", "lists", "nth", integer(2), mixed), raisedLimited(100, "lists", "nth", integer(2), mixed));
    assertEquals(stack("system_limit", "lists", "last", list(small, large)), raisedLimited(100, "lists", "last", list(small, large)));
    assertEquals(stack("system_limit", "lists", "max", mixed), raisedLimited(100, "lists", "max", mixed));
    assertEquals(integer(1), callLimited(100, "lists", "min", mixed));
    assertEquals(stack("system_limit", "lists", "sum", list(integer(1))), raisedLimited(8, "lists", "sum", list(integer(1))));
    assertEquals(stack("system_limit", "sshrpc", "modules"), raisedLimited(50, "sshrpc", "modules"));
    assertTrue(((ErlList) call("sshrpc", "modules")).size() > 10);
    // The default limit: a 1 MiB binary is over it, with its 6 bytes of header.
    Term mib = ErlBinary.of(new byte[1 << 20]);
    assertEquals(stack("system_limit", "sshrpc", "echo", mib), raised("sshrpc", "echo", mib));
    Term under = ErlBinary.of(new byte[(1 << 20) - 6]);
    assertEquals(under, call("sshrpc", "echo", under));
  }

  // ------------------------------------------------------------ issue 10: lists:sum

  /** The reference: Erlang's sum/2, Acc + H from 0, one step at a time. */
  private static Term foldSum(ErlList l) {
    Term acc = integer(0);
    for (Term x : l.elements()) {
      if (!(x instanceof ErlInteger) && !(x instanceof ErlFloat)) {
        throw new ErlangException(tuple(atom("badarith"), list(tuple(atom("erlang"), atom("+"), list(acc, x), ErlList.NIL))));
      }
      if (acc instanceof ErlInteger a && x instanceof ErlInteger b) {
        acc = ErlInteger.of(a.bigValue().add(b.bigValue()));
      } else {
        double da = acc instanceof ErlFloat f ? f.value() : ((ErlInteger) acc).bigValue().doubleValue();
        double dx = x instanceof ErlFloat f ? f.value() : ((ErlInteger) x).bigValue().doubleValue();
        double s = da + dx;
        if (Double.isInfinite(s) || Double.isNaN(s)) {
          throw new ErlangException(tuple(atom("badarith"), list(tuple(atom("erlang"), atom("+"), list(acc, x), ErlList.NIL))));
        }
        acc = ErlFloat.of(s);
      }
    }
    return acc;
  }

  /**
   * lists:sum sums integers out of order for speed: over random lists of longs near the overflow
   * edges, big integers, floats, and non-numbers, it returns what the left fold returns and
   * raises the same reason, accumulator included.
   */
  @Test
  void sumAgreesWithErlangsLeftFold() {
    Random r = new Random(12);
    for (int i = 0; i < 3000; i++) {
      List<Term> l = new ArrayList<>();
      for (int j = r.nextInt(12); j > 0; j--) {
        int k = r.nextInt(20);
        l.add(k < 6 ? integer(r.nextInt(1000) - 500)
            : k < 10 ? integer(r.nextBoolean() ? Long.MAX_VALUE - r.nextInt(3) : Long.MIN_VALUE + r.nextInt(3))
            : k < 14 ? ErlInteger.of(new BigInteger(64 + r.nextInt(200), r).multiply(BigInteger.valueOf(r.nextBoolean() ? 1 : -1)))
            : k < 17 ? ErlFloat.of(r.nextDouble() * 1e3)
            : k < 18 ? ErlInteger.of(BigInteger.ONE.shiftLeft(1100)) // too large for a float
            : k < 19 ? ErlFloat.of(Double.MAX_VALUE)
            : atom("x"));
      }
      ErlList in = ErlList.of(l);
      Term expected;
      try {
        expected = foldSum(in);
      } catch (ErlangException e) {
        assertEquals(e.reason(), raised("lists", "sum", in), in.toString());
        continue;
      }
      assertEquals(expected, assertDoesNotThrowSum(in), in.toString());
    }
  }

  private static Term assertDoesNotThrowSum(ErlList in) {
    try {
      return call("lists", "sum", in);
    } catch (Exception e) {
      throw new AssertionError("lists:sum(" + in + ") raised " + e, e);
    }
  }

  /**
   * A huge integer then many small big integers: a left fold copies the 16 KiB accumulator at
   * each of the 20,000 additions (over 300 MB allocated); summing narrowest first allocates about
   * the input's size.
   */
  @Test
  void sumOfOneHugeAndManySmallIntegersIsLinear() throws Exception {
    BigInteger huge = bignum(16 << 10);
    BigInteger small = BigInteger.ONE.shiftLeft(64).add(BigInteger.ONE); // two words
    List<Term> l = new ArrayList<>();
    l.add(ErlInteger.of(huge));
    for (int i = 0; i < 20_000; i++) {
      l.add(ErlInteger.of(small));
    }
    ErlList in = ErlList.of(l);
    long before = allocated();
    Term sum = call("lists", "sum", in);
    long used = allocated() - before;
    assertEquals(ErlInteger.of(huge.add(small.multiply(BigInteger.valueOf(20_000)))), sum);
    assertTrue(used < (32 << 20), "allocated " + used + " bytes");
  }

  // ------------------------------------------------------------ issue 10: where built-ins run

  @Test
  void cheapCallsRunInlineAndTheRestOnTheWorkers() {
    ErlInteger big = ErlInteger.of(bignum(16 << 10));
    // Inline: the calls two thread hand-offs would cost more than.
    assertTrue(inline("lists", "seq", integer(1), integer(100)));
    assertTrue(inline("lists", "seq", integer(1), integer(4096)));
    assertTrue(inline("lists", "seq", integer(1), integer(8000), integer(2)));
    assertTrue(inline("lists", "seq", atom("a"), integer(1))); // fails at once
    assertTrue(inline("lists", "seq", integer(5), integer(1))); // fails at once
    assertTrue(inline("sshrpc", "ping"));
    assertTrue(inline("sshrpc", "info"));
    assertTrue(inline("sshrpc", "echo", tuple(atom("any"), list(integer(1)), ErlBinary.of(new byte[1024]))));
    assertTrue(inline("lists", "sum", ErlList.of(seqTerms(100))));
    assertTrue(inline("lists", "max", list(integer(1), atom("a"), flt(2.0))));
    assertTrue(inline("lists", "reverse", ErlList.of(seqTerms(1000))));
    assertTrue(inline("lists", "nth", integer(3), ErlList.of(seqTerms(10))));
    // Workers: long lists, wide integers, large terms.
    assertFalse(inline("lists", "seq", integer(1), integer(4097)));
    assertFalse(inline("lists", "seq", integer(1), integer(1_000_000_000)));
    assertFalse(inline("lists", "seq", ErlInteger.of(big.bigValue().subtract(BigInteger.TEN)), big));
    assertFalse(inline("lists", "seq", integer(1), integer(10), big));
    assertFalse(inline("sshrpc", "echo", ErlList.of(seqTerms(5000))));
    assertFalse(inline("sshrpc", "echo", ErlBinary.of(new byte[2 << 20])));
    assertFalse(inline("sshrpc", "echo", big));
    assertFalse(inline("sshrpc", "modules"));
    assertFalse(inline("lists", "sum", ErlList.of(seqTerms(5000))));
    assertFalse(inline("lists", "sum", list(big)));
    assertFalse(inline("lists", "reverse", ErlList.of(seqTerms(5000))));
    assertFalse(inline("lists", "nth", integer(1), ErlList.of(seqTerms(5000))));
    assertFalse(inline("lists", "last", ErlList.of(seqTerms(5000))));
    assertFalse(inline("lists", "min", list(integer(1), big)));
    // Reproduction 3 of issue 10: one huge integer and 60,000 floats.
    List<Term> floats = new ArrayList<>();
    floats.add(big);
    for (int i = 0; i < 60_000; i++) {
      floats.add(flt(i + 0.5));
    }
    assertFalse(inline("lists", "max", ErlList.of(floats)));
  }

  private static List<Term> seqTerms(int n) {
    List<Term> l = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      l.add(integer(i));
    }
    return l;
  }

  /**
   * On a worker a deadline or cancel interrupts the thread: the loops over a client-sized list
   * notice it and stop (the pool clears the flag before its next task) instead of running on.
   */
  @Test
  void loopsOverTheArgumentsStopWhenInterrupted() {
    ErlList l = ErlList.of(seqTerms(10));
    for (String f : new String[] {"max", "min", "sum", "reverse"}) {
      Thread.currentThread().interrupt();
      try {
        assertThrows(InterruptedException.class, () -> call("lists", f, l), f);
      } finally {
        Thread.interrupted();
      }
    }
  }
}
