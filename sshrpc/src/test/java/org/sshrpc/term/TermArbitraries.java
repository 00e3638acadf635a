package org.sshrpc.term;

import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random terms for property tests: every kind the parser and printer support, nested a few levels
 * deep. {@code erlangSafe} leaves out values a real OTP 25 node cannot hold as given ({@code -0.0},
 * which OTP 25 treats as {@code =:=} to {@code 0.0} in map keys; pid/ref/port fields wider than OTP
 * stores).
 */
final class TermArbitraries {
  private TermArbitraries() {}

  static Arbitrary<Term> terms(int depth, boolean erlangSafe) {
    if (depth <= 0) {
      return leaves(erlangSafe);
    }
    Arbitrary<Term> inner = Arbitraries.lazy(() -> terms(depth - 1, erlangSafe));
    return Arbitraries.frequencyOf(
        Tuple.of(6, leaves(erlangSafe)),
        Tuple.of(1, inner.list().ofMaxSize(5).map(ErlTuple::of)),
        Tuple.of(1, inner.list().ofMaxSize(5).map(ErlList::of)),
        Tuple.of(
            1,
            Combinators.combine(inner.list().ofMinSize(1).ofMaxSize(4), leaves(erlangSafe))
                .as((h, t) -> (Term) ErlList.improper(h, t))),
        Tuple.of(
            1,
            Arbitraries.maps(inner, inner).ofMaxSize(4).map(m -> (Term) ErlMap.of(m))));
  }

  static Arbitrary<Term> leaves(boolean erlangSafe) {
    Arbitrary<Term> floats =
        Arbitraries.oneOf(
                Arbitraries.doubles(),
                Arbitraries.of(0.0, -0.0, 1.0e10, 1.0e-5, 0.1, Double.MAX_VALUE, Double.MIN_VALUE,
                    Double.MIN_NORMAL, -1.5, 1.0e22, 1.0e21, 123456789.0),
                Arbitraries.longs().map(Double::longBitsToDouble))
            .filter(d -> Double.isFinite(d) && !(erlangSafe && d == 0.0 && 1 / d < 0))
            .map(ErlFloat::of);
    Arbitrary<Term> ints =
        Arbitraries.oneOf(
            Arbitraries.integers().between(-300, 300).map(i -> ErlInteger.of(i)),
            Arbitraries.longs().map(ErlInteger::of),
            Arbitraries.bigIntegers()
                .between(BigInteger.ONE.shiftLeft(300).negate(), BigInteger.ONE.shiftLeft(300))
                .map(ErlInteger::of));
    return Arbitraries.frequencyOf(
        Tuple.of(3, ints),
        Tuple.of(2, floats),
        Tuple.of(3, atoms()),
        Tuple.of(2, strings().map(Terms::string)),
        Tuple.of(1, Arbitraries.integers().between(0, 0x10FFFF).list().ofMaxSize(6).map(TermArbitraries::codePoints)),
        Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(12).map(ErlBinary::of)),
        Tuple.of(2, strings().map(ErlBinary::utf8)),
        Tuple.of(
            1,
            Combinators.combine(
                    Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(5),
                    Arbitraries.integers().between(1, 7))
                .as((b, n) -> (Term) ErlBitstring.of(b, n))),
        Tuple.of(
            1,
            Combinators.combine(atoms(), atoms(), Arbitraries.integers().between(0, 255))
                .as((m, f, a) -> (Term) ErlExportFun.of(m, f, a))),
        Tuple.of(1, pids(erlangSafe)),
        Tuple.of(1, Arbitraries.just(ErlList.NIL)));
  }

  private static Term codePoints(List<Integer> cps) {
    Term[] t = new Term[cps.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = ErlInteger.of(cps.get(i));
    }
    return ErlList.of(t);
  }

  static Arbitrary<String> strings() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMaxLength(12),
        Arbitraries.strings().alpha().numeric().withChars(' ', '\n', '"', '\\', '\'', 'é', 'Я', '日')
            .ofMaxLength(12),
        Arbitraries.integers().between(0, 0x10FFFF).filter(c -> c < 0xD800 || c > 0xDFFF)
            .list().ofMaxSize(6)
            .map(l -> new String(l.stream().mapToInt(Integer::intValue).toArray(), 0, l.size())));
  }

  static Arbitrary<ErlAtom> atoms() {
    return Arbitraries.oneOf(
            Arbitraries.of("ok", "error", "true", "case", "end", "fun", "a@b", "Ab", "", "_", "a b",
                "'", "\\", "maybe", "é"),
            Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8),
            strings())
        .filter(s -> s.codePointCount(0, s.length()) <= ErlAtom.MAX_LENGTH)
        .map(ErlAtom::of);
  }

  static Arbitrary<Term> pids(boolean erlangSafe) {
    Arbitrary<ErlAtom> nodes = Arbitraries.of("nonode@nohost", "a@b", "sshrpc@host.example").map(ErlAtom::of);
    // a pid id and serial under 2^13 and a first reference word under 2^18 are valid on any OTP
    Arbitrary<Long> small = Arbitraries.longs().between(0, erlangSafe ? (1 << 13) - 1 : 0xFFFFFFFFL);
    Arbitrary<Long> creation = Arbitraries.longs().between(0, 0xFFFFFFFFL);
    return Arbitraries.oneOf(
        Combinators.combine(nodes, small, small, creation).as((n, i, s, c) -> (Term) ErlPid.of(n, i, s, c)),
        Combinators.combine(nodes, creation, small, Arbitraries.integers(), Arbitraries.integers())
            .as((n, c, a, b, d) -> (Term) ErlRef.of(n, c, (int) (long) a, b, d)),
        Combinators.combine(nodes, small, creation).as((n, i, c) -> (Term) ErlPort.of(n, i, c)));
  }
}
