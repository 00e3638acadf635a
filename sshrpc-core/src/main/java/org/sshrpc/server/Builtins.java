package org.sshrpc.server;

import java.math.BigInteger;
import java.util.List;
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
import org.sshrpc.term.TermOrder;
import org.sshrpc.term.Terms;

/**
 * The modules every server exports unless disabled: {@code lists} (a subset, with Erlang's
 * results and error reasons as checked against OTP 25), {@code sshrpc} (ping, echo, modules, info)
 * and two demo process kinds, {@code sshrpc_echo_proc} and {@code sshrpc_counter}.
 *
 * <p>Two rules keep a client from turning a small request into a large cost (issue 10): no
 * built-in returns more than {@link #resultLimit} bytes of ETF, checked from the arguments
 * <em>before</em> the result is built ({@code system_limit} otherwise, as Erlang raises it); and a
 * built-in runs on the I/O thread only when its {@link RpcModule.CostEstimator} says the call is
 * at most {@link RpcModule#INLINE_MAX_STEPS} steps, on the workers (under the call's deadline)
 * otherwise. Every loop over a client-sized input is linear in it and polls for interruption.
 */
final class Builtins {
  /** The version reported by {@code sshrpc:info/0}. */
  static final String VERSION = "0.1.0";

  /** Elements {@code lists:seq} may produce, whatever their size (the byte limit applies too). */
  static final long MAX_SEQ = 1_000_000;

  /**
   * The most a built-in's result may take encoded (ETF, version byte included), unless the frame
   * limit is smaller (see {@link #resultLimit}). Reply bytes are what a client can make the node
   * allocate and queue; 1 MiB is far above any legitimate use of these built-ins (lists:seq(1,
   * 200000) fits) and keeps one call's result, with its Java objects (a few times the encoded
   * size), a small share of the heap.
   */
  static final int MAX_RESULT_BYTES = 1 << 20;

  /**
   * Integers wider than this (four 64-bit words) make a call too expensive to run inline: the
   * arithmetic or comparison on them is no longer a few machine steps.
   */
  static final int INLINE_MAX_INTEGER_BITS = 256;

  /** A cost estimate that never runs inline. */
  private static final long EXPENSIVE = Long.MAX_VALUE;

  /** Poll for interruption (deadline, cancel) once per this many loop steps. */
  private static final int POLL_MASK = 4095;

  private static final ErlAtom LISTS = ErlAtom.of("lists");
  private static final ErlAtom SSHRPC = ErlAtom.of("sshrpc");
  private static final ErlAtom FUNCTION_CLAUSE = ErlAtom.of("function_clause");
  private static final ErlAtom BADARG = ErlAtom.of("badarg");
  private static final ErlAtom BADARITH = ErlAtom.of("badarith");
  private static final ErlAtom SYSTEM_LIMIT = ErlAtom.of("system_limit");

  private Builtins() {}

  static List<RpcModule> modules(RpcService service) {
    return modules(service, resultLimit(service.maxFrameLength()));
  }

  /** The built-in modules with results limited to {@code maxResultBytes} (tests use small limits). */
  static List<RpcModule> modules(RpcService service, long maxResultBytes) {
    return List.of(lists(maxResultBytes), sshrpc(service, maxResultBytes), echoProc(), counter());
  }

  /**
   * The result limit for a server whose frames are at most {@code maxFrameLength} bytes: {@link
   * #MAX_RESULT_BYTES}, or 15/16 of the frame limit when that is smaller, leaving room for the
   * reply's envelope ({@code {answer, {ok, Result}}}, {@code {reply, Id, ok, Result}}).
   */
  static long resultLimit(int maxFrameLength) {
    return Math.min(MAX_RESULT_BYTES, maxFrameLength - maxFrameLength / 16);
  }

  /** Raises {@code {Reason, [{lists, F, Args, []}]}}, what {@code catch} shows for a lists error. */
  private static ErlangException error(ErlAtom reason, ErlAtom module, String f, List<Term> args) {
    return new ErlangException(
        ErlTuple.of(reason, ErlList.of(ErlTuple.of(module, ErlAtom.of(f), ErlList.of(args), ErlList.NIL))));
  }

  private static ErlangException clause(String f, List<Term> args) {
    return error(FUNCTION_CLAUSE, LISTS, f, args);
  }

