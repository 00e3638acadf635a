package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.TermLimits;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;

/**
 * Channel errors and the frame they name (docs/protocol.md, "Channel errors"): a client that
 * opts in with {@code frame_errors => true} learns which of its frames the server could not take;
 * one that does not gets the seed-era 3-tuple, byte for byte.
 */
@Timeout(30)
class FrameErrorsTest {
  private static final ErlMap OPT_IN = ErlMap.of(atom("client"), binary("test"), Hello.FRAME_ERRORS, atom("true"));
  private static final ErlMap OLD_CLIENT = ErlMap.of(atom("client"), binary("test"));

  private final PipeTransport pipe = new PipeTransport();
  private RpcSession session;

  private Hello open(RpcService.Builder b, ErlMap helloOptions) throws Exception {
    session = b.build().openSession("alice", "SHA256:abc", null, pipe);
    send(new Hello(2, helloOptions).toTerm());
    return (Hello) Messages.parseServerMessage(pipe.take());
  }

  private void send(Term t) {
    byte[] b = PipeTransport.frame(t);
    session.feed(b, 0, b.length);
  }

  private void sendRaw(byte[] etf) {
    byte[] f = ByteBuffer.allocate(4 + etf.length).putInt(etf.length).put(etf).array();
    session.feed(f, 0, f.length);
  }

  private static Term call(long id, Term arg) {
    return new ClientMessage.Call(id, atom("sshrpc"), atom("echo"), list(arg), ClientMessage.Call.INFINITY).toTerm();
  }

  private static Term nested(int levels) {
    Term t = atom("x");
    for (int i = 0; i < levels; i++) {
      t = tuple(t);
    }
    return t;
  }

  private static RpcService.Builder limited() {
    return RpcService.builder()
        .maxFrameLength(10_000)
        .termLimits(
            TermLimits.builder().maxDepth(50).maxAtomLength(100).maxBinaryBytes(4000).maxDecompressedBytes(10_000).build());
  }

  @Test
  void helloAdvertisesTheDecodeLimitsAndAcceptsTheOptIn() throws Exception {
    Hello h = open(limited().maxInFlight(7), OPT_IN);
    assertEquals(7, h.positiveInt(Hello.MAX_IN_FLIGHT, -1));
    assertEquals(10_000, h.positiveInt(Hello.MAX_FRAME, -1));
    assertEquals(50, h.positiveInt(Hello.MAX_DEPTH, -1));
    assertEquals(100, h.positiveInt(Hello.MAX_ATOM_LENGTH, -1));
    assertEquals(4000, h.positiveInt(Hello.MAX_BINARY, -1));
    assertEquals(atom("true"), h.options().get(Hello.FRAME_ERRORS));
  }

  @Test
  void withoutTheOptInTheErrorIsTheOldThreeTupleAndTheHelloDoesNotClaimFrameErrors() throws Exception {
    Hello h = open(limited(), OLD_CLIENT);
    assertFalse(h.options().entries().containsKey(Hello.FRAME_ERRORS));
    send(call(1, nested(60)));
    assertEquals(
        tuple(atom("error"), atom("badframe"), binary("nesting depth 51 exceeds maxDepth (50) at offset 129")),
        pipe.take());
    send(call(2, atom("still")));
    assertEquals(ServerMessage.Reply.ok(2, atom("still")).toTerm(), pipe.take());
  }

  @Test
  void everyFrameCountsAndTheErrorNamesTheOneItIsAbout() throws Exception {
    open(limited(), OPT_IN); // frame 1
    send(call(1, atom("a"))); // 2
    assertEquals(ServerMessage.Reply.ok(1, atom("a")).toTerm(), pipe.take());
    send(new ClientMessage.Cast(atom("sshrpc"), atom("ping"), list()).toTerm()); // 3, no reply
    send(call(2, nested(60))); // 4: too deep
    assertEquals(
        tuple(
            atom("error"),
            atom("badframe"),
            binary("nesting depth 51 exceeds maxDepth (50) at offset 129"),
            tuple(atom("frame"), integer(4))),
        pipe.take());
    send(tuple(atom("call"), atom("noid"))); // 5: no readable id
    ServerMessage.ChannelError bad = (ServerMessage.ChannelError) Messages.parseServerMessage(pipe.take());
    assertEquals(atom("badrequest"), bad.code());
    assertEquals(5, bad.frame());
    // 6: compressed, small on the wire, declaring more than the server inflates.
    // Random bytes: within the server's compression-ratio bound, over its decompressed-size limit.
    byte[] noise = new byte[50_000];
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (byte) r.nextInt(2); // ~1 bit a byte: compresses about 7:1
    }
    byte[] bomb = TermEncoder.builder().compressionLevel(6).build().encode(call(3, ErlBinary.of(noise)));
    sendRaw(bomb);
    assertEquals(
        tuple(
            atom("error"),
            atom("badframe"),
            binary("decompressed size 50049 exceeds maxDecompressedBytes (10000) at offset 2"),
            tuple(atom("frame"), integer(6))),
        pipe.take());
    send(call(4, atom("after"))); // 7: the channel still serves
    assertEquals(ServerMessage.Reply.ok(4, atom("after")).toTerm(), pipe.take());
  }

  @Test
  void anOversizedFrameIsNamedByTheNumberItWouldHaveHad() throws Exception {
    open(limited(), OPT_IN); // 1
    send(call(1, atom("a"))); // 2
    assertEquals(ServerMessage.Reply.ok(1, atom("a")).toTerm(), pipe.take());
    byte[] header = ByteBuffer.allocate(4).putInt(20_000).array(); // 3
    session.feed(header, 0, 4);
    assertEquals(
        tuple(
            atom("error"),
            atom("frame_too_large"),
            tuple(integer(20_000), integer(10_000)),
            tuple(atom("frame"), integer(3))),
        pipe.take());
  }

  @Test
  void aFrameTheMemoryBudgetRefusesIsNamedAsOverloaded() throws Exception {
    open(RpcService.builder().memoryBudget(64 << 20, 8 << 20, 1 << 20).maxFrameLength(16 << 20), OPT_IN); // 1
    send(call(1, atom("a"))); // 2
    assertEquals(ServerMessage.Reply.ok(1, atom("a")).toTerm(), pipe.take());
    byte[] header = ByteBuffer.allocate(4).putInt(3 << 20).array(); // 3: reserved when its header arrives
    session.feed(header, 0, 4);
    ServerMessage.ChannelError e = (ServerMessage.ChannelError) Messages.parseServerMessage(pipe.take());
    assertEquals(atom("overloaded"), e.code());
    assertEquals(3, e.frame());
    org.sshrpc.term.ErlTuple d = (org.sshrpc.term.ErlTuple) e.detail();
    assertEquals(atom("memory"), d.get(0));
    assertEquals(integer(3 << 20), d.get(1));
  }
}
