package org.sshrpc.term;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Static factories for building terms tersely: {@code tuple(atom("ok"), integer(1))}. */
public final class Terms {
  private Terms() {}

  public static ErlAtom atom(String name) {
    return ErlAtom.of(name);
  }

  public static ErlAtom bool(boolean b) {
    return ErlAtom.of(b);
  }

  public static ErlInteger integer(long v) {
    return ErlInteger.of(v);
  }

  public static ErlInteger integer(BigInteger v) {
    return ErlInteger.of(v);
  }

  public static ErlFloat flt(double v) {
    return ErlFloat.of(v);
  }

  public static ErlTuple tuple(Term... elements) {
    return ErlTuple.of(elements);
  }

  public static ErlList list(Term... elements) {
    return ErlList.of(elements);
  }

  public static ErlList list(List<? extends Term> elements) {
    return ErlList.of(elements);
  }

  public static ErlList nil() {
    return ErlList.NIL;
  }

  public static ErlBinary binary(byte[] bytes) {
    return ErlBinary.of(bytes);
  }

  /** A UTF-8 binary, as Erlang's {@code <<"text"/utf8>>}. */
  public static ErlBinary binary(String utf8) {
    return ErlBinary.utf8(utf8);
  }

  /** A list of Unicode code points, as Erlang's {@code "text"}. */
  public static ErlList string(String s) {
    int[] cps = s.codePoints().toArray();
    Term[] elements = new Term[cps.length];
    for (int i = 0; i < cps.length; i++) {
      elements[i] = ErlInteger.of(cps[i]);
    }
    return elements.length == 0 ? ErlList.NIL : new ErlList(elements, null);
  }

  /** A list of byte values 0..255 (Latin-1), as Erlang's {@code "text"} for ASCII text. */
  public static ErlList latin1String(byte[] bytes) {
    Term[] elements = new Term[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      elements[i] = ErlInteger.of(bytes[i] & 0xFF);
    }
    return elements.length == 0 ? ErlList.NIL : new ErlList(elements, null);
  }

  public static ErlMap map(Term... keysAndValues) {
    return ErlMap.of(keysAndValues);
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
