package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sshrpc.term.Terms.*;

import java.math.BigInteger;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** One test per limit and per structural problem, each asserting the exact message and offset. */
class TermLimitsTest {
  private static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  private static void assertError(String message, long offset, TermLimits limits, byte[] input) {
    TermFormatException e =
        assertThrows(TermFormatException.class, () -> TermDecoder.of(limits).decode(input));
    assertEquals(message + " at offset " + offset, e.getMessage());
    assertEquals(offset, e.offset());
  }

  private static void assertError(String message, long offset, byte[] input) {
    assertError(message, offset, TermLimits.DEFAULT, input);
  }

  private static byte[] enc(Term t) {
    return TermEncoder.DEFAULT.encode(t);
  }

  @Test
  void defaultsAreDocumented() {
    TermLimits d = TermLimits.DEFAULT;
    assertEquals(64 << 20, d.maxInputBytes());
    assertEquals(512, d.maxDepth());
    assertEquals(4 << 20, d.maxElements());
    assertEquals(255, d.maxAtomLength());
    assertEquals(64 << 20, d.maxBinaryBytes());
    assertEquals(16 << 10, d.maxBigIntegerBytes());
    assertEquals(64 << 20, d.maxDecompressedBytes());
    assertEquals(d, d.newBuilder().build());
  }

  @Test
  void maxInputBytes() {
    assertError("input of 11 bytes exceeds maxInputBytes (9)", 0,
        TermLimits.builder().maxInputBytes(9).build(), enc(binary(new byte[5])));
  }

  @Test
  void maxDepth() throws Exception {
    Term t = list(list(list(nil())));
    assertError("nesting depth 3 exceeds maxDepth (2)", 5,
        TermLimits.builder().maxDepth(2).build(), enc(tuple(tuple(tuple(integer(1))))));
    assertEquals(t, TermDecoder.of(TermLimits.builder().maxDepth(3).build()).decode(enc(t)));
  }

  @Test
  void deepNestingFailsCleanlyWithDefaults() {
    byte[] deep = new byte[1 + 2 * 100_000 + 1];
    deep[0] = (byte) 131;
    for (int i = 0; i < 100_000; i++) {
      deep[1 + 2 * i] = 104;
      deep[2 + 2 * i] = 1;
    }
    deep[deep.length - 1] = 106;
    assertError("nesting depth 513 exceeds maxDepth (512)", 1025, deep);
  }

  @Test
  void maxElements() {
    TermLimits l = TermLimits.builder().maxElements(3).build();
    assertError("tuple arity 4 exceeds maxElements (3)", 1, l, enc(tuple(nil(), nil(), nil(), nil())));
    assertError("list length 4 exceeds maxElements (3)", 1, l, enc(list(nil(), nil(), nil(), nil())));
    assertError("map size 4 exceeds maxElements (3)", 1, l,
        enc(map(integer(1), nil(), integer(2), nil(), integer(3), nil(), integer(4), nil())));
    assertError("string length 4 exceeds maxElements (3)", 1, l, enc(string("abcd")));
  }

  @Test
  void maxAtomLength() {
    TermLimits l = TermLimits.builder().maxAtomLength(3).build();
    assertError("atom of 4 characters exceeds maxAtomLength (3)", 1, l, enc(atom("abcd")));
    assertError("atom of 4 characters exceeds maxAtomLength (3)", 1, l, enc(atom("中中中中")));
    // ATOM_EXT can claim up to 65535 Latin-1 characters; Erlang's own limit is 255.
    byte[] big = new byte[4 + 256];
    big[0] = (byte) 131;
    big[1] = 100;
    big[2] = 1;
    Arrays.fill(big, 4, big.length, (byte) 'a');
    assertError("atom of 256 characters exceeds maxAtomLength (255)", 1, big);
  }

  @Test
  void maxBinaryBytes() {
    TermLimits l = TermLimits.builder().maxBinaryBytes(4).build();
    assertError("binary of 5 bytes exceeds maxBinaryBytes (4)", 1, l, enc(binary(new byte[5])));
    assertError("bitstring of 5 bytes exceeds maxBinaryBytes (4)", 1, l,
        enc(ErlBitstring.of(new byte[5], 3)));
  }

  @Test
  void maxBigIntegerBytes() {
    TermLimits l = TermLimits.builder().maxBigIntegerBytes(8).build();
    assertError("big integer of 9 bytes exceeds maxBigIntegerBytes (8)", 1, l,
        enc(integer(BigInteger.ONE.shiftLeft(64))));
  }

