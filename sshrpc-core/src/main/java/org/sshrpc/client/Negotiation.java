package org.sshrpc.client;

import java.io.IOException;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.MessageFormatException;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.Protocol;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerMessage;

/**
 * The client's side of version negotiation: the hello it sends first, and what the server's first
 * frame means. A v2 server echoes a hello with its options (in-flight limit, decode limits,
 * whether it names frames in errors); a v1 server (the seed's) refuses the hello as a request it
 * cannot run ({@code {answer, {{exec_error, _}, -1}}}), and the channel then speaks v1. A pure
 * function of the reply: no state, no lock.
 */
final class Negotiation {
  static final String CLIENT_NAME = "sshrpc-java/0.1";
  /** In-flight limit when a v2 server does not state one. */
  static final int DEFAULT_MAX_IN_FLIGHT = 256;

  /** What the two ends agreed. */
  record Result(int version, ErlMap serverInfo, int maxInFlight, SendLimits limits, boolean frameErrors) {
    static final Result V1 = new Result(Protocol.V1, ErlMap.of(), 1, SendLimits.NONE, false);
  }

  private Negotiation() {}

  /** The client's hello: version 2, its name, and a request to name frames in channel errors. */
  static Hello hello() {
    return new Hello(Hello.VERSION, ErlMap.of(Hello.CLIENT, Terms.binary(CLIENT_NAME), Hello.FRAME_ERRORS, ErlAtom.TRUE));
  }

  /**
   * What the server's reply to the hello means.
   *
   * @throws IOException if it is neither a v2 hello nor the v1 refusal, or offers another version
   */
  static Result of(Term reply, String peer) throws IOException {
    ServerMessage m;
    try {
      m = Messages.parseServerMessage(reply);
    } catch (MessageFormatException e) {
      throw unexpected(reply, peer);
    }
    if (m instanceof Hello h) {
      if (h.version() != Protocol.V2) {
        throw new IOException("server " + peer + " offered unsupported protocol version " + h.version());
      }
      return new Result(
          Protocol.V2,
          h.options(),
          h.positiveInt(Hello.MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT),
          SendLimits.of(h),
          h.isTrue(Hello.FRAME_ERRORS));
    }
    if (m instanceof ServerMessage.Answer a && !a.isOk() && Reason.named(a.reply()) == Reason.EXEC_ERROR) {
      return Result.V1;
    }
    if (m instanceof ServerMessage.ChannelError e) {
      // A channel error instead of a hello: the server cannot serve (e.g. sshrpc stdio whose
      // configuration is wrong: its detail names the file and the reason).
      throw new IOException(
          "the server refused the channel (" + e.code().name() + "): " + Replies.text(e.detail()));
    }
    throw unexpected(reply, peer);
  }

  private static IOException unexpected(Term reply, String peer) {
    return new IOException("unexpected reply to sshrpc_hello from " + peer + ": " + Replies.brief(reply));
  }
}
