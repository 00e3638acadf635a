package org.sshrpc.client;

import java.net.ProtocolException;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import org.sshrpc.wire.FrameDecoder;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.MessageFormatException;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single reader of one channel: reassembles frames ({@link FrameDecoder}, bounded by the
 * client's frame limit), decodes them, reads each as a {@link ServerMessage} and dispatches it:
 * the hello reply to negotiation, an answer or reply to its call, a delivery to its mailbox, a
 * channel error to the call whose frame it names. Runs on the transport's reader thread (MINA's
 * I/O thread), which delivers one chunk at a time; it holds no lock of its own, and the frame
 * decoder is touched by that thread only.
 */
final class ChannelReader implements ClientTransport.Receiver {
  private static final Logger log = LoggerFactory.getLogger(ChannelReader.class);
  /** Printed terms in log lines are cut at this many characters (bounded work, see TermPrinter). */
  private static final int LOG_TERM_CHARS = 256;

  private final RealRpcChannel channel;
  private final String peer;
  private final Codec codec;
  private final FrameDecoder frames;
  private final CallTable table;
  private final ChannelProcesses processes;

  ChannelReader(RealRpcChannel channel, String peer, ClientRuntime rt, CallTable table, ChannelProcesses processes) {
    this.channel = channel;
    this.peer = peer;
    this.codec = rt.codec;
    this.frames = new FrameDecoder(rt.maxFrameLength);
    this.table = table;
    this.processes = processes;
  }

  @Override
  public void data(byte[] b, int off, int len) {
    if (!channel.isOpen()) {
      return;
    }
    try {
      frames.feed(b, off, len, this::onFrame);
    } catch (ProtocolException e) {
      channel.closeWith(new RpcException(Status.INTERNAL, "bad data from " + peer + ": " + e.getMessage(), null, e));
    } catch (RuntimeException e) {
      // The exception's class only at WARN: its message may quote what the server sent.
      log.warn("closing channel to {}: error handling a frame ({})", peer, e.getClass().getName());
      log.debug("error handling a frame from {}", peer, e);
      channel.closeWith(new RpcException(Status.INTERNAL, "error handling data from " + peer + ": " + e, null, e));
    }
  }

  @Override
  public void closed(Throwable reason) {
    channel.closeWith(
        Replies.unavailable(
            "connection to " + peer + " lost" + (reason == null ? "" : ": " + reason.getMessage()), reason));
  }

  private void onFrame(byte[] buf, int off, int len) throws ProtocolException {
    Term t = codec.decode(buf, off, len);
    int v = channel.protocolVersion();
    if (v == 0) {
      channel.helloReplied(t);
      return;
    }
    ServerMessage m;
    try {
      m = Messages.parseServerMessage(t);
    } catch (MessageFormatException e) {
      if (v == 2 && t instanceof ErlTuple && (((ErlTuple) t).arity() == 3 || ((ErlTuple) t).arity() == 4) && ErlAtom.ERROR.equals(((ErlTuple) t).get(0))) {
        logChannelError(t); // an error we cannot read is still only an error: the channel goes on
        return;
      }
      throw unexpected(v, t);
    }
    if (v == 1) {
      if (!(m instanceof ServerMessage.Answer a)) {
        throw unexpected(v, t);
      }
      answer(a, t);
    } else if (m instanceof ServerMessage.Reply r) {
      reply(r);
    } else if (m instanceof ServerMessage.Deliver d) {
      processes.deliver(d);
    } else if (m instanceof ServerMessage.ChannelError e) {
      channelError(e, t);
    } else if (m instanceof ServerMessage.Answer || m instanceof Hello) {
      throw unexpected(v, t);
    }
  }

  private ProtocolException unexpected(int version, Term t) {
    return new ProtocolException(
        version == 1
            ? "expected {answer, {Reply, Status}} from v1 server, got " + Replies.brief(t)
            : "unexpected message from " + peer + ": " + Replies.brief(t));
  }

  /** A v1 answer: to the oldest call written, since a v1 server answers in order. */
  private void answer(ServerMessage.Answer a, Term t) throws ProtocolException {
    PendingCall p = table.nextV1Answer();
    if (p == null) {
      throw new ProtocolException("answer without a request from " + peer + ": " + Replies.brief(t));
    }
    channel.releasePermit();
    if (a.isOk()) {
      channel.deliver(p, a.reply());
    } else {
      channel.fail(p, Replies.error(p.what, a.reason()));
    }
  }

  private void reply(ServerMessage.Reply r) throws ProtocolException {
    PendingCall p = table.remove(r.id());
    if (p == null) {
      throw new ProtocolException("reply to unknown id " + r.id() + " from " + peer);
    }
    channel.releasePermit();
    if (r.ok()) {
      channel.deliver(p, r.value());
    } else {
      channel.fail(p, Replies.error(p.what, r.value()));
    }
  }

  /**
   * A channel-level error: when it names the frame of a request still waiting, that request was
   * refused (not run) and fails now; the channel goes on serving the others. Anything else (the
   * 3-tuple of a server that names no frame, a frame that carried no request) is only logged.
   */
  private void channelError(ServerMessage.ChannelError e, Term t) {
    PendingCall p = e.hasFrame() ? table.removeByFrame(e.frame()) : null;
    if (p == null) {
      logChannelError(t);
      return;
    }
    if (log.isDebugEnabled()) {
      log.debug("server {} refused frame {} ({}): {}", peer, e.frame(), p.what, TermPrinter.print(t, LOG_TERM_CHARS));
    }
    channel.releasePermit();
    channel.fail(p, Replies.refused(p.what, e.code(), e.detail()));
  }

  private void logChannelError(Term t) {
    // The code (an atom such as overloaded) at WARN; the details, which may quote a request,
    // only at DEBUG and bounded.
    log.warn("server {} reported a channel error: {}", peer, TermPrinter.print(((ErlTuple) t).get(1), LOG_TERM_CHARS));
    if (log.isDebugEnabled()) {
      log.debug("channel error from {}: {}", peer, TermPrinter.print(t, LOG_TERM_CHARS));
    }
  }
}
