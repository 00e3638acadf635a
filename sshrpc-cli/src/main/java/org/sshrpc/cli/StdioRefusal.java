package org.sshrpc.cli;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.Terms;

/**
 * The answer of an {@code sshrpc stdio} that cannot serve (its configuration is wrong): the
 * client's first frame gets the reason as a channel error, {@code {error, unavailable,
 * <<"sshrpc stdio: FILE: reason">>}} to a v2 hello, {@code {answer, {{exec_badrpc, {'EXIT',
 * {sshrpc_unavailable, <<...>>}}}, -1}}} to a v1 request; then the channel ends.
 *
 * <p>Why over stdout: OpenSSH's sshd does not forward a subsystem's stderr to the client, so a
 * frame is the only way the client learns more than "connection lost". Bounded: one frame of at
 * most {@value #MAX_FRAME} bytes, read within {@value #WAIT_SECONDS} s; anything else gets nothing.
 */
final class StdioRefusal {
  static final int MAX_FRAME = 64 * 1024;
  static final int WAIT_SECONDS = 10;

  private StdioRefusal() {}

  static void answer(InputStream in, OutputStream out, String why) {
    CompletableFuture<Term> first = CompletableFuture.supplyAsync(() -> readFirst(in));
    Term request;
    try {
      request = first.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      return; // no frame in time, or none at all: the channel just ends
    }
    if (!(request instanceof ErlTuple)) {
      return;
    }
    ErlTuple t = (ErlTuple) request;
    Term reply;
    if (t.isTagged("sshrpc_hello", 3)) {
      reply = Terms.tuple(Terms.atom("error"), Terms.atom("unavailable"), Terms.binary(why));
    } else if (t.isTagged("mfa", 2) || t.isTagged("mfa", 4)) {
      reply =
          Terms.tuple(
              Terms.atom("answer"),
              Terms.tuple(
                  Terms.tuple(
                      Terms.atom("exec_badrpc"),
                      Terms.tuple(Terms.atom("EXIT"), Terms.tuple(Terms.atom("sshrpc_unavailable"), Terms.binary(why)))),
                  Terms.integer(-1)));
    } else {
      return;
    }
    byte[] body = TermEncoder.DEFAULT.encode(reply);
    try {
      out.write(ByteBuffer.allocate(4).putInt(body.length).array());
      out.write(body);
      out.flush();
    } catch (IOException e) {
      // the client went away: nothing more to tell it
    }
  }

  private static Term readFirst(InputStream in) {
    try {
      DataInputStream d = new DataInputStream(in);
      int n = d.readInt();
      if (n <= 0 || n > MAX_FRAME) {
        return null;
      }
      byte[] b = new byte[n];
      d.readFully(b);
      return TermDecoder.DEFAULT.decode(b);
    } catch (IOException e) {
      return null;
    }
  }
}