  @Test
  void maxDecompressedBytes() {
    byte[] z = TermEncoder.builder().compressionLevel(6).build().encode(binary(new byte[10_000]));
    assertEquals(80, z[1]);
    assertError("decompressed size 10005 exceeds maxDecompressedBytes (10000)", 2,
        TermLimits.builder().maxDecompressedBytes(10_000).build(), z);
  }

  @Test
  void impossibleCompressionRatioIsRejectedBeforeInflating() {
    assertError("decompressed size 1000000 is impossible for 2 bytes of zlib data", 2,
        b(131, 80, 0, 0x0F, 0x42, 0x40, 0x78, 0x9C));
  }

  @Test
  void lengthsAreCheckedAgainstRemainingBytesBeforeAllocation() {
    // The example: 6 bytes claiming a 4-billion-element list fail at once.
    assertError("list length 4294967295 exceeds maxElements (4194304)", 1,
        b(131, 108, 255, 255, 255, 255));
    assertError("truncated list: 2147483647 elements cannot fit in the 0 bytes that remain", 1,
        TermLimits.builder().maxElements(Integer.MAX_VALUE).build(), b(131, 108, 127, 255, 255, 255));
    assertError("truncated tuple: 4194304 elements cannot fit in the 0 bytes that remain", 1,
        b(131, 105, 0, 64, 0, 0));
    assertError("truncated map: 1000 elements cannot fit in the 1 bytes that remain", 1,
        b(131, 116, 0, 0, 3, 232, 106));
    assertError("truncated BINARY_EXT: need 2147483647 bytes, 0 remain", 6,
        TermLimits.builder().maxBinaryBytes(Integer.MAX_VALUE).build(), b(131, 109, 127, 255, 255, 255));
    // Nested claims share the remaining bytes: the inner 3 plus the outer's 2 pending elements
    // cannot fit in the 4 bytes left, though 3 alone would.
    assertError("truncated tuple: 3 elements cannot fit in the 4 bytes that remain", 3,
        b(131, 104, 3, 104, 3, 106, 106, 106, 106));
  }

  @Test
  void structuralErrors() {
    assertError("empty input: expected version byte 131", 0, new byte[0]);
    assertError("bad version byte 130 (expected: 131)", 0, b(130, 106));
    assertError("truncated: expected a tag, 0 bytes remain", 1, b(131));
    assertError("unknown tag 1", 1, b(131, 1));
    assertError("1 trailing bytes after the term", 2, b(131, 106, 106));
    assertError("LOCAL_EXT (121) is not supported: it is only valid between nodes of one cluster", 1,
        b(131, 121, 0, 0, 0, 0, 0, 0, 0, 0, 106));
    assertError("ATOM_CACHE_REF (82) is only valid in the distribution protocol", 1, b(131, 82, 0));
    assertError("FUN_EXT (117) is obsolete since OTP 23 and not supported", 1, b(131, 117));
    assertError("COMPRESSED (80) is only allowed right after the version byte", 3,
        b(131, 104, 1, 80, 0, 0, 0, 1));
    assertError("truncated INTEGER_EXT: need 4 bytes, 3 remain", 2, b(131, 98, 0, 0, 0));
    assertError("float is not finite: NaN", 1, b(131, 70, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0));
    assertError("atom is not valid UTF-8", 1, b(131, 119, 2, 0xC3, 0x28));
    assertError("expected an atom for the node of a pid, found tag 97", 2, b(131, 88, 97, 1));
    assertError("duplicate map key", 9, b(131, 116, 0, 0, 0, 2, 97, 1, 106, 97, 1, 106));
    assertError("bad big integer sign byte 2 (expected: 0 or 1)", 3, b(131, 110, 1, 2, 1));
    assertError("reference with 6 id words (expected: 1..5)", 1, b(131, 90, 0, 6));
    assertError("bad zlib data: incorrect header check", 6, b(131, 80, 0, 0, 0, 1, 1, 2, 3));
  }

  @Test
  void builderRejectsNonsense() {
    assertEquals("maxDepth: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> TermLimits.builder().maxDepth(0)).getMessage());
    assertEquals("maxAtomLength: 256 (expected: 1..255)",
        assertThrows(IllegalArgumentException.class, () -> TermLimits.builder().maxAtomLength(256)).getMessage());
  }

}
