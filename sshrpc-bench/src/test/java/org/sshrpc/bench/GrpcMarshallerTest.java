package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The hand-written gRPC marshallers round-trip and reject truncated input. */
class GrpcMarshallerTest {
  private final GrpcBench.IntsMarshaller ints = new GrpcBench.IntsMarshaller();

  @Test
  void intsRoundTrip() {
    int[] v = {0, 1, -1, 100, 127, 128, Integer.MAX_VALUE, Integer.MIN_VALUE};
    assertArrayEquals(v, ints.parse(ints.stream(v)));
  }

  @Test
  void seqReplyIsCompact() throws IOException {
    int[] v = new int[100];
    for (int i = 0; i < 100; i++) {
      v[i] = i + 1;
    }
    // count (1 byte) + 1..63 in one byte each + 64..100 in two (zig-zag doubles them)
    assertEquals(1 + 63 + 37 * 2, ints.stream(v).readAllBytes().length);
  }

  @Test
  void truncatedIntsAreRejected() {
    byte[] b = {2, 2}; // two integers announced, one present
    assertEquals("truncated varint at offset 2",
        assertThrows(IllegalArgumentException.class, () -> ints.parse(new ByteArrayInputStream(b))).getMessage());
    byte[] big = {5, 2}; // a count larger than the message cannot be allocated for
    assertEquals("int count 5 exceeds message size 2",
        assertThrows(IllegalArgumentException.class, () -> ints.parse(new ByteArrayInputStream(big))).getMessage());
  }

  @Test
  void bytesRoundTrip() {
    GrpcBench.BytesMarshaller m = new GrpcBench.BytesMarshaller();
    byte[] b = JavaDrivenSubject.filled(5000);
    assertArrayEquals(b, m.parse(m.stream(b)));
  }
}
