package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.flt;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.map;
import static org.sshrpc.term.Terms.string;
import static org.sshrpc.term.Terms.tuple;

import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TermMapperTest {
  enum Color {
    RED,
    green
  }

  // Generic types come from declarations, as in a proxy interface or a module method.
  @SuppressWarnings("unused")
  private static List<Long> longs;

  @SuppressWarnings("unused")
  private static Map<String, Long> counts;

  @SuppressWarnings("unused")
  private static List<? extends Term> wild;

  @SuppressWarnings("unused")
  private static List<Set<String>> sets;

  @SuppressWarnings("unused")
  private static Map<Color, List<Map<String, byte[]>>> nested;

  private static Type field(String name) {
    try {
      return TermMapperTest.class.getDeclaredField(name).getGenericType();
    } catch (NoSuchFieldException e) {
      throw new AssertionError(e);
    }
  }

  private static String fails(Runnable r) {
    return assertThrows(TermMappingException.class, r::run).getMessage();
  }

  @Test
  void javaToTerm() {
    assertEquals(integer(5), TermMapper.toTerm(5L));
    assertEquals(integer(5), TermMapper.toTerm(5));
    assertEquals(integer(5), TermMapper.toTerm((short) 5));
    assertEquals(integer(-5), TermMapper.toTerm((byte) -5));
    assertEquals(integer(BigInteger.TEN.pow(30)), TermMapper.toTerm(BigInteger.TEN.pow(30)));
    assertEquals(flt(1.5), TermMapper.toTerm(1.5));
    assertEquals(flt(1.5), TermMapper.toTerm(1.5f));
    assertEquals(ErlAtom.TRUE, TermMapper.toTerm(true));
    assertEquals(ErlAtom.FALSE, TermMapper.toTerm(false));
    assertEquals(binary("héllo"), TermMapper.toTerm("héllo"));
    assertEquals(binary(new byte[] {1, 2}), TermMapper.toTerm(new byte[] {1, 2}));
    assertEquals(atom("RED"), TermMapper.toTerm(Color.RED));
    assertEquals(list(integer(1), binary("a")), TermMapper.toTerm(List.of(1L, "a")));
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put("k", 1L);
    m.put(Color.green, List.of());
    assertEquals(map(binary("k"), integer(1), atom("green"), ErlList.NIL), TermMapper.toTerm(m));
    Term t = tuple(atom("x"));
    assertSame(t, TermMapper.toTerm(t));
  }

  @Test
  void javaToTermFailures() {
    assertEquals("null has no term mapping", fails(() -> TermMapper.toTerm(null)));
    assertEquals(
        "no term mapping for Java type java.lang.Thread", fails(() -> TermMapper.toTerm(Thread.currentThread())));
    assertEquals(
        "not a finite float: NaN (Erlang has no NaN or infinity)", fails(() -> TermMapper.toTerm(Double.NaN)));
    assertEquals(
        "no term mapping for Java type java.lang.Object", fails(() -> TermMapper.toTerm(List.of(new Object()))));
    List<Object> self = new ArrayList<>();
    self.add(self);
    assertEquals("value nested deeper than 1000 levels", fails(() -> TermMapper.toTerm(self)));
  }

  @Test
  void termToJava() {
    assertEquals(5L, TermMapper.fromTerm(integer(5), long.class));
    assertEquals(5L, TermMapper.fromTerm(integer(5), Long.class));
    assertEquals(5, TermMapper.fromTerm(integer(5), int.class));
    assertEquals((short) 5, TermMapper.fromTerm(integer(5), short.class));
    assertEquals((byte) -5, TermMapper.fromTerm(integer(-5), Byte.class));
    assertEquals(BigInteger.TEN.pow(30), TermMapper.fromTerm(integer(BigInteger.TEN.pow(30)), BigInteger.class));
    assertEquals(1.5, TermMapper.fromTerm(flt(1.5), double.class));
    assertEquals(3.0, TermMapper.fromTerm(integer(3), Double.class));
    assertEquals(1.5f, TermMapper.fromTerm(flt(1.5), float.class));
    assertEquals(true, TermMapper.fromTerm(ErlAtom.TRUE, boolean.class));
    assertEquals(false, TermMapper.fromTerm(ErlAtom.FALSE, Boolean.class));
    assertEquals("héllo", TermMapper.fromTerm(binary("héllo"), String.class));
    assertEquals("héllo\uD83D\uDE00", TermMapper.fromTerm(string("héllo\uD83D\uDE00"), String.class));
    assertEquals("", TermMapper.fromTerm(ErlList.NIL, String.class));
    assertArrayEquals(new byte[] {1, 2}, TermMapper.fromTerm(binary(new byte[] {1, 2}), byte[].class));
    assertEquals(Color.green, TermMapper.fromTerm(atom("green"), Color.class));
    Term tu = tuple(atom("a"));
    assertSame(tu, TermMapper.fromTerm(tu, ErlTuple.class));
    assertSame(tu, TermMapper.fromTerm(tu, Term.class));
    assertSame(tu, TermMapper.fromTerm(tu, Object.class));
    assertEquals(List.of(1L, 2L), TermMapper.fromTerm(list(integer(1), integer(2)), field("longs")));
    assertEquals(List.of(tu), TermMapper.fromTerm(list(tu), List.class));
    assertEquals(
        Map.of("a", 1L, "b", 2L),
        TermMapper.fromTerm(map(binary("a"), integer(1), string("b"), integer(2)), field("counts")));
    assertEquals(List.of(integer(7)), TermMapper.fromTerm(list(integer(7)), field("wild")));
    Object n =
        TermMapper.fromTerm(
            map(atom("RED"), list(map(binary("k"), binary(new byte[] {9})))), field("nested"));
    assertArrayEquals(
        new byte[] {9},
        (byte[]) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) n).get(Color.RED)).get(0)).get("k"));
  }

  @Test
  void termToJavaFailures() {
    assertEquals(
        "integer out of range for int: 2147483648 (expected: -2147483648..2147483647)",
        fails(() -> TermMapper.fromTerm(integer(1L << 31), int.class)));
    assertEquals(
        "integer out of range for long: 18446744073709551616 (expected: -9223372036854775808..9223372036854775807)",
        fails(() -> TermMapper.fromTerm(integer(BigInteger.ONE.shiftLeft(64)), long.class)));
    assertEquals(
        "integer out of range for byte: 128 (expected: -128..127)",
        fails(() -> TermMapper.fromTerm(integer(128), byte.class)));
    assertEquals(
        "expected an integer for long but got 1.5", fails(() -> TermMapper.fromTerm(flt(1.5), long.class)));
    assertEquals(
        "integer 9007199254740993 is not exactly a double",
        fails(() -> TermMapper.fromTerm(integer((1L << 53) + 1), double.class)));
    assertEquals(
        "expected true or false for boolean but got yes",
        fails(() -> TermMapper.fromTerm(atom("yes"), boolean.class)));
    assertEquals(
        "binary is not valid UTF-8 for String: <<255>>",
        fails(() -> TermMapper.fromTerm(binary(new byte[] {(byte) 0xFF}), String.class)));
    assertEquals(
        "list element 1 is not a Unicode code point for String: a",
        fails(() -> TermMapper.fromTerm(list(integer('x'), atom("a")), String.class)));
    assertEquals(
        "expected a UTF-8 binary or a list of code points for java.lang.String but got abc",
        fails(() -> TermMapper.fromTerm(atom("abc"), String.class)));
    assertEquals(
        "no constant blue in enum org.sshrpc.term.TermMapperTest$Color",
        fails(() -> TermMapper.fromTerm(atom("blue"), Color.class)));
    assertEquals(
        "expected a proper list for java.util.List<java.lang.Long> but got [1|2]",
        fails(() -> TermMapper.fromTerm(ErlList.improper(List.of(integer(1)), integer(2)), field("longs"))));
    assertEquals(
        "expected an integer for java.lang.Long but got a",
        fails(() -> TermMapper.fromTerm(list(atom("a")), field("longs"))));
    assertEquals(
        "two map keys become the same java.lang.String: k",
        fails(() -> TermMapper.fromTerm(map(binary("k"), integer(1), string("k"), integer(2)), field("counts"))));
    assertEquals(
        "expected an ErlTuple for org.sshrpc.term.ErlTuple but got []",
        fails(() -> TermMapper.fromTerm(ErlList.NIL, ErlTuple.class)));
    assertEquals(
        "no term mapping for Java type java.util.Set<java.lang.String>",
        fails(() -> TermMapper.fromTerm(ErlList.NIL, field("sets"))));
    assertEquals(
        "no term mapping for Java type java.lang.Thread",
        fails(() -> TermMapper.fromTerm(ErlList.NIL, Thread.class)));
    assertEquals(
        "no term mapping for Java type java.util.Set<java.lang.String>",
        fails(() -> TermMapper.checkSupported(field("sets"))));
  }

  @Test
  void roundTripsThroughTheMapping() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("one", 1L);
    m.put("big", Long.MAX_VALUE);
    assertEquals(m, TermMapper.fromTerm(TermMapper.toTerm(m), field("counts")));
    assertEquals(List.of(-1L, 0L), TermMapper.fromTerm(TermMapper.toTerm(List.of(-1, 0)), field("longs")));
  }
}
