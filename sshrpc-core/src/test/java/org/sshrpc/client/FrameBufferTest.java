package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameBufferTest {
  private static byte[] frames(byte[]... bodies) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] b : bodies) {
      out.write(b.length >>> 24);
      out.write(b.length >>> 16);
      out.write(b.length >>> 8);
      out.write(b.length);
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  private static List<byte[]> feed(FrameBuffer fb, byte[] data, int[] cuts) throws ProtocolException {
    List<byte[]> got = new ArrayList<>();
    int prev = 0;
    for (int c : cuts) {
      fb.feed(data, prev, c - prev, (b, o, l) -> got.add(Arrays.copyOfRange(b, o, o + l)));
      prev = c;
    }
    fb.feed(data, prev, data.length - prev, (b, o, l) -> got.add(Arrays.copyOfRange(b, o, o + l)));
    return got;
  }

  @Test
  void wholeFramesInOneChunk() throws Exception {
    byte[] a = {1, 2, 3};
    byte[] b = {};
    byte[] c = new byte[1000];
    List<byte[]> got = feed(new FrameBuffer(1 << 20), frames(a, b, c), new int[0]);
    assertEquals(3, got.size());
    assertArrayEquals(a, got.get(0));
    assertArrayEquals(b, got.get(1));
    assertArrayEquals(c, got.get(2));
  }

  @Test
  void oneByteAtATimeAndRandomSplits() throws Exception {
    Random r = new Random(42);
    byte[][] bodies = new byte[20][];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = new byte[r.nextInt(300)];
      r.nextBytes(bodies[i]);
    }
    byte[] data = frames(bodies);
    int[] every = new int[data.length - 1];
    for (int i = 0; i < every.length; i++) {
      every[i] = i + 1;
    }
    List<byte[]> got = feed(new FrameBuffer(1 << 20), data, every);
    assertEquals(bodies.length, got.size());
    for (int i = 0; i < bodies.length; i++) {
      assertArrayEquals(bodies[i], got.get(i));
    }
    for (int round = 0; round < 50; round++) {
      int[] cuts = r.ints(r.nextInt(30), 0, data.length).sorted().toArray();
      got = feed(new FrameBuffer(1 << 20), data, cuts);
      assertEquals(bodies.length, got.size());
      for (int i = 0; i < bodies.length; i++) {
        assertArrayEquals(bodies[i], got.get(i));
      }
    }
  }

  @Test
  void oversizedHeaderFailsBeforeAllocating() {
    byte[] header = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0};
    ProtocolException e =
        assertThrows(ProtocolException.class, () -> feed(new FrameBuffer(1024), header, new int[] {1, 2}));
    assertTrue(e.getMessage().contains("4294967280") && e.getMessage().contains("<= 1024"), e.getMessage());
  }
}
