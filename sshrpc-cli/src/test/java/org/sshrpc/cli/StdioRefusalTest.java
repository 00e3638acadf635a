package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.TermParser;

/** What a misconfigured {@code sshrpc stdio} answers to a client's first frame. */
class StdioRefusalTest {
  private static byte[] frame(String term) {
    byte[] body = TermEncoder.DEFAULT.encode(TermParser.parseTerm(term));
    return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
  }

  private static String answer(byte[] in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StdioRefusal.answer(new ByteArrayInputStream(in), out, "sshrpc stdio: p.conf: No such file or directory");
    byte[] b = out.toByteArray();
    if (b.length == 0) {
      return "";
    }
    assertEquals(b.length - 4, ByteBuffer.wrap(b).getInt());
    Term t = TermDecoder.DEFAULT.decode(Arrays.copyOfRange(b, 4, b.length));
    return org.sshrpc.term.TermPrinter.print(t);
  }

  @Test
  void v2HelloGetsAChannelError() throws Exception {
    assertEquals(
        "{error,unavailable,<<\"sshrpc stdio: p.conf: No such file or directory\">>}",
        answer(frame("{sshrpc_hello, 2, #{frame_errors => true}}")));
  }

  @Test
  void v1RequestGetsAFailedAnswer() throws Exception {
    assertEquals(
        "{answer,{{exec_badrpc,{'EXIT',{sshrpc_unavailable,<<\"sshrpc stdio: p.conf: No such file or directory\">>}}},-1}}",
        answer(frame("{mfa, {lists, seq, [1, 2]}}")));
  }

  @Test
  void anythingElseGetsNothing() throws Exception {
    assertEquals("", answer(new byte[0]));
    assertEquals("", answer(new byte[] {0, 0, 0}));
    assertEquals("", answer(frame("hello")));
    assertEquals("", answer(ByteBuffer.allocate(4).putInt(StdioRefusal.MAX_FRAME + 1).array()));
  }
}