  /** Returns {@code result} if its encoding fits in {@code limit} bytes, else raises system_limit. */
  private static Term bounded(Term result, long limit, ErlAtom module, String f, List<Term> args) {
    if (TermMeasure.encodedSize(result, limit) > limit) {
      throw error(SYSTEM_LIMIT, module, f, args);
    }
    return result;
  }

  private static void poll(int i) throws InterruptedException {
    if ((i & POLL_MASK) == 0 && Thread.currentThread().isInterrupted()) {
      throw new InterruptedException();
    }
  }

  // ---------------------------------------------------------------- costs

  /**
   * The weight of all arguments ({@link TermMeasure#steps}): the cost of functions whose work is a
   * walk over their arguments plus encoding a result no larger than them.
   */
  static long weight(List<Term> args) {
    long total = 0;
    for (Term t : args) {
      total += TermMeasure.steps(t, RpcModule.INLINE_MAX_STEPS - total);
      if (total > RpcModule.INLINE_MAX_STEPS) {
        return EXPENSIVE;
      }
    }
    return total;
  }

  /**
   * {@code lists:seq/2,3}: the number of elements, times the words per element. O(1): the bounds
   * are at most {@link #INLINE_MAX_INTEGER_BITS} wide or the call is not inline.
   */
  static long seqCost(List<Term> args) {
    int bits = 0;
    for (Term t : args) {
      if (!(t instanceof ErlInteger)) {
        return 1; // fails at once
      }
      bits = Math.max(bits, ((ErlInteger) t).bigValue().bitLength());
    }
    if (bits > INLINE_MAX_INTEGER_BITS) {
      return EXPENSIVE;
    }
    BigInteger from = ((ErlInteger) args.get(0)).bigValue();
    BigInteger to = ((ErlInteger) args.get(1)).bigValue();
    BigInteger inc = args.size() > 2 ? ((ErlInteger) args.get(2)).bigValue() : BigInteger.ONE;
    if (inc.signum() == 0) {
      return 1;
    }
    BigInteger count = to.subtract(from).divide(inc).add(BigInteger.ONE);
    if (count.signum() <= 0) {
      return 1;
    }
    if (count.bitLength() > 31) {
      return EXPENSIVE;
    }
    return count.longValue() * Math.max(1, (bits + 63) / 64);
  }

  // ---------------------------------------------------------------- lists

  private static RpcModule lists(long limit) {
    return RpcModule.builder("lists")
        .inlineFunction("seq", 2, Builtins::seqCost, (ctx, a) -> seq2(a, limit))
        .inlineFunction("seq", 3, Builtins::seqCost, (ctx, a) -> seq3(a, limit))
        .inlineFunction("reverse", 1, Builtins::weight, (ctx, a) -> reverse(a, limit))
        .inlineFunction("sum", 1, Builtins::weight, (ctx, a) -> sum(a, limit))
        .inlineFunction("nth", 2, Builtins::weight, (ctx, a) -> {
          if (!(a.get(0) instanceof ErlInteger)) {
            throw error(BADARITH, LISTS, "nth", a);
          }
          ErlInteger n = (ErlInteger) a.get(0);
          if (!(a.get(1) instanceof ErlList) || n.signum() <= 0 || !n.isInt()) {
            throw clause("nth", a);
          }
          ErlList l = (ErlList) a.get(1);
          if (n.intValue() > l.size()) {
            throw clause("nth", a);
          }
          return bounded(l.get(n.intValue() - 1), limit, LISTS, "nth", a);
        })
        .inlineFunction("last", 1, Builtins::weight, (ctx, a) -> {
          ErlList l = nonEmpty("last", a);
          return bounded(l.get(l.size() - 1), limit, LISTS, "last", a);
        })
        .inlineFunction("max", 1, Builtins::weight, (ctx, a) -> bounded(extreme("max", a, 1), limit, LISTS, "max", a))
        .inlineFunction("min", 1, Builtins::weight, (ctx, a) -> bounded(extreme("min", a, -1), limit, LISTS, "min", a))
        .build();
  }

  private static ErlList properList(String f, List<Term> args, Term t) {
    if (!(t instanceof ErlList) || !((ErlList) t).isProper()) {
      throw clause(f, args);
    }
    return (ErlList) t;
  }

