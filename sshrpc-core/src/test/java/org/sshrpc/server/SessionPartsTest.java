package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.ServerMessage;

/**
 * The parts of one channel, each on its own: the reply writer (coalescing, bounded sends), the v1
 * sequencer (order), the input gate (window release) and closing (its typed cause).
 */
@Timeout(30)
class SessionPartsTest {
  private final CountDownLatch gate = new CountDownLatch(1);
  private RpcService service;
  private PipeTransport pipe;
  private RpcSession session;

  private void open() {
    RpcModule t =
        RpcModule.builder("t")
            .function("gate", 0, (ctx, a) -> {
              gate.await();
              return atom("opened");
            })
            .build();
    service = RpcService.builder().module(t).build();
    pipe = new PipeTransport();
    session = service.openSession("alice", null, null, pipe);
  }

  @AfterEach
  void close() {
    gate.countDown();
    if (service != null) {
      service.close();
    }
  }

  @Test
  void writerHoldsRepliesWhileInputIsProcessedThenWritesThemTogether() throws Exception {
    open();
    ReplyWriter out = session.out;
    out.holdWrites();
    out.send(atom("a"));
    out.send(atom("b"));
    out.send(atom("c"));
    assertEquals(0, pipe.writes.get(), "nothing written while held");
    assertTrue(out.outboundBytes() > 0);
    out.releaseWrites();
    assertEquals(1, pipe.writes.get(), "one write for the three replies");
    assertEquals(atom("a"), pipe.take());
    assertEquals(atom("b"), pipe.take());
    assertEquals(atom("c"), pipe.take());
    assertEquals(0, out.outboundBytes(), "the completion gave the bytes back");
  }

  @Test
  void writerReplacesAReplyOverThePeersFrameLimitBeforeEncodingIt() throws Exception {
    open();
    session.out.peerMaxFrame(100);
    Term big = ErlBinary.of(new byte[1000]);
    long[] sizeSeen = new long[1];
    boolean sent =
        session.out.sendBounded(big, size -> {
          sizeSeen[0] = size;
          return atom("replaced");
        });
    assertFalse(sent);
    assertTrue(sizeSeen[0] > 100, "the fallback is told the size is over the limit: " + sizeSeen[0]);
    assertEquals(atom("replaced"), pipe.take());
    assertNull(pipe.received.poll());
  }

  @Test
  void writerDropsRepliesOnceClosed() throws Exception {
    open();
    session.close();
    session.out.send(atom("late"));
    assertEquals(0, pipe.writes.get());
    assertEquals(0, session.account.charged(), "nothing stays charged");
  }

  @Test
  void v1SequencerAnswersInRequestOrderBehindARunningCall() throws Exception {
    open();
    session.v1.enqueue(V1Sequencer.Job.call(ClientMessage.Mfa.of("t", "gate", ErlList.NIL), 0));
    session.v1.enqueue(V1Sequencer.Job.error(ErlTuple.of(atom("exec_error"), atom("second"))));
    assertTrue(session.v1.busy());
    assertNull(pipe.received.poll(100, TimeUnit.MILLISECONDS), "the second waits for the first");
    gate.countDown();
    assertEquals(ServerMessage.Answer.ok(atom("opened")).toTerm(), pipe.take());
    assertEquals(ServerMessage.Answer.error(ErlTuple.of(atom("exec_error"), atom("second"))).toTerm(), pipe.take());
    for (int i = 0; i < 1000 && session.v1.busy(); i++) {
      Thread.sleep(1);
    }
    assertFalse(session.v1.busy());
  }

  @Test
  void inputGateReleasesTheWindowOfEveryAcceptedByteAcrossSplits() throws Exception {
    open();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PipeTransport.frame(ClientMessage.Mfa.of("sshrpc", "ping", ErlList.NIL).toTerm()));
    b.writeBytes(PipeTransport.frame(ClientMessage.Mfa.of("sshrpc", "ping", ErlList.NIL).toTerm()));
    byte[] all = b.toByteArray();
    int cut1 = 3; // inside the first header
    int cut2 = all.length - 5; // inside the second body
    session.feed(all, 0, cut1);
    session.feed(all, cut1, cut2 - cut1);
    session.feed(all, cut2, all.length - cut2);
    Term pong = ServerMessage.Answer.ok(ErlAtom.of("pong")).toTerm();
    assertEquals(pong, pipe.take());
    assertEquals(pong, pipe.take());
    assertEquals(all.length, session.releasedInputBytes());
    assertEquals(all.length, pipe.released.get());
    assertEquals(0, session.heldInputBytes());
  }

  @Test
  void closingKeepsItsTypedCause() throws Exception {
    open();
    assertNull(session.closeCause(), "open");
    session.inputClosed();
    assertTrue(session.isClosed());
    assertEquals(CloseCause.CLIENT_EOF, session.closeCause());
    assertEquals("client sent EOF", pipe.closedReason);

    PipeTransport other = new PipeTransport();
    RpcSession tooLarge = service.openSession("alice", null, null, other);
    byte[] header = {(byte) 0x7f, 0, 0, 0};
    tooLarge.feed(header, 0, header.length);
    assertEquals(CloseCause.PROTOCOL_ERROR, tooLarge.closeCause());

    RpcSession dropped = service.openSession("alice", null, null, new PipeTransport());
    dropped.close();
    assertEquals(CloseCause.CLOSED, dropped.closeCause());
  }
}
