package org.sshrpc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that emulates a long-haul link (this kernel has no {@code netem}): every
 * byte leaves the proxy no earlier than a fixed one-way delay after it arrived, in each direction,
 * and with a bandwidth cap no faster than that rate. Bytes keep their order; end of stream is
 * passed on (half-close) after the data before it; a reset or error closes both sides.
 *
 * <p>Per connection and direction one reader thread stamps each chunk it reads with its departure
 * time ({@code max(arrival, link free) + size / rate + delay}) and queues it; one writer thread
 * sleeps until that time and writes it. Memory is bounded: at most {@code maxQueuedBytes} per
 * direction are held; a reader that would exceed it stops reading (TCP back-pressure on the
 * sender). So the queue bound is itself a window: it must exceed rate x delay for the link to be
 * filled (64 MiB by default: 2.6 GB/s at 25 ms one way).
 */
final class DelayProxy implements AutoCloseable {
  static final int CHUNK = 64 * 1024;
  /** Bytes charged per queued chunk beyond its data (the chunk object), so tiny chunks are bounded too. */
  static final int OVERHEAD = 64;
  static final int DEFAULT_MAX_QUEUED = 64 << 20;

  private final InetSocketAddress target;
  private final long delayNanos;
  private final long bytesPerSecond;
  private final int maxQueuedBytes;
  private final ServerSocket listener;
  private final Thread acceptor;
  private final List<Socket> sockets = new ArrayList<>();
  private volatile boolean closed;
  /** The most bytes ever queued in one direction of one connection (for tests of the bound). */
  private final AtomicLong peakQueued = new AtomicLong();
  /** The smallest (departure - arrival) ever scheduled, in nanoseconds (for tests of the delay). */
  private final AtomicLong minScheduledDelay = new AtomicLong(Long.MAX_VALUE);
  /** The smallest (actual write start - arrival) of any chunk, in nanoseconds. */
  private final AtomicLong minActualDelay = new AtomicLong(Long.MAX_VALUE);

  /**
   * Starts a proxy on an ephemeral loopback port to {@code target}.
   *
   * @param oneWayDelayNanos delay added in each direction (so the RTT grows by twice this)
   * @param bytesPerSecond cap per direction, 0 for none
   * @param maxQueuedBytes bytes held per direction at most
   */
  DelayProxy(InetSocketAddress target, long oneWayDelayNanos, long bytesPerSecond, int maxQueuedBytes) throws IOException {
    if (oneWayDelayNanos < 0 || bytesPerSecond < 0 || maxQueuedBytes < CHUNK + OVERHEAD) {
      throw new IllegalArgumentException("delay " + oneWayDelayNanos + " ns, rate " + bytesPerSecond
          + " B/s, queue " + maxQueuedBytes + " B (expected: delay >= 0, rate >= 0, queue >= " + (CHUNK + OVERHEAD) + ")");
    }
    this.target = target;
    this.delayNanos = oneWayDelayNanos;
    this.bytesPerSecond = bytesPerSecond;
    this.maxQueuedBytes = maxQueuedBytes;
    this.listener = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "delay-proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy with a round-trip time of {@code rttMillis} more than the path it replaces, no cap. */
  static DelayProxy withRtt(int targetPort, double rttMillis) throws IOException {
    return new DelayProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort),
        (long) (rttMillis * 1e6 / 2), 0, DEFAULT_MAX_QUEUED);
  }

  int port() {
    return listener.getLocalPort();
  }

  long peakQueuedBytes() {
    return peakQueued.get();
  }

  long minScheduledDelayNanos() {
    return minScheduledDelay.get();
  }

  long minActualDelayNanos() {
    return minActualDelay.get();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        Socket server = new Socket();
        server.setTcpNoDelay(true);
        server.connect(target, 10_000);
        client.setTcpNoDelay(true);
        synchronized (sockets) {
          if (closed) {
            client.close();
            server.close();
            return;
          }
          sockets.add(client);
          sockets.add(server);
        }
        Link up = new Link(client, server, "up");
        Link down = new Link(server, client, "down");
        up.other = down;
        down.other = up;
        up.start();
        down.start();
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  /** One direction of one connection: reader, bounded queue of stamped chunks, writer. */
  private final class Link {
    private final Socket from;
    private final Socket to;
    private final String name;
    private final BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    private final Semaphore space = new Semaphore(maxQueuedBytes);
    private final AtomicLong queued = new AtomicLong();
    private long linkFreeNanos = System.nanoTime();
    Link other;

    Link(Socket from, Socket to, String name) {
      this.from = from;
      this.to = to;
      this.name = name;
    }

    void start() {
      String id = name + "-" + from.getPort();
      Thread r = new Thread(this::read, "delay-proxy-read-" + id);
      Thread w = new Thread(this::write, "delay-proxy-write-" + id);
      r.setDaemon(true);
      w.setDaemon(true);
      r.start();
      w.start();
    }

    private void read() {
      try {
        InputStream in = from.getInputStream();
        byte[] buf = new byte[CHUNK];
        while (true) {
          int n = in.read(buf);
          long arrival = System.nanoTime();
          if (n < 0) {
            queue.put(new Chunk(null, 0, arrival, arrival + delayNanos));
            return;
          }
          long departure = arrival;
          if (bytesPerSecond > 0) {
            // the link sends one chunk after the other at the capped rate
            linkFreeNanos = Math.max(arrival, linkFreeNanos) + n * 1_000_000_000L / bytesPerSecond;
            departure = linkFreeNanos;
          }
          departure += delayNanos;
          minScheduledDelay.accumulateAndGet(departure - arrival, Math::min);
          space.acquire(n + OVERHEAD); // bounded memory: wait for the writer to drain
          peakQueued.accumulateAndGet(queued.addAndGet(n + OVERHEAD), Math::max);
          queue.put(new Chunk(java.util.Arrays.copyOf(buf, n), n, arrival, departure));
        }
      } catch (IOException | InterruptedException e) {
        closeBoth();
        queue.offer(ABORT); // the writer stops too, whatever it was waiting for
      }
    }

    private void write() {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Chunk c = queue.take();
          if (c == ABORT) {
            return;
          }
          for (long wait; (wait = c.departure - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(wait);
          }
          minActualDelay.accumulateAndGet(System.nanoTime() - c.arrival, Math::min);
          if (c.data == null) {
            to.shutdownOutput(); // end of stream, after everything before it
            finished = true;
            if (other.finished) {
              closeBoth();
            }
            return;
          }
          out.write(c.data, 0, c.length);
          queued.addAndGet(-(c.length + OVERHEAD));
          space.release(c.length + OVERHEAD);
        }
      } catch (IOException | InterruptedException e) {
        closeBoth(); // the reader then fails and stops
      }
    }

    volatile boolean finished;

    private void closeBoth() {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private record Chunk(byte[] data, int length, long arrival, long departure) {}

  private static final Chunk ABORT = new Chunk(null, -1, 0, 0);

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    synchronized (sockets) {
      sockets.forEach(DelayProxy::closeQuietly);
      sockets.clear();
    }
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