  private static ErlList nonEmpty(String f, List<Term> args) {
    ErlList l = properList(f, args, args.get(0));
    if (l.isEmpty()) {
      throw clause(f, args);
    }
    return l;
  }

  /** The reversed list encodes to exactly as many bytes as the argument: checked before copying. */
  private static Term reverse(List<Term> a, long limit) throws InterruptedException {
    ErlList l = properList("reverse", a, a.get(0));
    bounded(l, limit, LISTS, "reverse", a);
    int n = l.size();
    Term[] out = new Term[n];
    for (int i = 0; i < n; i++) {
      poll(i);
      out[i] = l.get(n - 1 - i);
    }
    return ErlList.of(out);
  }

  /** lists:max/min keep the first of equal elements, in Erlang's standard term order. */
  private static Term extreme(String f, List<Term> args, int sign) throws InterruptedException {
    ErlList l = nonEmpty(f, args);
    Term best = l.get(0);
    for (int i = 1; i < l.size(); i++) {
      // Every step: one comparison of two large elements can be long (deep terms, big integers).
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException();
      }
      if (sign * TermOrder.STANDARD.compare(l.get(i), best) > 0) {
        best = l.get(i);
      }
    }
    return best;
  }

  /**
   * Erlang's {@code lists:sum/1}, a left fold of {@code Acc + X} from 0, computed in time linear
   * in the input. Integer addition is associative, so the integers before the first non-integer
   * are summed in an order that never adds a small number to a huge accumulator (which would copy
   * the accumulator each time: {@code [Huge, 1, 1, ...]} quadratic): longs in a long, big integers
   * narrowest first. From the first float on, the fold is Erlang's, step by step, since float
   * addition is not associative. Error reasons carry the same accumulator as Erlang's.
   */
  private static Term sum(List<Term> a, long limit) throws InterruptedException {
    ErlList l = properList("sum", a, a.get(0));
    int n = l.size();
    int k = 0;
    int bigs = 0;
    long maxBits = 0;
    for (; k < n; k++) {
      poll(k);
      if (!(l.get(k) instanceof ErlInteger x)) {
        break;
      }
      if (x.isLong()) {
        maxBits = Math.max(maxBits, 64);
      } else {
        bigs++;
        maxBits = Math.max(maxBits, x.bigValue().bitLength());
      }
    }
    if (k == n) {
      // |sum| <= n * 2^maxBits: at most maxBits + bitLength(n) bits. The encoding is at most
      // LARGE_BIG_EXT (6 bytes of header) plus the magnitude, plus the version byte.
      long bits = maxBits + (64 - Long.numberOfLeadingZeros(n));
      if (1 + 6 + (bits + 7) / 8 > limit) {
        throw error(SYSTEM_LIMIT, LISTS, "sum", a);
      }
    }
    long small = 0;
    BigInteger spill = BigInteger.ZERO;
    BigInteger[] big = new BigInteger[bigs];
    int b = 0;
    for (int i = 0; i < k; i++) {
      poll(i);
      ErlInteger x = (ErlInteger) l.get(i);
      if (x.isLong()) {
        long v = x.longValue();
        long r = small + v;
        if (((small ^ r) & (v ^ r)) < 0) { // overflow: move the long sum aside
          spill = spill.add(BigInteger.valueOf(small));
          r = v;
        }
        small = r;
      } else {
        big[b++] = x.bigValue();
      }
    }
    BigInteger acc = spill.add(BigInteger.valueOf(small));
    if (bigs > 0) {
      // Narrowest first: the accumulator is never more than log2(n) bits wider than the widest
      // number added so far, so each addition costs about the size of its operand.
      java.util.Arrays.sort(big, java.util.Comparator.comparingInt(BigInteger::bitLength));
      for (int i = 0; i < bigs; i++) {
        poll(i);
        acc = acc.add(big[i]);
      }
    }
    Term sum = ErlInteger.of(acc);
    for (int i = k; i < n; i++) {
      poll(i);
      Term x = l.get(i);
      if (!(x instanceof ErlInteger) && !(x instanceof ErlFloat)) {
        throw error(BADARITH, ErlAtom.of("erlang"), "+", List.of(sum, x));
      }
      sum = add(sum, x);
    }
    return sum; // an integer checked above, or a float (9 bytes)
  }

  private static Term add(Term a, Term b) {
    if (a instanceof ErlInteger && b instanceof ErlInteger) {
      return ErlInteger.of(((ErlInteger) a).bigValue().add(((ErlInteger) b).bigValue()));
    }
    double r = toDouble(a) + toDouble(b);
    if (Double.isInfinite(r) || Double.isNaN(r)) {
      throw error(BADARITH, ErlAtom.of("erlang"), "+", List.of(a, b));
    }
    return ErlFloat.of(r);
  }

  private static double toDouble(Term t) {
    return t instanceof ErlFloat ? ((ErlFloat) t).value() : ((ErlInteger) t).bigValue().doubleValue();
  }

  private static Term seq2(List<Term> a, long limit) {
    if (!(a.get(0) instanceof ErlInteger) || !(a.get(1) instanceof ErlInteger)) {
      throw clause("seq", a);
    }
    BigInteger from = ((ErlInteger) a.get(0)).bigValue();
    BigInteger to = ((ErlInteger) a.get(1)).bigValue();
    if (from.subtract(BigInteger.ONE).compareTo(to) > 0) {
      throw clause("seq", a);
    }
    return range(from, to, BigInteger.ONE, a, limit);
  }

  private static Term seq3(List<Term> a, long limit) {
    for (Term t : a) {
      if (!(t instanceof ErlInteger)) {
        throw error(BADARG, LISTS, "seq", a);
      }
    }
    BigInteger from = ((ErlInteger) a.get(0)).bigValue();
    BigInteger to = ((ErlInteger) a.get(1)).bigValue();
    BigInteger inc = ((ErlInteger) a.get(2)).bigValue();
    int s = inc.signum();
    boolean ok =
        s > 0 && from.subtract(inc).compareTo(to) <= 0
            || s < 0 && from.subtract(inc).compareTo(to) >= 0
            || s == 0 && from.equals(to);
    if (!ok) {
      throw error(BADARG, LISTS, "seq", a);
    }
    if (s == 0) {
      checkSeqSize(1, a, limit);
      return ErlList.of(a.get(0));
    }
    return range(from, to, inc, a, limit);
  }

  /**
   * An upper bound of the encoded size of a {@code lists:seq} result of {@code count} elements,
   * version byte included, from the arguments alone. Every element lies between From and To, and
   * an integer's encoded size grows with its magnitude on each side of zero, so no element is
   * larger than the larger of the two. A list of bytes encodes smaller still (STRING_EXT).
   */
  static long seqSizeBound(long count, ErlInteger from, ErlInteger to) {
    if (count <= 0) {
      return 2; // version byte, NIL_EXT
    }
    long element = Math.max(integerSize(from), integerSize(to));
    return 1 + 5 + count * element + 1; // version, LIST_EXT header, elements, NIL tail
  }

  /** Encoded size of an integer without the version byte: O(1). */
  private static long integerSize(ErlInteger i) {
    return TermEncoder.DEFAULT.encodedSize(i) - 1;
  }

  private static void checkSeqSize(long count, List<Term> a, long limit) {
    if (seqSizeBound(count, (ErlInteger) a.get(0), (ErlInteger) a.get(1)) > limit) {
      throw error(SYSTEM_LIMIT, LISTS, "seq", a);
    }
  }

  private static Term range(BigInteger from, BigInteger to, BigInteger inc, List<Term> a, long limit) {
    BigInteger diff = to.subtract(from);
    // |diff / inc| >= 2^(bits(diff) - bits(inc) - 1): past 21 bits of difference it is over
    // MAX_SEQ, known without dividing two huge numbers.
    if (diff.bitLength() - inc.bitLength() > 21) {
      throw error(SYSTEM_LIMIT, LISTS, "seq", a);
    }
    BigInteger count = diff.divide(inc).add(BigInteger.ONE);
    if (count.signum() <= 0) {
      return ErlList.NIL;
    }
    if (count.compareTo(BigInteger.valueOf(MAX_SEQ)) > 0) {
      throw error(SYSTEM_LIMIT, LISTS, "seq", a);
    }
    int n = count.intValue();
    checkSeqSize(n, a, limit); // before allocating anything of the result's size
    Term[] out = new Term[n];
    if (from.bitLength() < 40 && inc.bitLength() < 40) {
      // The common case (lists:seq(1,100)): long arithmetic, small integers from ErlInteger's
      // cache. |from|, |inc| < 2^40 and n <= MAX_SEQ < 2^20, so every value stays below 2^61.
      long v = from.longValue();
      long d = inc.longValue();
      for (int i = 0; i < n; i++) {
        out[i] = ErlInteger.of(v);
        v += d;
      }
      return ErlList.of(out);
    }
    // Bounded by the size check: n elements of w words each cost about n * w, at most the
    // result limit in bytes.
    BigInteger v = from;
    for (int i = 0; i < n; i++) {
      out[i] = ErlInteger.of(v);
      v = v.add(inc);
    }
    return ErlList.of(out);
  }

  // ---------------------------------------------------------------- sshrpc

  private static RpcModule sshrpc(RpcService service, long limit) {
    return RpcModule.builder("sshrpc")
        .inlineFunction("ping", 0, a -> 1, (ctx, a) -> ErlAtom.of("pong"))
        // The reply is the argument: as large as it, so it is checked (a term decoded from a
        // compressed frame can be 1,000 times the frame).
        .inlineFunction("echo", 1, Builtins::weight, (ctx, a) -> bounded(a.get(0), limit, SSHRPC, "echo", a))
        // One policy check per export of the node: on the workers, and as large as the export
        // table (the operator's, but checked all the same).
        .function("modules", 0, (ctx, a) -> bounded(ErlList.of(service.exportsFor(ctx)), limit, SSHRPC, "modules", a))
        // A map of constant shape: the node name is an atom (at most 255 characters).
        .inlineFunction("info", 0, a -> 1, (ctx, a) -> ErlMap.of(
            ErlAtom.of("version"), ErlBinary.utf8(VERSION),
            ErlAtom.of("node"), service.node(),
            ErlAtom.of("uptime_ms"), ErlInteger.of((System.nanoTime() - service.startNanos) / 1_000_000),
            ErlAtom.of("protocols"), ErlList.of(ErlInteger.of(1), ErlInteger.of(2))))
        .build();
  }

  /**
   * {@code sshrpc_echo_proc:start()}: a process that answers {@code {From, Msg}} by sending
   * {@code Msg} back to {@code From}, and stops on {@code stop} or {@code {stop, Reason}}.
   */
  private static RpcModule echoProc() {
    return RpcModule.builder("sshrpc_echo_proc")
        .process("start", 0, (ctx, args) -> (p, msg) -> {
          if (msg instanceof ErlTuple t && t.arity() == 2 && t.get(0) instanceof ErlPid from) {
            p.send(from, t.get(1));
          } else if (msg instanceof ErlTuple t && t.isTagged("stop", 2)) {
            p.exit(t.get(1));
          } else if (msg.equals(ErlAtom.of("stop"))) {
            p.exit(LocalProcess.NORMAL);
          }
        })
        .build();
  }

  /**
   * {@code sshrpc_counter:start(N)}: a counter starting at integer N; {@code {add, K}} adds,
   * {@code {get, From}} sends {@code {count, Value}} to From, {@code stop} ends it.
   */
  private static RpcModule counter() {
    return RpcModule.builder("sshrpc_counter")
        .process("start", 1, (ctx, args) -> {
          if (!(args.get(0) instanceof ErlInteger start)) {
            throw new ErlangException(BADARG);
          }
          BigInteger[] value = {start.bigValue()};
          return (p, msg) -> {
            if (msg instanceof ErlTuple t && t.isTagged("add", 2) && t.get(1) instanceof ErlInteger k) {
              value[0] = value[0].add(k.bigValue());
            } else if (msg instanceof ErlTuple t && t.isTagged("get", 2)) {
              p.send(t.get(1), ErlTuple.of(ErlAtom.of("count"), ErlInteger.of(value[0])));
            } else if (msg.equals(ErlAtom.of("stop"))) {
              p.exit(LocalProcess.NORMAL);
            } else {
              throw new ErlangException(ErlTuple.of(ErlAtom.of("badmsg"), msg));
            }
          };
        })
        .build();
  }

  static Term atom(String s) {
    return Terms.atom(s);
  }
}
