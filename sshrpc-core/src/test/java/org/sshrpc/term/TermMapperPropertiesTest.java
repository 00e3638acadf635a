package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property checks of {@link TermMapper} over seeded random Java values: scalars, strings, byte
 * arrays and nested generic collections map to a term and back unchanged. A failure names its seed,
 * case number and value; {@code -Dmapper.seed=} reproduces it.
 */
@Timeout(60)
class TermMapperPropertiesTest {
  private static final long SEED = Long.getLong("mapper.seed", 2010L);
  private static final long[] EDGE_LONGS = {
    0, 1, -1, 255, 256, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31, -(1L << 31) - 1,
    Long.MAX_VALUE, Long.MIN_VALUE
  };
  private static final double[] EDGE_DOUBLES = {
    0.0, -0.0, 1.0, -1.5, 0.1, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL,
    1.0e22, 9007199254740993.0
  };

  @SuppressWarnings("unused")
  private static List<Map<String, List<Long>>> nested;

  private static Type nestedType() throws NoSuchFieldException {
    return TermMapperPropertiesTest.class.getDeclaredField("nested").getGenericType();
  }

  @Test
  void scalarsRoundTrip() {
    Random rnd = new Random(SEED);
    for (int i = 0; i < 2000; i++) {
      long l = anyLong(rnd);
      int n = (int) anyLong(rnd);
      double d = anyFiniteDouble(rnd);
      boolean b = rnd.nextBoolean();
      BigInteger big = new BigInteger(rnd.nextInt(300), rnd).multiply(BigInteger.valueOf(rnd.nextBoolean() ? 1 : -1));
      byte[] bytes = new byte[rnd.nextInt(40)];
      rnd.nextBytes(bytes);
      PropertyCase.check(
          where(i, List.of(l, n, d, b, big, Arrays.toString(bytes))),
          () -> {
            assertEquals(l, TermMapper.fromTerm(TermMapper.toTerm(l), long.class));
            assertEquals(n, TermMapper.fromTerm(TermMapper.toTerm(n), int.class));
            assertEquals((short) n, TermMapper.fromTerm(TermMapper.toTerm((short) n), short.class));
            assertEquals((byte) n, TermMapper.fromTerm(TermMapper.toTerm((byte) n), byte.class));
            assertEquals(d, TermMapper.fromTerm(TermMapper.toTerm(d), double.class));
            if (Float.isFinite((float) d)) {
              assertEquals((float) d, TermMapper.fromTerm(TermMapper.toTerm((float) d), float.class));
            }
            assertEquals(b, TermMapper.fromTerm(TermMapper.toTerm(b), boolean.class));
            assertEquals(big, TermMapper.fromTerm(TermMapper.toTerm(big), BigInteger.class));
            assertArrayEquals(bytes, TermMapper.fromTerm(TermMapper.toTerm(bytes), byte[].class));
          });
    }
  }

  @Test
  void stringsRoundTripAsBinariesAndAsCodePointLists() {
    RandomTerms gen = new RandomTerms(SEED + 1, false);
    for (int i = 0; i < 2000; i++) {
      String s = gen.text(20);
      PropertyCase.check(
          where(i, quoted(s)),
          () -> {
            assertEquals(s, TermMapper.fromTerm(TermMapper.toTerm(s), String.class));
            assertEquals(s, TermMapper.fromTerm(Terms.string(s), String.class));
          });
    }
  }

  @Test
  void genericCollectionsRoundTrip() throws Exception {
    RandomTerms gen = new RandomTerms(SEED + 2, false);
    Random rnd = gen.random();
    Type type = nestedType();
    for (int i = 0; i < 1000; i++) {
      List<Map<String, List<Long>>> value = new ArrayList<>();
      for (int a = rnd.nextInt(5); a > 0; a--) {
        Map<String, List<Long>> m = new LinkedHashMap<>();
        for (int b = rnd.nextInt(4); b > 0; b--) {
          List<Long> longs = new ArrayList<>();
          for (int c = rnd.nextInt(5); c > 0; c--) {
            longs.add(anyLong(rnd));
          }
          m.put(gen.text(6), longs);
        }
        value.add(m);
      }
      PropertyCase.check(
          where(i, value), () -> assertEquals(value, TermMapper.fromTerm(TermMapper.toTerm(value), type)));
    }
  }

  private static long anyLong(Random rnd) {
    switch (rnd.nextInt(3)) {
      case 0:
        return EDGE_LONGS[rnd.nextInt(EDGE_LONGS.length)];
      case 1:
        return rnd.nextInt(2001) - 1000;
      default:
        return rnd.nextLong();
    }
  }

  private static double anyFiniteDouble(Random rnd) {
    switch (rnd.nextInt(3)) {
      case 0:
        return EDGE_DOUBLES[rnd.nextInt(EDGE_DOUBLES.length)];
      case 1:
        return rnd.nextGaussian() * 1000;
      default:
        double d;
        do {
          d = Double.longBitsToDouble(rnd.nextLong());
        } while (!Double.isFinite(d));
        return d;
    }
  }

  /** The string with its code points spelled out, since it may hold invisible characters. */
  private static String quoted(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints().forEach(c -> sb.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x{%X}", c)));
    return sb.append('"').toString();
  }

  /** Names a failing case so that {@code -Dmapper.seed=} and the index reproduce it. */
  private static Supplier<String> where(int i, Object input) {
    return () -> "mapper.seed=" + SEED + " case #" + i + ", input " + input;
  }
}
