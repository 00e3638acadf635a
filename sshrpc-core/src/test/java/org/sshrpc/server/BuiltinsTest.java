package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.flt;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.Term;

/** Built-in lists functions against results and reasons recorded from OTP 25 (see the comments). */
class BuiltinsTest {
  private static final RpcService SERVICE = RpcService.builder().build();

  @AfterAll
  static void close() {
    SERVICE.close();
  }

  private static Term call(String m, String f, Term... args) throws Exception {
    RpcModule mod = Builtins.modules(SERVICE).stream().filter(x -> x.name().equals(m)).findFirst().orElseThrow();
    return mod.find(f, args.length).function().apply(null, List.of(args));
  }

  private static Term raised(String m, String f, Term... args) {
    return assertThrows(ErlangException.class, () -> call(m, f, args)).reason();
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
}
