package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded, seeded mutation fuzzer over {@link TermDecoder} (coverage-less: Jazzer is not used,
 * see docs/codec.md). It mutates the committed seed corpus in {@code
 * src/test/resources/fuzz/etf/} (small golden vectors plus hand-made hostile inputs) and random
 * encodings, and checks that the decoder either returns a term that survives a re-encode round
 * trip or throws {@link TermFormatException}: no other exception, no error, no hang. A failure
 * prints the input in hex; add it to the corpus once fixed.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DecoderFuzzTest {
  private static final long SEED = Long.getLong("fuzz.seed", 1L);
  private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 100_000);

  /** Small limits too, so the limit paths are fuzzed as well as the structural ones. */
  private static final TermDecoder SMALL =
      TermDecoder.of(
          TermLimits.builder()
              .maxDepth(8)
              .maxElements(64)
              .maxAtomLength(16)
              .maxBinaryBytes(256)
              .maxBigIntegerBytes(16)
              .maxDecompressedBytes(4096)
              .build());

  private static final int[] INTERESTING = {
    0, 1, 2, 7, 8, 31, 32, 33, 127, 128, 131, 255, 70, 77, 80, 82, 88, 89, 90, 97, 98, 99, 100,
    101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
    120, 121
  };

  static List<byte[]> corpus() throws IOException, URISyntaxException {
    URL dir = DecoderFuzzTest.class.getResource("/fuzz/etf");
    assertNotNull(dir, "fuzz/etf corpus on the test class path");
    List<byte[]> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
      for (Path p : (Iterable<Path>) files.sorted()::iterator) {
        out.add(Files.readAllBytes(p));
      }
    }
    return out;
  }

  @Test
  void corpusSeedsDecodeOrFailCleanly() throws Exception {
    List<byte[]> corpus = corpus();
    assertTrue(corpus.size() >= 50, "corpus size " + corpus.size());
    for (byte[] input : corpus) {
      check(TermDecoder.DEFAULT, input);
      check(SMALL, input);
    }
  }

  @Test
  void mutatedInputsNeverEscapeAsAnythingButTermFormatException() throws Exception {
    List<byte[]> corpus = corpus();
    RandomTerms gen = new RandomTerms(SEED, true);
    for (int i = 0; i < 200; i++) {
      corpus.add(TermEncoder.DEFAULT.encode(gen.term(3)));
    }
    corpus.add(TermEncoder.builder().compressionLevel(6).build().encode(gen.term(4)));
    Random rnd = new Random(SEED);
    int decoded = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] input = mutate(rnd, corpus.get(rnd.nextInt(corpus.size())), corpus);
      if (check(i % 3 == 0 ? SMALL : TermDecoder.DEFAULT, input)) {
        decoded++;
      }
    }
    // Mutations that keep the input valid must be neither all nor none.
    assertTrue(decoded > ITERATIONS / 100 && decoded < ITERATIONS, "decoded " + decoded);
  }

  /** Decodes; true if a term came out (which must then round-trip). */
  private static boolean check(TermDecoder decoder, byte[] input) {
    Term t;
    try {
      t = decoder.decode(input);
    } catch (TermFormatException expected) {
      if (expected.offset() < 0) {
        fail("negative offset " + expected + " for " + HexFormat.of().formatHex(input));
      }
      return false;
    } catch (Throwable e) {
      throw new AssertionError("decoder threw " + e + " for " + HexFormat.of().formatHex(input), e);
    }
    try {
      assertEquals(t, TermDecoder.DEFAULT.decode(TermEncoder.DEFAULT.encode(t)));
    } catch (Throwable e) {
      throw new AssertionError("re-encode failed: " + e + " for " + HexFormat.of().formatHex(input), e);
    }
    return true;
  }

  private static byte[] mutate(Random rnd, byte[] seed, List<byte[]> corpus) {
    byte[] b = seed.clone();
    int rounds = 1 + rnd.nextInt(4);
    for (int r = 0; r < rounds; r++) {
      if (b.length < 2) {
        b = corpus.get(rnd.nextInt(corpus.size())).clone();
      }
      int at = 1 + rnd.nextInt(b.length - 1); // mostly keep the version byte
      switch (rnd.nextInt(8)) {
        case 0:
          b[at] ^= (byte) (1 << rnd.nextInt(8));
          break;
        case 1:
          b[at] = (byte) INTERESTING[rnd.nextInt(INTERESTING.length)];
          break;
        case 2: { // overwrite a 32-bit length with an interesting value
          int v = new int[] {0, 1, 255, 256, 65535, 65536, Integer.MAX_VALUE, -1, 1 << 24}[rnd.nextInt(9)];
          for (int k = 0; k < 4 && at + k < b.length; k++) {
            b[at + k] = (byte) (v >>> (24 - 8 * k));
          }
          break;
        }
        case 3:
          b = Arrays.copyOf(b, at); // truncate
          break;
        case 4: { // delete a range
          int n = Math.min(1 + rnd.nextInt(8), b.length - at);
          byte[] c = new byte[b.length - n];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + n, c, at, b.length - at - n);
          b = c;
          break;
        }
        case 5: { // insert random bytes
          int n = 1 + rnd.nextInt(8);
          byte[] c = new byte[b.length + n];
          System.arraycopy(b, 0, c, 0, at);
          for (int k = 0; k < n; k++) {
            c[at + k] = (byte) (rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)] : rnd.nextInt());
          }
          System.arraycopy(b, at, c, at + n, b.length - at);
          b = c;
          break;
        }
        case 6: { // splice the tail of another input
          byte[] o = corpus.get(rnd.nextInt(corpus.size()));
          int from = 1 + rnd.nextInt(Math.max(1, o.length - 1));
          int n = Math.max(0, o.length - from);
          byte[] c = Arrays.copyOf(b, at + n);
          System.arraycopy(o, Math.min(from, o.length), c, at, n);
          b = c;
          break;
        }
        default:
          if (rnd.nextInt(50) == 0) {
            b[0] = (byte) rnd.nextInt(); // occasionally the version byte too
          }
      }
    }
    return b;
  }
}
