package org.sshrpc.server;

import java.math.BigInteger;
import java.util.ArrayList;
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
import org.sshrpc.term.TermOrder;
import org.sshrpc.term.Terms;

/**
 * The modules every server exports unless disabled: {@code lists} (a subset, with Erlang's
 * results and error reasons as checked against OTP 25), {@code sshrpc} (ping, echo, modules, info)
 * and two demo process kinds, {@code sshrpc_echo_proc} and {@code sshrpc_counter}.
 */
final class Builtins {
  /** The version reported by {@code sshrpc:info/0}. */
  static final String VERSION = "0.1.0";

  /** Elements {@code lists:seq} may produce, so one call cannot exhaust memory. */
  static final long MAX_SEQ = 1_000_000;

  private static final ErlAtom LISTS = ErlAtom.of("lists");
  private static final ErlAtom FUNCTION_CLAUSE = ErlAtom.of("function_clause");
  private static final ErlAtom BADARG = ErlAtom.of("badarg");
  private static final ErlAtom BADARITH = ErlAtom.of("badarith");
  private static final ErlAtom SYSTEM_LIMIT = ErlAtom.of("system_limit");

  private Builtins() {}

  static List<RpcModule> modules(RpcService service) {
    return List.of(lists(), sshrpc(service), echoProc(), counter());
  }

  /** Raises {@code {Reason, [{lists, F, Args, []}]}}, what {@code catch} shows for a lists error. */
  private static ErlangException error(ErlAtom reason, ErlAtom module, String f, List<Term> args) {
    return new ErlangException(
        ErlTuple.of(reason, ErlList.of(ErlTuple.of(module, ErlAtom.of(f), ErlList.of(args), ErlList.NIL))));
  }

  private static ErlangException clause(String f, List<Term> args) {
    return error(FUNCTION_CLAUSE, LISTS, f, args);
  }

  private static RpcModule lists() {
    return RpcModule.builder("lists")
        .inlineFunction("seq", 2, (ctx, a) -> seq2(a))
        .inlineFunction("seq", 3, (ctx, a) -> seq3(a))
        .inlineFunction("reverse", 1, (ctx, a) -> {
          ErlList l = properList("reverse", a, a.get(0));
          List<Term> out = new ArrayList<>(l.elements());
          java.util.Collections.reverse(out);
          return ErlList.of(out);
        })
        .inlineFunction("sum", 1, (ctx, a) -> sum(a))
        .inlineFunction("nth", 2, (ctx, a) -> {
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
          return l.get(n.intValue() - 1);
        })
        .inlineFunction("last", 1, (ctx, a) -> {
          ErlList l = nonEmpty("last", a);
          return l.get(l.size() - 1);
        })
        .inlineFunction("max", 1, (ctx, a) -> extreme("max", a, 1))
        .inlineFunction("min", 1, (ctx, a) -> extreme("min", a, -1))
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

  /** lists:max/min keep the first of equal elements, in Erlang's standard term order. */
  private static Term extreme(String f, List<Term> args, int sign) {
    ErlList l = nonEmpty(f, args);
    Term best = l.get(0);
    for (int i = 1; i < l.size(); i++) {
      if (sign * TermOrder.STANDARD.compare(l.get(i), best) > 0) {
        best = l.get(i);
      }
    }
    return best;
  }

  private static Term sum(List<Term> a) {
    ErlList l = properList("sum", a, a.get(0));
    Term acc = ErlInteger.of(0);
    for (Term x : l.elements()) {
      if (!(x instanceof ErlInteger) && !(x instanceof ErlFloat)) {
        throw error(BADARITH, ErlAtom.of("erlang"), "+", List.of(acc, x));
      }
      acc = add(acc, x);
    }
    return acc;
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

  private static Term seq2(List<Term> a) {
    if (!(a.get(0) instanceof ErlInteger) || !(a.get(1) instanceof ErlInteger)) {
      throw clause("seq", a);
    }
    BigInteger from = ((ErlInteger) a.get(0)).bigValue();
    BigInteger to = ((ErlInteger) a.get(1)).bigValue();
    if (from.subtract(BigInteger.ONE).compareTo(to) > 0) {
      throw clause("seq", a);
    }
    return range(from, to, BigInteger.ONE, "seq", a);
  }

  private static Term seq3(List<Term> a) {
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
      return ErlList.of(a.get(0));
    }
    return range(from, to, inc, "seq", a);
  }

  private static Term range(BigInteger from, BigInteger to, BigInteger inc, String f, List<Term> a) {
    BigInteger count = to.subtract(from).divide(inc).add(BigInteger.ONE);
    if (count.signum() <= 0) {
      return ErlList.NIL;
    }
    if (count.compareTo(BigInteger.valueOf(MAX_SEQ)) > 0) {
      throw error(SYSTEM_LIMIT, LISTS, f, a);
    }
    int n = count.intValue();
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
    BigInteger v = from;
    for (int i = 0; i < n; i++) {
      out[i] = ErlInteger.of(v);
      v = v.add(inc);
    }
    return ErlList.of(out);
  }

  private static RpcModule sshrpc(RpcService service) {
    return RpcModule.builder("sshrpc")
        .inlineFunction("ping", 0, (ctx, a) -> ErlAtom.of("pong"))
        .inlineFunction("echo", 1, (ctx, a) -> a.get(0))
        .inlineFunction("modules", 0, (ctx, a) -> ErlList.of(service.exportsFor(ctx)))
        .inlineFunction("info", 0, (ctx, a) -> ErlMap.of(
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
