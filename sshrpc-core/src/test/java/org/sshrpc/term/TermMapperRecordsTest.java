package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.map;

import java.lang.reflect.Type;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Records (as maps with atom keys) and {@code Optional} (as {@code undefined} or the value). */
@Timeout(10)
class TermMapperRecordsTest {
  record Point(long x, long y) {}

  record Named(String name, Optional<Point> at, List<Point> trail) {}

  /** A record that refers to itself through a list: checked once, mapped to any depth. */
  record Tree(String label, List<Tree> children) {}

  record Positive(int n) {
    Positive {
      if (n <= 0) {
        throw new IllegalArgumentException("n must be positive: " + n);
      }
    }
  }

  record WithSet(Set<String> s) {}

  @SuppressWarnings("unused")
  private static Optional<Long> maybeLong;

  @SuppressWarnings("unused")
  private static Optional<ErlAtom> maybeAtom;

  private static Type field(String name) {
    try {
      return TermMapperRecordsTest.class.getDeclaredField(name).getGenericType();
    } catch (NoSuchFieldException e) {
      throw new AssertionError(e);
    }
  }

  private static String fails(Runnable r) {
    return assertThrows(TermMappingException.class, r::run).getMessage();
  }

  @Test
  void recordsAreMapsFromComponentNamesBothWays() {
    Named n = new Named("a", Optional.of(new Point(1, 2)), List.of(new Point(3, 4)));
    Term t = map(
        atom("name"), binary("a"),
        atom("at"), map(atom("x"), integer(1), atom("y"), integer(2)),
        atom("trail"), list(map(atom("x"), integer(3), atom("y"), integer(4))));
    assertEquals(t, TermMapper.toTerm(n));
    assertEquals(n, TermMapper.fromTerm(t, Named.class));
    Tree tree = new Tree("root", List.of(new Tree("leaf", List.of())));
    TermMapper.checkSupported(Tree.class);
    assertEquals(tree, TermMapper.fromTerm(TermMapper.toTerm(tree), Tree.class));
  }

  @Test
  void optionalIsUndefinedWhenEmptyAndMayBeLeftOutOfARecord() {
    assertEquals(atom("undefined"), TermMapper.toTerm(Optional.empty()));
    assertEquals(integer(5), TermMapper.toTerm(Optional.of(5L)));
    assertEquals(Optional.of(5L), TermMapper.fromTerm(integer(5), field("maybeLong")));
    assertEquals(Optional.empty(), TermMapper.fromTerm(atom("undefined"), field("maybeLong")));
    assertEquals(Optional.empty(), TermMapper.fromTerm(atom("undefined"), field("maybeAtom")));
    assertEquals(Optional.of(atom("ok")), TermMapper.fromTerm(atom("ok"), field("maybeAtom")));
    Named noPlace = new Named("b", Optional.empty(), List.of());
    assertEquals(
        map(atom("name"), binary("b"), atom("at"), atom("undefined"), atom("trail"), list()),
        TermMapper.toTerm(noPlace));
    assertEquals(noPlace, TermMapper.fromTerm(map(atom("name"), binary("b"), atom("trail"), list()), Named.class));
  }

  @Test
  void recordFailuresNameTheComponentOrKey() {
    assertEquals(
        "map has no key y for record org.sshrpc.term.TermMapperRecordsTest$Point",
        fails(() -> TermMapper.fromTerm(map(atom("x"), integer(1)), Point.class)));
    assertEquals(
        "record org.sshrpc.term.TermMapperRecordsTest$Point has no component z",
        fails(() -> TermMapper.fromTerm(map(atom("x"), integer(1), atom("y"), integer(2), atom("z"), integer(3)), Point.class)));
    assertEquals(
        "Point.y: expected an integer for long but got b",
        fails(() -> TermMapper.fromTerm(map(atom("x"), integer(1), atom("y"), atom("b")), Point.class)));
    assertEquals(
        "expected a map with atom keys for org.sshrpc.term.TermMapperRecordsTest$Point but got {1,2}",
        fails(() -> TermMapper.fromTerm(Terms.tuple(integer(1), integer(2)), Point.class)));
    assertEquals(
        "record org.sshrpc.term.TermMapperRecordsTest$Positive refused its components: n must be positive: 0",
        fails(() -> TermMapper.fromTerm(map(atom("n"), integer(0)), Positive.class)));
    assertEquals(
        "record org.sshrpc.term.TermMapperRecordsTest$WithSet component s: no term mapping for Java type java.util.Set<java.lang.String>",
        fails(() -> TermMapper.checkSupported(WithSet.class)));
    assertEquals(
        "null has no term mapping (component name of org.sshrpc.term.TermMapperRecordsTest$Named)",
        fails(() -> TermMapper.toTerm(new Named(null, Optional.empty(), List.of()))));
  }
}
