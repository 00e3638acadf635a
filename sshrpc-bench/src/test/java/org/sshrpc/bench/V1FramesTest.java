package org.sshrpc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.Terms;

/** The hand-encoded request frames of the raw clients are exactly what our codec (OTP 25 tags) writes. */
class V1FramesTest {

  private static byte[] body(byte[] frame) {
    int len = ByteBuffer.wrap(frame).getInt();
    assertEquals(frame.length - 4, len, "length prefix");
    return Arrays.copyOfRange(frame, 4, frame.length);
  }

  private static Term mfa(String m, String f, Term... args) {
    return Terms.tuple(Terms.atom("mfa"), Terms.tuple(Terms.atom(m), Terms.atom(f), Terms.list(args)));
  }

  @Test
  void seqRequestIsTheSeedsRequest() {
    byte[] expected = TermEncoder.DEFAULT.encode(mfa("lists", "seq", Terms.integer(1), Terms.integer(100)));
    assertArrayEquals(expected, body(V1Frames.seqRequest()));
  }

  @Test
  void echoRequestCarriesThePayloadAsABinary() {
    byte[] payload = JavaDrivenSubject.filled(1024);
    byte[] expected = TermEncoder.DEFAULT.encode(mfa("bench", "echo", ErlBinary.of(payload)));
    assertArrayEquals(expected, body(V1Frames.echoRequest(payload)));
  }

  @Test
  void emptyEchoRequest() {
    byte[] expected = TermEncoder.DEFAULT.encode(mfa("bench", "echo", ErlBinary.of(new byte[0])));
    assertArrayEquals(expected, body(V1Frames.echoRequest(new byte[0])));
  }
}
