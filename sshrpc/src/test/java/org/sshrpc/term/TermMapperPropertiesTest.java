package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class TermMapperPropertiesTest {
  @SuppressWarnings("unused")
  private static List<Map<String, List<Long>>> nested;

  private static Type nestedType() throws NoSuchFieldException {
    return TermMapperPropertiesTest.class.getDeclaredField("nested").getGenericType();
  }

  @Property(tries = 300)
  void scalarsRoundTrip(
      @ForAll long l, @ForAll int i, @ForAll double d, @ForAll boolean b, @ForAll String s,
      @ForAll BigInteger big, @ForAll byte[] bytes) {
    assertEquals(l, TermMapper.fromTerm(TermMapper.toTerm(l), long.class));
    assertEquals(i, TermMapper.fromTerm(TermMapper.toTerm(i), int.class));
    if (Double.isFinite(d)) {
      assertEquals(d, TermMapper.fromTerm(TermMapper.toTerm(d), double.class));
    }
    assertEquals(b, TermMapper.fromTerm(TermMapper.toTerm(b), boolean.class));
    if (s.codePoints().noneMatch(c -> c >= 0xD800 && c <= 0xDFFF)) { // lone surrogates are not UTF-8
      assertEquals(s, TermMapper.fromTerm(TermMapper.toTerm(s), String.class));
      assertEquals(s, TermMapper.fromTerm(Terms.string(s), String.class));
    }
    assertEquals(big, TermMapper.fromTerm(TermMapper.toTerm(big), BigInteger.class));
    assertArrayEquals(bytes, TermMapper.fromTerm(TermMapper.toTerm(bytes), byte[].class));
  }

  @Property(tries = 200)
  void genericCollectionsRoundTrip(
      @ForAll @Size(max = 4) List<@Size(max = 3) Map<@net.jqwik.api.constraints.AlphaChars String, @Size(max = 4) List<Long>>> value)
      throws Exception {
    Object back = TermMapper.fromTerm(TermMapper.toTerm(value), nestedType());
    assertEquals(value, back);
  }
}
