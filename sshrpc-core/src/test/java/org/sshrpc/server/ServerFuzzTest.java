package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.TermFormatException;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.FrameDecoder;
import org.sshrpc.wire.FrameTooLargeException;

/**
 * A bounded, seeded mutation fuzzer of the server's request handling, not only the codec: byte
 * streams from the committed corpus ({@code src/test/resources/fuzz/server/}, v1 and v2 request
 * sequences and hostile framing), mutated at the byte level and frame by frame, are fed in random
 * splits to a real {@link RpcSession} over an in-memory {@link SessionTransport}. After each input
 * the harness completes any partial frame and sends a probe call; the server must answer it or
 * have closed the channel with a reason, no exception may escape {@link RpcSession#feed}, and the
 * reply bytes it queued must stay bounded. A second test fuzzes {@link FrameDecoder} alone against
 * a reference splitter.
 *
 * <p>Bounded for the normal build (about 20 s); a longer run by hand:
 *
 * <pre>
 * mvn -pl sshrpc-core test -Dtest=ServerFuzzTest -Dfuzz.server.seconds=600 -Dfuzz.server.iterations=100000000 -Dfuzz.seed=7
 * </pre>
 *
 * A failure prints the input in hex; add it to the corpus once fixed ({@link #main} rewrites the
 * generated seeds).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerFuzzTest {
  private static final long SEED = Long.getLong("fuzz.seed", 1L);
  private static final int ITERATIONS = Integer.getInteger("fuzz.server.iterations", 20_000);
  private static final long SECONDS = Long.getLong("fuzz.server.seconds", 15L);
  private static final int MAX_FRAME = 64 << 10;
  private static final long MAX_OUT = 64 << 10;
  private static final ErlTuple PROBE = tuple(atom("mfa"), tuple(atom("t"), atom("echo"), list(atom("fuzz_probe"))));

  private static RpcService service;

  @BeforeAll
  static void startService() {
    service =
        RpcService.builder()
            .builtins(false)
            .module(RpcModule.builder("t")
                .function("echo", 1, (ctx, a) -> a.get(0))
                .function("add", 2, (ctx, a) -> Terms.integer(((org.sshrpc.term.ErlInteger) a.get(0)).longValue() + 1))
                .process("loop", 0, (ctx, a) -> (pctx, message) -> {})
                .build())
            .executorThreads(2)
            .maxFrameLength(MAX_FRAME)
            .maxInFlight(16)
            .maxOutboundBytes(MAX_OUT)
            .defaultCallTimeout(java.time.Duration.ofSeconds(5))
            .build();
  }

  @AfterAll
  static void stopService() {
    service.close();
  }

  /** An in-memory transport: writes complete at once (or on another thread), input releases counted. */
  static final class MemoryTransport implements SessionTransport {
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    final FrameDecoder replies = new FrameDecoder(Integer.MAX_VALUE);
    final List<byte[]> frames = new ArrayList<>();
    volatile String closedReason;
    volatile long released;

    @Override
    public void write(byte[] data, int off, int len, WriteCallback done) {
      synchronized (this) {
        written.write(data, off, len);
        try {
          replies.feed(data, off, len, frames::add);
        } catch (FrameTooLargeException e) {
          throw new AssertionError(e);
        }
      }
      done.done(null); // outside the lock, as a real transport's completion would be
    }

    @Override
    public void releaseInput(long bytes) {
      released += bytes;
    }

    @Override
    public void close(String reason) {
      closedReason = reason;
    }

    synchronized String describe() {
      List<String> out = new ArrayList<>();
      for (byte[] f : frames) {
        try {
          out.add(String.valueOf(TermDecoder.DEFAULT.decode(f)));
        } catch (TermFormatException e) {
          out.add("?" + e.getMessage());
        }
      }
      return out.toString();
    }

    synchronized boolean sawProbeAnswer() {
      for (byte[] f : frames) {
        try {
          Term t = TermDecoder.DEFAULT.decode(f);
          if (t.equals(tuple(atom("answer"), tuple(atom("fuzz_probe"), integer(0))))) {
            return true;
          }
        } catch (TermFormatException e) {
          throw new AssertionError("server wrote an undecodable frame", e);
        }
      }
      return false;
    }
  }

  // ------------------------------------------------------------------ corpus

  static byte[] frame(Term t) {
    return HardeningFixture.frame(TermEncoder.DEFAULT.encode(t));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  /** The generated seeds, by file name. */
  static Map<String, byte[]> seeds() {
    Term hello = tuple(atom("sshrpc_hello"), integer(2), Terms.map(atom("client"), ErlBinary.utf8("fuzz")));
    Term echo1 = tuple(atom("mfa"), tuple(atom("t"), atom("echo"), list(integer(1))));
    Term pid = ErlPid.of(atom("sshrpc@localhost"), 1, 0, 0);
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("v1_echo.bin", frame(echo1));
    m.put("v1_flat.bin", frame(tuple(atom("mfa"), atom("t"), atom("echo"), list(atom("x")))));
    m.put("v1_many.bin", concat(frame(echo1), frame(echo1), frame(tuple(atom("mfa"), tuple(atom("t"), atom("add"), list(integer(1), integer(2))))), frame(echo1)));
    m.put("v1_undef.bin", frame(tuple(atom("mfa"), tuple(atom("os"), atom("cmd"), list(Terms.string("id"))))));
    m.put("v1_not_mfa.bin", frame(tuple(atom("call"), atom("init"), atom("stop"), Terms.nil())));
    m.put("v1_bad_args.bin", frame(tuple(atom("mfa"), tuple(atom("t"), atom("echo"), atom("notalist")))));
    m.put("v2_call.bin", concat(frame(hello), frame(tuple(atom("call"), integer(1), atom("t"), atom("echo"), list(integer(7)), atom("infinity")))));
    m.put("v2_call_timeout.bin", concat(frame(hello), frame(tuple(atom("call"), integer(2), atom("t"), atom("echo"), list(integer(7)), integer(100)))));
    m.put("v2_cast.bin", concat(frame(hello), frame(tuple(atom("cast"), atom("t"), atom("echo"), list(integer(1))))));
    m.put("v2_cancel.bin", concat(frame(hello), frame(tuple(atom("call"), integer(3), atom("t"), atom("echo"), list(integer(1)), atom("infinity"))), frame(tuple(atom("cancel"), integer(3)))));
    m.put("v2_dup_id.bin", concat(frame(hello), frame(tuple(atom("call"), integer(4), atom("t"), atom("echo"), list(integer(1)), atom("infinity"))), frame(tuple(atom("call"), integer(4), atom("t"), atom("echo"), list(integer(1)), atom("infinity")))));
    m.put("v2_spawn_send.bin", concat(frame(hello), frame(tuple(atom("spawn"), integer(5), atom("t"), atom("loop"), Terms.nil())), frame(tuple(atom("send"), pid, atom("hi")))));
    m.put("v2_register_whereis.bin", concat(frame(hello), frame(tuple(atom("register"), integer(6), atom("n"), pid)), frame(tuple(atom("whereis"), integer(7), atom("n")))));
    m.put("v2_monitor_mailbox_exit.bin", concat(frame(hello), frame(tuple(atom("monitor"), integer(8), pid)), frame(tuple(atom("mailbox"), integer(9))), frame(tuple(atom("exit"), integer(10), pid, atom("kill")))));
    m.put("v2_hello_twice.bin", concat(frame(hello), frame(hello)));
    m.put("v2_mfa_in_v2.bin", concat(frame(hello), frame(echo1)));
    m.put("v2_bad_ids.bin", concat(frame(hello), frame(tuple(atom("call"), integer(-1), atom("t"), atom("echo"), list(integer(1)), atom("infinity"))), frame(tuple(atom("call"), atom("x"), atom("t"), atom("echo"), Terms.nil(), atom("infinity")))));
    m.put("frame_empty.bin", new byte[] {0, 0, 0, 0});
    m.put("frame_huge_header.bin", new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 131, 106});
    m.put("frame_not_etf.bin", HardeningFixture.frame("hello world".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    m.put("frame_compressed.bin", HardeningFixture.frame(TermEncoder.builder().compressionLevel(6).build().encode(
        tuple(atom("mfa"), tuple(atom("t"), atom("echo"), list(ErlBinary.of(new byte[3000])))))));
    m.put("frame_trailing_bytes.bin", HardeningFixture.frame(concat(TermEncoder.DEFAULT.encode(echo1), new byte[] {106})));
    return m;
  }

  /**
   * {@code --run SECONDS SEED}: a long fuzzing run outside JUnit (prints the number of inputs);
   * otherwise rewrites the generated seeds into {@code args[0]} (the corpus directory).
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("--run")) {
      startService();
      long t0 = System.nanoTime();
      long n = fuzz(Long.parseLong(args[2]), Long.MAX_VALUE, Long.parseLong(args[1]));
      System.out.printf("ServerFuzzTest long run: %d inputs in %.0f s (seed %s), no failure%n",
          n, (System.nanoTime() - t0) / 1e9, args[2]);
      stopService();
      return;
    }
    Path dir = Path.of(args.length > 0 ? args[0] : "sshrpc-core/src/test/resources/fuzz/server");
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : seeds().entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }
  }

  static List<byte[]> corpus() throws IOException, URISyntaxException {
    URL dir = ServerFuzzTest.class.getResource("/fuzz/server");
    assertNotNull(dir, "fuzz/server corpus on the test class path");
    List<byte[]> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
      for (Path p : (Iterable<Path>) files.sorted()::iterator) {
        out.add(Files.readAllBytes(p));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ harness

  /** Splits {@code stream} into complete frames' contents; the rest (a partial frame) is ignored. */
  static List<byte[]> splitFrames(byte[] stream) {
    List<byte[]> out = new ArrayList<>();
    int pos = 0;
    while (stream.length - pos >= 4) {
      long n = ((stream[pos] & 0xFFL) << 24) | ((stream[pos + 1] & 0xFFL) << 16) | ((stream[pos + 2] & 0xFFL) << 8) | (stream[pos + 3] & 0xFFL);
      if (n > stream.length - pos - 4) {
        break;
      }
      out.add(Arrays.copyOfRange(stream, pos + 4, pos + 4 + (int) n));
      pos += 4 + (int) n;
    }
    return out;
  }

  /**
   * What completes the last frame of {@code stream} (zero bytes): {@code close} is true when the
   * completed header declares more than the limit, so the session must close instead of answering.
   */
  record Completion(byte[] bytes, boolean close) {}

  static Completion completion(byte[] stream) {
    int pos = 0;
    while (true) {
      int left = stream.length - pos;
      if (left == 0) {
        return new Completion(new byte[0], false);
      }
      if (left < 4) {
        byte[] h = Arrays.copyOfRange(stream, pos, pos + 4); // zero-padded, as the padding will be
        long n = ((h[0] & 0xFFL) << 24) | ((h[1] & 0xFFL) << 16) | ((h[2] & 0xFFL) << 8) | (h[3] & 0xFFL);
        return n > MAX_FRAME ? new Completion(new byte[4 - left], true) : new Completion(new byte[4 - left + (int) n], false);
      }
      long n = ((stream[pos] & 0xFFL) << 24) | ((stream[pos + 1] & 0xFFL) << 16) | ((stream[pos + 2] & 0xFFL) << 8) | (stream[pos + 3] & 0xFFL);
      if (n > MAX_FRAME) {
        return new Completion(new byte[0], true);
      }
      if (n > left - 4) {
        return new Completion(new byte[(int) (n - (left - 4))], false);
      }
      pos += 4 + (int) n;
    }
  }

  /** Feeds {@code input} to a fresh session in random splits, then the probe; checks the invariants. */
  static void run(Random rnd, byte[] input) throws InterruptedException {
    MemoryTransport t = new MemoryTransport();
    RpcSession s = service.openSession("fuzz", null, null, t);
    try {
      Completion tail = completion(input);
      byte[] all = tail.close() ? concat(input, tail.bytes()) : concat(input, tail.bytes(), frame(PROBE));
      int pos = 0;
      while (pos < all.length) {
        int n = Math.min(all.length - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 4096));
        s.feed(all, pos, n);
        pos += n;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && t.closedReason == null && !t.sawProbeAnswer()) {
        Thread.sleep(1);
      }
      if (t.closedReason == null && !t.sawProbeAnswer()) {
        throw new AssertionError("no answer to the probe and no close within 10 s; replies: " + t.describe()
            + "; session " + s + " held " + s.heldInputBytes() + " released " + t.released + " of " + all.length);
      }
      if (tail.close()) {
        assertNotNull(t.closedReason, "an oversized frame header must close the channel");
      }
      assertTrue(s.maxOutboundBytesSeen() <= MAX_OUT + MAX_FRAME + 4096, "queued " + s.maxOutboundBytesSeen());
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionError("input " + HexFormat.of().formatHex(input) + ": " + e, e);
    } finally {
      s.close();
    }
  }

  static byte[] mutate(Random rnd, byte[] seed, List<byte[]> corpus) {
    if (rnd.nextBoolean()) {
      // Frame-aware: mutate the content of one frame and re-frame, so the ETF and message layers
      // see the damage rather than the framing layer.
      List<byte[]> frames = splitFrames(seed);
      if (!frames.isEmpty()) {
        int k = rnd.nextInt(frames.size());
        frames.set(k, ByteMutator.mutate(rnd, frames.get(k), corpus));
        if (rnd.nextInt(8) == 0) {
          frames.add(rnd.nextInt(frames.size() + 1), frames.get(rnd.nextInt(frames.size())));
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] f : frames) {
          b.writeBytes(HardeningFixture.frame(f));
        }
        return b.toByteArray();
      }
    }
    return ByteMutator.mutate(rnd, seed, corpus);
  }

  // ------------------------------------------------------------------ tests

  @Test
  void corpusIsTheGeneratedSeedsPlusAddedFindings() throws Exception {
    List<byte[]> corpus = corpus();
    for (byte[] seed : seeds().values()) {
      assertTrue(corpus.stream().anyMatch(c -> Arrays.equals(c, seed)), "a generated seed is missing from the corpus; run ServerFuzzTest.main");
    }
    Random rnd = new Random(SEED);
    for (byte[] input : corpus) {
      run(rnd, input);
    }
  }

  @Test
  void mutatedRequestStreamsAreAnsweredOrCloseTheChannel() throws Exception {
    long n = fuzz(SEED, ITERATIONS, SECONDS);
    System.out.println("ServerFuzzTest: " + n + " inputs (seed " + SEED + ")");
    assertTrue(n >= Math.min(ITERATIONS, 500), "only " + n + " inputs ran");
  }

  /** Runs mutated inputs until {@code iterations} or {@code seconds}; returns how many ran. */
  static long fuzz(long seed, long iterations, long seconds) throws Exception {
    List<byte[]> corpus = corpus();
    Random rnd = new Random(seed);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long n = 0;
    for (; n < iterations && System.nanoTime() < end; n++) {
      byte[] in = corpus.get(rnd.nextInt(corpus.size()));
      run(rnd, mutate(rnd, in, corpus));
    }
    return n;
  }

  /**
   * Regression for the deadlock the long fuzzing run found (seed 7): the reader closing the
   * channel for an oversized frame (holding the input lock) while a worker's reply flush closed it
   * too (holding the output lock). The transport forces that interleaving: the reader's close
   * releases a blocked function and waits until its reply is being written.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void closingForAnOversizedFrameWhileAReplyFlushesDoesNotDeadlock() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch replyWriting = new java.util.concurrent.CountDownLatch(1);
    RpcService gated =
        RpcService.builder()
            .builtins(false)
            .module(RpcModule.builder("g").function("gate", 0, (ctx, a) -> {
              release.await();
              return atom("released");
            }).build())
            .executorThreads(1)
            .build();
    try {
      SessionTransport t = new SessionTransport() {
        final java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);

        @Override
        public void write(byte[] data, int off, int len, WriteCallback done) {
          if (Thread.currentThread().getName().startsWith("sshrpc-worker")) {
            replyWriting.countDown();
          }
          done.done(null);
        }

        @Override
        public void releaseInput(long bytes) {}

        @Override
        public void close(String reason) {
          if (first.getAndSet(false)) { // the reader, inside feed(), holding the input lock
            release.countDown();
            try {
              replyWriting.await(10, TimeUnit.SECONDS);
              Thread.sleep(200); // let the worker finish its write and reach its own close
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
      };
      RpcSession s = gated.openSession("fuzz", null, null, t);
      byte[] in = concat(
          frame(tuple(atom("sshrpc_hello"), integer(2), Terms.map())),
          frame(tuple(atom("call"), integer(1), atom("g"), atom("gate"), Terms.nil(), atom("infinity"))),
          new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
      s.feed(in, 0, in.length); // a deadlock never returns: the timeout fails the test
      assertTrue(HardeningFixture.eventually(java.time.Duration.ofSeconds(10), s::isClosed));
    } finally {
      gated.close();
    }
  }

  @Test
  void frameDecoderAgreesWithAReferenceSplitterOnAnySplit() throws Exception {
    List<byte[]> corpus = corpus();
    Random rnd = new Random(SEED);
    int iterations = Integer.getInteger("fuzz.frames.iterations", 100_000);
    for (int i = 0; i < iterations; i++) {
      byte[] stream = ByteMutator.mutate(rnd, corpus.get(rnd.nextInt(corpus.size())), corpus);
      int max = rnd.nextBoolean() ? MAX_FRAME : rnd.nextInt(64);
      // Reference: frames until the first oversized header.
      List<byte[]> expected = new ArrayList<>();
      boolean tooLarge = false;
      int pos = 0;
      while (stream.length - pos >= 4) {
        long n = ((stream[pos] & 0xFFL) << 24) | ((stream[pos + 1] & 0xFFL) << 16) | ((stream[pos + 2] & 0xFFL) << 8) | (stream[pos + 3] & 0xFFL);
        if (n > max) {
          tooLarge = true;
          break;
        }
        if (n > stream.length - pos - 4) {
          break;
        }
        expected.add(Arrays.copyOfRange(stream, pos + 4, pos + 4 + (int) n));
        pos += 4 + (int) n;
      }
      FrameDecoder d = new FrameDecoder(max);
      List<byte[]> got = new ArrayList<>();
      boolean threw = false;
      int at = 0;
      try {
        while (at < stream.length) {
          int n = Math.min(stream.length - at, 1 + rnd.nextInt(16));
          d.feed(stream, at, n, got::add);
          at += n;
          assertTrue(d.bufferedBytes() <= at, "buffered more than fed");
        }
      } catch (FrameTooLargeException e) {
        threw = true;
        assertTrue(e.length() > max);
      }
      String ctx = HexFormat.of().formatHex(stream) + " max " + max;
      assertEquals(tooLarge, threw, ctx);
      assertEquals(expected.size(), got.size(), ctx);
      for (int k = 0; k < expected.size(); k++) {
        assertArrayEquals(expected.get(k), got.get(k), ctx);
      }
    }
  }

  /** Byte-level mutations, shared by both fuzzers. */
  static final class ByteMutator {
    private static final int[] INTERESTING = {0, 1, 2, 4, 80, 97, 98, 99, 100, 104, 105, 106, 107, 108, 109, 110, 111, 116, 118, 119, 127, 128, 131, 255};
    private static final int[] LENGTHS = {0, 1, 4, 255, 256, 65535, 65536, Integer.MAX_VALUE, -1, 1 << 24, MAX_FRAME, MAX_FRAME + 1};

    static byte[] mutate(Random rnd, byte[] seed, List<byte[]> corpus) {
      byte[] b = seed.clone();
      int rounds = 1 + rnd.nextInt(4);
      for (int r = 0; r < rounds; r++) {
        if (b.length < 2) {
          b = corpus.get(rnd.nextInt(corpus.size())).clone();
        }
        int at = rnd.nextInt(b.length);
        switch (rnd.nextInt(9)) {
          case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
          case 1 -> b[at] = (byte) INTERESTING[rnd.nextInt(INTERESTING.length)];
          case 2 -> {
            int v = LENGTHS[rnd.nextInt(LENGTHS.length)];
            for (int k = 0; k < 4 && at + k < b.length; k++) {
              b[at + k] = (byte) (v >>> (24 - 8 * k));
            }
          }
          case 3 -> b = Arrays.copyOf(b, at);
          case 4 -> {
            int n = Math.min(1 + rnd.nextInt(8), b.length - at);
            byte[] c = new byte[b.length - n];
            System.arraycopy(b, 0, c, 0, at);
            System.arraycopy(b, at + n, c, at, b.length - at - n);
            b = c;
          }
          case 5 -> {
            byte[] ins = new byte[1 + rnd.nextInt(8)];
            rnd.nextBytes(ins);
            b = concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
          }
          case 6 -> { // duplicate a range
            int n = Math.min(1 + rnd.nextInt(32), b.length - at);
            b = concat(Arrays.copyOf(b, at + n), Arrays.copyOfRange(b, at, b.length));
          }
          case 7 -> { // splice with another input
            byte[] o = corpus.get(rnd.nextInt(corpus.size()));
            int from = rnd.nextInt(o.length);
            b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(o, from, o.length));
          }
          default -> b = concat(b, corpus.get(rnd.nextInt(corpus.size()))); // append another stream
        }
      }
      return b;
    }
  }
}
