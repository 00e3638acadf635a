package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.tuple;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlMap;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.ServerMessage;

class NegotiationTest {
  @Test
  void theClientsHelloAsksForFrameErrors() {
    Hello h = Negotiation.hello();
    assertEquals(2, h.version());
    assertEquals(binary("sshrpc-java/0.1"), h.options().get(Hello.CLIENT));
    assertTrue(h.isTrue(Hello.FRAME_ERRORS));
  }

  @Test
  void aV2HelloGivesItsLimits() throws Exception {
    ErlMap opts = ErlMap.of(Hello.MAX_IN_FLIGHT, integer(7), Hello.FRAME_ERRORS, ErlAtom.TRUE, Hello.MAX_DEPTH, integer(3));
    Negotiation.Result r = Negotiation.of(new Hello(2, opts).toTerm(), "p");
    assertEquals(2, r.version());
    assertEquals(7, r.maxInFlight());
    assertTrue(r.frameErrors());
    assertEquals(opts, r.serverInfo());
    assertTrue(r.limits() != SendLimits.NONE);
  }

  @Test
  void aV2HelloWithoutOptionsTakesTheDefaults() throws Exception {
    Negotiation.Result r = Negotiation.of(new Hello(2, ErlMap.of()).toTerm(), "p");
    assertEquals(Negotiation.DEFAULT_MAX_IN_FLIGHT, r.maxInFlight());
    assertFalse(r.frameErrors());
  }

  @Test
  void theSeedsRefusalMeansV1() throws Exception {
    Negotiation.Result r =
        Negotiation.of(ServerMessage.Answer.error(tuple(atom("exec_error"), atom("sshrpc_hello"))).toTerm(), "p");
    assertSame(Negotiation.Result.V1, r);
    assertEquals(1, r.maxInFlight());
  }

  @Test
  void aChannelErrorInsteadOfAHelloIsTheServersReasonForRefusing() {
    IOException e = assertThrows(IOException.class, () -> Negotiation.of(
        new ServerMessage.ChannelError(atom("unavailable"), binary("sshrpc stdio: policy.txt: No such file or directory")).toTerm(), "p"));
    assertEquals(
        "the server refused the channel (unavailable): sshrpc stdio: policy.txt: No such file or directory",
        e.getMessage());
  }

  @Test
  void anythingElseFailsNamingIt() {
    IOException v3 = assertThrows(IOException.class, () -> Negotiation.of(new Hello(3, ErlMap.of()).toTerm(), "p"));
    assertEquals("server p offered unsupported protocol version 3", v3.getMessage());
    IOException junk = assertThrows(IOException.class, () -> Negotiation.of(atom("hello"), "p"));
    assertEquals("unexpected reply to sshrpc_hello from p: hello", junk.getMessage());
    IOException ok = assertThrows(IOException.class, () -> Negotiation.of(ServerMessage.Answer.ok(atom("x")).toTerm(), "p"));
    assertEquals("unexpected reply to sshrpc_hello from p: {answer,{x,0}}", ok.getMessage());
  }
}
