package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.RpcException;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.FrameDecoder;

@Timeout(30)
class ChannelWriterTest {
  /** Records what is written; a flush marks the end of one batch. */
  static final class Recording implements ClientTransport {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int writes;
    int flushes;
    IOException failWith;

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      if (failWith != null) {
        throw failWith;
      }
      writes++;
      bytes.write(b, off, len);
    }

    @Override
    public synchronized void flush() {
      flushes++;
      notifyAll();
    }

    @Override
    public void close() {}

    synchronized List<Term> frames(int atLeast) throws Exception {
      long end = System.nanoTime() + 10_000_000_000L;
      while (true) {
        List<Term> got = new ArrayList<>();
        byte[] all = bytes.toByteArray();
        new FrameDecoder(1 << 26).feed(all, 0, all.length, f -> {
          try {
            got.add(TermDecoder.DEFAULT.decode(f));
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
        if (got.size() >= atLeast || System.nanoTime() - end > 0) {
          return got;
        }
        wait(100);
      }
    }
  }

  private final CallTable table = new CallTable();
  private final AtomicReference<RpcException> failure = new AtomicReference<>();
  private final ChannelWriter writer = new ChannelWriter("p", table, failure::set);
  private final Recording out = new Recording();

  @AfterEach
  void stop() {
    writer.stop();
  }

  private static ChannelWriter.Outgoing msg(Term t, PendingCall p) {
    return new ChannelWriter.Outgoing(TermEncoder.DEFAULT.encode(t), p);
  }

  private PendingCall call() {
    PendingCall p = new PendingCall(table.nextId(), "m:f/0", true, null, x -> {});
    table.add(p);
    return p;
  }

  @Test
  void callsBeyondTheInFlightLimitWaitForAPermitAndMessagesWithoutReplyDoNot() throws Exception {
    writer.negotiated(1, false, true);
    writer.start(out);
    PendingCall a = call();
    PendingCall b = call();
    writer.enqueue(msg(Terms.atom("a"), a));
    assertEquals(List.of(Terms.atom("a")), out.frames(1));
    writer.enqueue(msg(Terms.atom("b"), b));
    writer.enqueue(msg(Terms.atom("cancel"), null));
    List<Term> got = out.frames(2);
    assertEquals(List.of(Terms.atom("a"), Terms.atom("cancel")), got, "b held back; the cancel is not");
    assertEquals(PendingCall.NEW, b.state.get());
    writer.releasePermit(); // a's reply
    assertEquals(List.of(Terms.atom("a"), Terms.atom("cancel"), Terms.atom("b")), out.frames(3));
    assertEquals(PendingCall.SENT, b.state.get());
    assertEquals(2, table.framesRemembered(), "frames 1 and 3 carry calls");
    assertEquals(a, table.removeByFrame(1));
    assertEquals(b, table.removeByFrame(3));
  }

  @Test
  void aCallAbandonedWhileHeldIsNeverWritten() throws Exception {
    writer.negotiated(1, false, false);
    writer.start(out);
    PendingCall a = call();
    PendingCall b = call();
    PendingCall c = call();
    writer.enqueue(msg(Terms.atom("a"), a));
    writer.enqueue(msg(Terms.atom("b"), b));
    writer.enqueue(msg(Terms.atom("c"), c));
    out.frames(1);
    assertTrue(b.state.compareAndSet(PendingCall.NEW, PendingCall.ABANDONED));
    writer.releasePermit();
    assertEquals(List.of(Terms.atom("a"), Terms.atom("c")), out.frames(2));
  }

  @Test
  void aBlockingCallerWritesItsOwnFrameWhenTheWriterIsIdle() throws Exception {
    writer.negotiated(4, true, false);
    writer.start(out);
    PendingCall a = call();
    assertTrue(writer.tryWriteNow(msg(Terms.atom("now"), a)));
    assertEquals(List.of(Terms.atom("now")), out.frames(1));
    assertEquals(a, table.nextV1Answer(), "a v1 call is queued for its answer");
  }

  @Test
  void aLargeBodyIsWrittenFromItsOwnArray() throws Exception {
    writer.negotiated(4, false, false);
    writer.start(out);
    Term big = Terms.binary(new String(new char[ChannelWriter.DIRECT_WRITE]).replace('\0', 'x'));
    writer.enqueue(msg(big, call()));
    assertEquals(List.of(big), out.frames(1));
    synchronized (out) {
      assertEquals(2, out.writes, "its header, then its body");
    }
  }

  @Test
  void aWriteFailureIsReportedAsUnavailable() throws Exception {
    writer.negotiated(4, false, false);
    out.failWith = new IOException("broken pipe");
    writer.start(out);
    writer.enqueue(msg(Terms.atom("x"), null));
    for (int i = 0; i < 200 && failure.get() == null; i++) {
      Thread.sleep(25);
    }
    assertEquals("UNAVAILABLE: write to p failed: broken pipe", failure.get().getMessage());
  }
}
