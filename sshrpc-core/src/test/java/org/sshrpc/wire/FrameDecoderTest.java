package org.sshrpc.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

  private static byte[] frame(byte[] content) {
    return ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array();
  }

  private static List<byte[]> contents(long seed, int count) {
    Random r = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int len = r.nextInt(5) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 20 : 20_000);
      byte[] b = new byte[len];
      r.nextBytes(b);
      out.add(b);
    }
    return out;
  }

  private static byte[] stream(List<byte[]> contents) {
    ByteArrayOutputStream s = new ByteArrayOutputStream();
    contents.forEach(c -> s.writeBytes(frame(c)));
    return s.toByteArray();
  }

  private static void assertFrames(List<byte[]> expected, List<byte[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "frame " + i);
    }
  }

  @Test
  void byteAtATime() throws Exception {
    List<byte[]> expected = contents(1, 30);
    byte[] all = stream(expected);
    FrameDecoder d = new FrameDecoder(1 << 20);
    List<byte[]> got = new ArrayList<>();
    for (int i = 0; i < all.length; i++) {
      d.feed(all, i, 1, got::add);
    }
    assertFrames(expected, got);
    assertTrue(d.atFrameBoundary());
  }

  @Test
  void randomSplits() throws Exception {
    for (long seed = 0; seed < 50; seed++) {
      List<byte[]> expected = contents(seed, 20);
      byte[] all = stream(expected);
      Random r = new Random(seed * 31);
      FrameDecoder d = new FrameDecoder(1 << 20);
      List<byte[]> got = new ArrayList<>();
      int pos = 0;
      while (pos < all.length) {
        int n = Math.min(all.length - pos, 1 + r.nextInt(r.nextBoolean() ? 7 : 50_000));
        d.feed(all, pos, n, got::add);
        pos += n;
      }
      assertFrames(expected, got);
      assertEquals(0, d.bufferedBytes());
    }
  }

  @Test
  void severalFramesInOneChunk() throws Exception {
    List<byte[]> expected = List.of(new byte[] {1}, new byte[0], new byte[] {2, 3}, new byte[] {4, 5, 6});
    List<byte[]> got = new ArrayList<>();
    byte[] all = stream(expected);
    new FrameDecoder(100).feed(all, 0, all.length, got::add);
    assertFrames(expected, got);
  }

  @Test
  void partialFrameIsHeldAndCounted() throws Exception {
    FrameDecoder d = new FrameDecoder(100);
    List<byte[]> got = new ArrayList<>();
    byte[] f = frame(new byte[] {9, 8, 7});
    d.feed(f, 0, 5, got::add);
    assertEquals(0, got.size());
    assertEquals(5, d.bufferedBytes());
    d.feed(f, 5, 2, got::add);
    assertFrames(List.of(new byte[] {9, 8, 7}), got);
  }

  @Test
  void oversizedHeaderFailsAtHeaderWithLengthAndLimit() throws Exception {
    FrameDecoder d = new FrameDecoder(1000);
    List<byte[]> got = new ArrayList<>();
    byte[] good = frame(new byte[] {1});
    byte[] chunk = ByteBuffer.allocate(good.length + 4).put(good).putInt(0xFFFFFFFF).array();
    FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> d.feed(chunk, 0, chunk.length, got::add));
    assertEquals(1, got.size(), "the good frame before it was delivered");
    assertEquals(0xFFFFFFFFL, e.length());
    assertEquals(1000, e.maxLength());
    assertEquals("frame too large: 4294967295 bytes (expected: <= 1000)", e.getMessage());
    // The stream cannot be framed past it: the decoder stays failed.
    assertThrows(FrameTooLargeException.class, () -> d.feed(new byte[] {0}, 0, 1, got::add));
  }

  @Test
  void oversizedHeaderFedByteAtATime() throws Exception {
    FrameDecoder d = new FrameDecoder(1000);
    byte[] h = ByteBuffer.allocate(4).putInt(1001).array();
    d.feed(h, 0, 1, f -> {});
    d.feed(h, 1, 1, f -> {});
    d.feed(h, 2, 1, f -> {});
    FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> d.feed(h, 3, 1, f -> {}));
    assertEquals(1001, e.length());
  }

  @Test
  void limitIsInclusive() throws Exception {
    List<byte[]> got = new ArrayList<>();
    byte[] f = frame(new byte[10]);
    new FrameDecoder(10).feed(f, 0, f.length, got::add);
    assertEquals(1, got.size());
  }

  @Test
  void stalledLargeFrameHoldsOnlyWhatArrived() throws Exception {
    FrameDecoder d = new FrameDecoder(16 << 20);
    byte[] h = ByteBuffer.allocate(6).putInt(16 << 20).put((byte) 1).put((byte) 2).array();
    d.feed(h, 0, h.length, f -> {});
    assertEquals(6, d.bufferedBytes());
  }

  /** With an admission check, frames around the chunk size come out whole and exact in any split. */
  @org.junit.jupiter.api.Test
  void admittedFramesAreChunkedAndReassembledExactlyInRandomSplits() throws Exception {
    java.util.SplittableRandom r = new java.util.SplittableRandom(42);
    int[] sizes = {0, 1, 5000, 65535, 65536, 65537, 200_000, 131_072};
    for (int round = 0; round < 30; round++) {
      java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
      java.util.List<byte[]> sent = new java.util.ArrayList<>();
      for (int size : sizes) {
        byte[] content = new byte[size];
        for (int i = 0; i < size; i++) {
          content[i] = (byte) r.nextInt(256);
        }
        sent.add(content);
        stream.writeBytes(frame(content));
      }
      java.util.List<Integer> admitted = new java.util.ArrayList<>();
      FrameDecoder d = new FrameDecoder(1 << 20, n -> admitted.add(n));
      java.util.List<byte[]> got = new java.util.ArrayList<>();
      byte[] all = stream.toByteArray();
      int pos = 0;
      while (pos < all.length) {
        int n = Math.min(all.length - pos, 1 + r.nextInt(100_000));
        d.feed(all, pos, n, got::add);
        pos += n;
      }
      org.junit.jupiter.api.Assertions.assertEquals(sent.size(), got.size());
      for (int i = 0; i < sent.size(); i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(sent.get(i), got.get(i), "frame " + i + " round " + round);
      }
      org.junit.jupiter.api.Assertions.assertTrue(d.atFrameBoundary());
    }
  }

  @org.junit.jupiter.api.Test
  void aRefusedFrameFailsTheDecoderForGood() throws Exception {
    FrameDecoder d = new FrameDecoder(1 << 20, n -> n < 1000);
    byte[] big = frame(new byte[5000]);
    FrameRefusedException e =
        org.junit.jupiter.api.Assertions.assertThrows(FrameRefusedException.class, () -> d.feed(big, 0, 10, f -> {}));
    org.junit.jupiter.api.Assertions.assertEquals(5000, e.length());
    org.junit.jupiter.api.Assertions.assertEquals("frame of 5000 bytes refused by the receiver's admission check", e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(FrameRefusedException.class, () -> d.feed(big, 10, 10, f -> {}));
  }

  // The slice sink, which the client's reader uses (it decodes each frame at once, so it needs
  // no copy of a frame that arrived whole). Moved here from the client's former FrameBuffer.

  private static List<byte[]> feedSlices(FrameDecoder d, byte[] data, int[] cuts) throws Exception {
    List<byte[]> got = new ArrayList<>();
    int prev = 0;
    for (int c : cuts) {
      d.feed(data, prev, c - prev, (b, o, l) -> got.add(java.util.Arrays.copyOfRange(b, o, o + l)));
      prev = c;
    }
    d.feed(data, prev, data.length - prev, (b, o, l) -> got.add(java.util.Arrays.copyOfRange(b, o, o + l)));
    return got;
  }

  @Test
  void slicesOfWholeFramesPointIntoTheChunk() throws Exception {
    byte[] all = stream(List.of(new byte[] {1, 2, 3}, new byte[0], new byte[1000]));
    List<Integer> offsets = new ArrayList<>();
    List<byte[]> arrays = new ArrayList<>();
    new FrameDecoder(1 << 20).feed(all, 0, all.length, (FrameDecoder.FrameSink) (b, o, l) -> {
      arrays.add(b);
      offsets.add(o);
    });
    assertEquals(List.of(4, 11, 15), offsets);
    for (byte[] a : arrays) {
      assertTrue(a == all, "no copy of a frame that arrived whole");
    }
  }

  @Test
  void slicesByteAtATimeAndInRandomSplits() throws Exception {
    Random r = new Random(42);
    List<byte[]> expected = contents(7, 20);
    byte[] data = stream(expected);
    int[] every = new int[data.length - 1];
    for (int i = 0; i < every.length; i++) {
      every[i] = i + 1;
    }
    assertFrames(expected, feedSlices(new FrameDecoder(1 << 20), data, every));
    for (int round = 0; round < 50; round++) {
      int[] cuts = r.ints(r.nextInt(30), 0, data.length).sorted().toArray();
      assertFrames(expected, feedSlices(new FrameDecoder(1 << 20), data, cuts));
    }
  }

  @Test
  void slicesOversizedHeaderFailsBeforeAllocating() {
    byte[] header = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0};
    FrameTooLargeException e =
        assertThrows(FrameTooLargeException.class, () -> feedSlices(new FrameDecoder(1024), header, new int[] {1, 2}));
    assertEquals("frame too large: 4294967280 bytes (expected: <= 1024)", e.getMessage());
  }

  @Test
  void aSinkFailureStopsFeedingThere() throws Exception {
    byte[] all = stream(List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}));
    List<Integer> seen = new ArrayList<>();
    java.net.ProtocolException e = assertThrows(java.net.ProtocolException.class, () ->
        new FrameDecoder(100).feed(all, 0, all.length, (FrameDecoder.FrameSink) (b, o, l) -> {
          seen.add((int) b[o]);
          if (b[o] == 2) {
            throw new java.net.ProtocolException("bad term");
          }
        }));
    assertEquals("bad term", e.getMessage());
    assertEquals(List.of(1, 2), seen);
  }
}
