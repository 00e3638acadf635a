package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The delaying proxy against a plain TCP echo: bytes arrive whole and in order, never before the
 * configured delay or faster than the cap (lower bounds only: a loaded machine is slower, never
 * faster), and a receiver that stops reading holds the proxy to its queue bound.
 */
@Timeout(60)
class DelayProxyTest {
  private ServerSocket echo;
  private Thread echoThread;

  /** A TCP echo on loopback, one thread per connection, half-close passed on. */
  private int startEcho(boolean reads) throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    echoThread = new Thread(() -> {
      while (true) {
        Socket s;
        try {
          s = echo.accept();
        } catch (IOException e) {
          return;
        }
        Thread t = new Thread(() -> {
          try (s) {
            if (!reads) {
              Thread.sleep(60_000); // a peer that never reads
              return;
            }
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] b = new byte[8192];
            for (int n; (n = in.read(b)) >= 0; ) {
              out.write(b, 0, n);
            }
            s.shutdownOutput();
          } catch (IOException | InterruptedException e) {
            // connection over
          }
        });
        t.setDaemon(true);
        t.start();
      }
    });
    echoThread.setDaemon(true);
    echoThread.start();
    return echo.getLocalPort();
  }

  @AfterEach
  void stop() throws IOException {
    if (echo != null) {
      echo.close();
    }
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** Sends {@code data} in random-sized writes while reading the echo to its end; returns it. */
  private static byte[] echoThrough(int port, byte[] data, long seed) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(loopback(port));
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          OutputStream out = s.getOutputStream();
          Random rnd = new Random(seed);
          for (int off = 0; off < data.length; ) {
            int n = Math.min(data.length - off, 1 + rnd.nextInt(20_000));
            out.write(data, off, n);
            off += n;
          }
          s.shutdownOutput();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      s.getInputStream().transferTo(got);
      sent.get(30, TimeUnit.SECONDS);
      return got.toByteArray();
    }
  }

  @Test
  void bytesArriveWholeAndInOrderBothWays() throws Exception {
    int port = startEcho(true);
    byte[] data = new byte[3 << 20];
    new Random(1).nextBytes(data);
    try (DelayProxy p = new DelayProxy(loopback(port), 2_000_000, 0, DelayProxy.DEFAULT_MAX_QUEUED)) {
      assertArrayEquals(data, echoThrough(p.port(), data, 2));
      // a second connection through the same proxy
      assertArrayEquals(data, echoThrough(p.port(), data, 3));
    }
    try (DelayProxy capped = new DelayProxy(loopback(port), 1_000_000, 100_000_000, 256 * 1024)) {
      assertArrayEquals(data, echoThrough(capped.port(), data, 4));
    }
  }

  @Test
  void noByteLeavesBeforeTheDelay() throws Exception {
    int port = startEcho(true);
    long delay = 30_000_000; // 30 ms each way
    try (DelayProxy p = new DelayProxy(loopback(port), delay, 0, DelayProxy.DEFAULT_MAX_QUEUED);
        Socket s = new Socket()) {
      s.connect(loopback(p.port()));
      s.setTcpNoDelay(true);
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        s.getOutputStream().write(i);
        assertEquals(i, s.getInputStream().read());
        long rtt = System.nanoTime() - t0;
        assertTrue(rtt >= 2 * delay, "round trip " + rtt + " ns < 2 x " + delay);
      }
      assertTrue(p.minScheduledDelayNanos() >= delay, "scheduled " + p.minScheduledDelayNanos());
      assertTrue(p.minActualDelayNanos() >= delay, "sent after " + p.minActualDelayNanos());
    }
  }

  @Test
  void theCapSpacesTheBytes() throws Exception {
    int port = startEcho(true);
    long rate = 20_000_000; // 20 MB/s each way
    byte[] data = new byte[2_000_000];
    new Random(5).nextBytes(data);
    try (DelayProxy p = new DelayProxy(loopback(port), 0, rate, DelayProxy.DEFAULT_MAX_QUEUED)) {
      long t0 = System.nanoTime();
      assertArrayEquals(data, echoThrough(p.port(), data, 6));
      long elapsed = System.nanoTime() - t0;
      // the last byte cannot leave before data.length / rate after the first arrived
      long floor = data.length * 1_000_000_000L / rate - 2 * DelayProxy.CHUNK * 1_000_000_000L / rate;
      assertTrue(elapsed >= floor, elapsed + " ns < " + floor);
    }
  }

  @Test
  void aReceiverThatStopsReadingHoldsTheProxyToItsBound() throws Exception {
    int port = startEcho(false);
    int bound = 4 * DelayProxy.CHUNK;
    try (DelayProxy p = new DelayProxy(loopback(port), 1_000_000, 0, bound); Socket s = new Socket()) {
      s.connect(loopback(p.port()));
      Thread writer = new Thread(() -> {
        try {
          byte[] mib = new byte[1 << 20];
          for (int i = 0; i < 256; i++) { // 256 MiB: far more than every buffer on the path
            s.getOutputStream().write(mib);
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
      writer.setDaemon(true);
      writer.start();
      // bounded wait for the queue to fill (the kernel's buffers fill first)
      for (int i = 0; i < 100 && p.peakQueuedBytes() < bound - DelayProxy.CHUNK - DelayProxy.OVERHEAD; i++) {
        Thread.sleep(100);
      }
      Thread.sleep(300);
      assertTrue(p.peakQueuedBytes() > 0, "nothing queued");
      assertTrue(p.peakQueuedBytes() <= bound, p.peakQueuedBytes() + " > " + bound);
      assertTrue(writer.isAlive(), "256 MiB went through a proxy holding at most " + bound + " bytes to a peer that never reads");
    }
  }

  @Test
  void badSettingsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DelayProxy(loopback(1), -1, 0, DelayProxy.DEFAULT_MAX_QUEUED));
    assertEquals("delay -1 ns, rate 0 B/s, queue 67108864 B (expected: delay >= 0, rate >= 0, queue >= 65600)", e.getMessage());
  }
}
