package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer can choose map keys whose Java hash codes all collide; because every term class is
 * {@code Comparable}, the decoder's hash map stays logarithmic per key instead of quadratic
 * overall. Without it this test takes minutes and hits its timeout.
 */
class HashFloodTest {
  /** 2^16 distinct 32-byte arrays with one Arrays.hashCode: each byte pair is (x, y) or (x+1, y-31). */
  private static byte[] colliding(int i) {
    byte[] b = new byte[32];
    for (int k = 0; k < 16; k++) {
      boolean alt = (i >>> k & 1) != 0;
      b[2 * k] = (byte) (alt ? 66 : 65);
      b[2 * k + 1] = (byte) (alt ? 97 - 31 : 97); // 31 * 66 + 66 == 31 * 65 + 97
    }
    return b;
  }

  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void collidingBinaryKeysDecodeQuickly() throws Exception {
    int n = 1 << 15;
    int hash = Arrays.hashCode(colliding(0));
    Map<Term, Term> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      byte[] k = colliding(i);
      assertEquals(hash, Arrays.hashCode(k));
      m.put(ErlBinary.of(k), ErlList.NIL);
    }
    assertEquals(n, m.size());
    byte[] enc = TermEncoder.DEFAULT.encode(ErlMap.of(m));
    Term back = TermDecoder.DEFAULT.decode(enc);
    assertEquals(n, ((ErlMap) back).size());
  }
}
