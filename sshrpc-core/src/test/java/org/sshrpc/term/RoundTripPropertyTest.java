package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property checks over seeded random terms ({@link RandomTerms}; a failure names its seed and
 * index, so it reproduces): decode(encode(t)) = t for every encoder option, every encode variant
 * writes the same bytes, encodedSize is exact, and {@link TermOrder} is a total order consistent
 * with equals. Plain seeded loops, like every property test here: see docs/codec.md.
 */
@Timeout(60)
class RoundTripPropertyTest {
  private static final long SEED = Long.getLong("etf.seed", 7L);
  private static final int TRIES = 1000;

  @Test
  void decodeInvertsEncodeForEveryOption() throws Exception {
    RandomTerms gen = new RandomTerms(SEED, true);
    List<TermEncoder> encoders =
        List.of(
            TermEncoder.DEFAULT,
            TermEncoder.builder().utf8Atoms(true).build(),
            TermEncoder.builder().compressionLevel(1).build(),
            TermEncoder.builder().utf8Atoms(true).compressionLevel(9).build());
    for (int i = 0; i < TRIES; i++) {
      Term t = gen.term(4);
      for (TermEncoder enc : encoders) {
        assertEquals(t, TermDecoder.DEFAULT.decode(enc.encode(t)), "seed " + SEED + " #" + i);
      }
    }
  }

  @Test
  void everyEncodeVariantWritesTheSameBytes() throws Exception {
    RandomTerms gen = new RandomTerms(SEED + 1, true);
    for (int i = 0; i < TRIES; i++) {
      Term t = gen.term(3);
      byte[] plain = TermEncoder.DEFAULT.encode(t);
      assertEquals(plain.length, TermEncoder.DEFAULT.encodedSize(t));
      byte[] into = new byte[plain.length + 7];
      assertEquals(plain.length, TermEncoder.DEFAULT.encode(t, into, 7));
      assertArrayEquals(plain, java.util.Arrays.copyOfRange(into, 7, into.length));
      ByteBuffer heap = ByteBuffer.allocate(plain.length + 3).position(3);
      TermEncoder.DEFAULT.encode(t, heap);
      assertEquals(plain.length + 3, heap.position());
      ByteBuffer direct = ByteBuffer.allocateDirect(plain.length);
      TermEncoder.DEFAULT.encode(t, direct);
      direct.flip();
      assertEquals(t, TermDecoder.DEFAULT.decode(direct));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      TermEncoder.DEFAULT.encode(t, out);
      assertArrayEquals(plain, out.toByteArray());
      // Decoding from inside a larger array reports the same term.
      assertEquals(t, TermDecoder.DEFAULT.decode(into, 7, plain.length));
    }
  }

  @Test
  void termOrderIsATotalOrderConsistentWithEquals() {
    RandomTerms gen = new RandomTerms(SEED + 2, false);
    List<Term> terms = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      Term t = gen.term(2);
      terms.add(t);
      if (i % 5 == 0) {
        terms.add(TermDecoderCopy.copy(t)); // an equal but distinct instance
      }
    }
    for (Term a : terms) {
      for (Term b : terms) {
        int ab = Integer.signum(TermOrder.EXACT.compare(a, b));
        int ba = Integer.signum(TermOrder.EXACT.compare(b, a));
        assertEquals(-ab, ba, "antisymmetry");
        assertEquals(a.equals(b), ab == 0, "consistent with equals");
      }
    }
    List<Term> sorted = new ArrayList<>(terms);
    sorted.sort(TermOrder.EXACT);
    for (int i = 0; i + 2 < sorted.size(); i++) {
      assertTrue(TermOrder.EXACT.compare(sorted.get(i), sorted.get(i + 2)) <= 0, "transitivity");
    }
  }

  @Test
  void standardOrderComparesNumbersByValue() {
    assertEquals(0, TermOrder.STANDARD.compare(Terms.integer(1), Terms.flt(1.0)));
    assertTrue(TermOrder.EXACT.compare(Terms.integer(2), Terms.flt(1.0)) < 0);
    assertTrue(TermOrder.STANDARD.compare(Terms.integer(2), Terms.flt(1.5)) > 0);
    assertTrue(TermOrder.STANDARD.compare(Terms.nil(), Terms.list(Terms.integer(1))) < 0);
    assertTrue(TermOrder.STANDARD.compare(Terms.atom("z"), Terms.tuple()) < 0);
  }

  /** Makes an equal copy through the codec. */
  static final class TermDecoderCopy {
    static Term copy(Term t) {
      try {
        return TermDecoder.DEFAULT.decode(TermEncoder.DEFAULT.encode(t));
      } catch (TermFormatException e) {
        throw new AssertionError(e);
      }
    }
  }
}
