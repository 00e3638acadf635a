package org.sshrpc.server;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermFormatException;
import org.sshrpc.term.TermLimits;
import org.sshrpc.term.TermPrinter;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.FrameDecoder;
import org.sshrpc.wire.FrameTooLargeException;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.MessageFormatException;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerTerms;
import org.sshrpc.wire.ServerMessage;

/**
 * Turns one complete frame into a request and routes it: the compression-ratio check, the decode
 * estimate charged to the memory budget before decoding, the ETF decode, the channel's protocol
 * (v1 unless its first frame is {@code sshrpc_hello}), the hello, message parsing, and the error
 * replies of frames and requests that cannot be served. Requests go to the {@link V1Sequencer}
 * or the {@link V2Dispatcher}.
 *
 * <p>Not thread-safe on its own: it runs under the {@link InputGate}'s lock, on whichever thread
 * processes input then (the I/O thread feeding, or a worker, write-completion or deadline-timer
 * thread draining held frames).
 */
final class RequestReader {
  private static final Logger LOG = LoggerFactory.getLogger(RequestReader.class);

  /** Characters of a request's printout in a {@code truncated} summary. */
  static final int PREVIEW_CHARS = 120;

  /**
   * Memory charged per byte of a request while it is decoded and processed: the decoded term
   * takes more heap than its encoding (object headers, references).
   */
  static final int DECODE_FACTOR = 2;

  /** Largest ratio of a compressed request's declared size to its frame size that is inflated. */
  static final int MAX_COMPRESSION_RATIO = 64;

  enum Mode {
    UNDECIDED,
    V1,
    V2
  }

  private final RpcSession session;
  private final RpcService service;
  private volatile Mode mode = Mode.UNDECIDED;
  // Frames processed so far; the one being processed is number framesProcessed (1-based).
  private long framesProcessed;
  // Budget charged for the decoded request being dispatched now; whoever keeps the request
  // (a v1 job, a call on a worker) takes it over, the rest is released when dispatch ends.
  private long requestCharge;

  /**
   * Set by {@link #hello} when the client's hello has {@code frame_errors => true}: channel errors
   * then name their frame. Volatile because a frame that closes the channel can be reported from a
   * timer thread.
   */
  private volatile boolean frameErrors;

  RequestReader(RpcSession session) {
    this.session = session;
    this.service = session.service;
  }

  Mode mode() {
    return mode;
  }

  /** Processes one complete frame, then gives back its budget. */
  void process(byte[] frame) {
    framesProcessed++;
    MemoryBudget.Account account = session.account;
    try {
      String ratio = compressionRatioProblem(frame);
      if (ratio != null) {
        badFrame(ratio);
        return;
      }
      long est = decodeEstimate(frame);
      if (!account.tryCharge(est)) {
        requestRefused(frame, est);
        return;
      }
      requestCharge = est;
      processCharged(frame);
    } finally {
      account.release(FrameDecoder.HEADER_LENGTH + (long) frame.length);
      account.release(requestCharge);
      requestCharge = 0;
    }
  }

  /**
   * Why a compressed request is refused before it is inflated, or null: one that declares more
   * than {@link #MAX_COMPRESSION_RATIO} times its own size. Inflating (and then decoding) costs
   * I/O-thread time per byte produced, so without this a client's 8 KB frame costs the node the
   * work of an 8 MiB one, before any policy check can refuse it. Terms compressed by OTP's
   * {@code term_to_binary(T, [compressed])} from ordinary data stay far below the bound.
   */
  private static String compressionRatioProblem(byte[] frame) {
    long declared = declaredSize(frame);
    if (declared > (long) MAX_COMPRESSION_RATIO * frame.length) {
      return "compressed term declares " + declared + " bytes from " + frame.length + " (ratio "
          + declared / frame.length + ", expected: <= " + MAX_COMPRESSION_RATIO + ")";
    }
    return null;
  }

  /** The request's budget, handed to whoever keeps the decoded request (a v1 job, a call). */
  long takeRequestCharge() {
    long c = requestCharge;
    requestCharge = 0;
    return c;
  }

  /**
   * Memory charged for decoding and keeping one request: {@link #DECODE_FACTOR} times its size,
   * the declared decompressed size for a compressed term (the decoder refuses one declaring more
   * than its limit before inflating anything).
   */
  private long decodeEstimate(byte[] frame) {
    long declared = declaredSize(frame);
    return DECODE_FACTOR * Math.max(frame.length, Math.min(declared, service.maxFrameLength()));
  }

  /**
   * The decompressed size a compressed term (ETF 131, 80, Size:32) declares, or -1 for a frame
   * that is not one.
   */
  private static long declaredSize(byte[] frame) {
    if (frame.length < 6 || (frame[0] & 0xFF) != 131 || frame[1] != 80) {
      return -1;
    }
    return ((frame[2] & 0xFFL) << 24) | ((frame[3] & 0xFF) << 16) | ((frame[4] & 0xFF) << 8) | (frame[5] & 0xFF);
  }

  /** A request the memory budget cannot take now: refused before it is decoded. */
  private void requestRefused(byte[] frame, long est) {
    MemoryBudget.Refusal r = session.account.lastRefusal();
    String why = "request of " + frame.length + " bytes refused: " + r;
    AuditLog.badRequest(session.user, session.keyFingerprint, session.remoteAddress, "overloaded: " + why);
    service.metrics().frameError("overloaded");
    if (mode == Mode.V2) {
      channelError(Reason.OVERLOADED, ServerTerms.memory(est, Math.max(0, r.limit() - r.used())), framesProcessed);
    } else {
      session.v1.enqueue(V1Sequencer.Job.error(execError(ErlTuple.of(Reason.OVERLOADED.atom(), ErlBinary.utf8(why)))));
    }
  }

  /** The seed's {@code {exec_error, Term}}. */
  private static Term execError(Term t) {
    return ErlTuple.of(Reason.EXEC_ERROR.atom(), t);
  }

  /**
   * What an error reply says about a request it refuses: the request itself when it is small (the
   * seed's {@code {exec_error, Term}}), else {@code {truncated, FrameBytes, Preview}}, so an error
   * reply is never larger than about {@link RpcSession#ECHO_LIMIT} bytes however large the
   * request decoded.
   */
  static Term echo(Term term, int frameBytes, boolean compressed) {
    if (frameBytes <= RpcSession.ECHO_LIMIT && !compressed) {
      return term;
    }
    return ServerTerms.truncated(frameBytes, preview(term));
  }

  /** A printout of at most {@link #PREVIEW_CHARS} characters, computed without walking the whole term. */
  static String preview(Term term) {
    return TermPrinter.print(term, PREVIEW_CHARS);
  }

  private void processCharged(byte[] frame) {
    Term term;
    try {
      term = service.decoder().decode(frame);
    } catch (TermFormatException e) {
      badFrame(e.getMessage());
      return;
    }
    Term echo = echo(term, frame.length, declaredSize(frame) >= 0);
    if (mode == Mode.UNDECIDED) {
      mode = ServerTerms.isHello(term) ? Mode.V2 : Mode.V1;
      if (mode == Mode.V2) {
        hello(term);
        return;
      }
    }
    ClientMessage msg;
    try {
      msg = Messages.parseRequest(term);
    } catch (MessageFormatException e) {
      AuditLog.badRequest(session.user, session.keyFingerprint, session.remoteAddress, "badrequest: " + e.summary());
      if (mode == Mode.V1 || !e.id().isPresent() && ServerTerms.isMfaShaped(e.received())) {
        session.v1.enqueue(V1Sequencer.Job.error(execError(echo)));
      } else if (e.id().isPresent()) {
        session.out.send(ServerMessage.Reply.error(e.id().getAsLong(), ErlTuple.of(Reason.BADREQUEST.atom(), echo)).toTerm());
      } else {
        channelError(Reason.BADREQUEST, echo);
      }
      return;
    }
    if (mode == Mode.V2) {
      session.v2.dispatch(msg, echo);
    } else if (msg instanceof ClientMessage.Mfa m) {
      session.v1.enqueue(V1Sequencer.Job.call(m, takeRequestCharge()));
    } else {
      // A v1 channel never sees a v2 message: anything but an mfa is the seed's exec_error.
      AuditLog.badRequest(session.user, session.keyFingerprint, session.remoteAddress, "badrequest: v2 message on a v1 channel");
      session.v1.enqueue(V1Sequencer.Job.error(execError(echo)));
    }
  }

  private void badFrame(String detail) {
    AuditLog.badRequest(session.user, session.keyFingerprint, session.remoteAddress, "badframe: " + detail);
    ErlBinary d = ErlBinary.utf8(detail);
    if (mode == Mode.V2) {
      channelError(Reason.BADFRAME, d);
    } else {
      session.v1.enqueue(V1Sequencer.Job.error(execError(ErlTuple.of(Reason.BADFRAME.atom(), d))));
    }
    service.metrics().frameError("badframe");
  }

  /**
   * A frame the budget cannot hold (its header named {@code pending} bytes): the channel is
   * closed with a clear error, instead of letting many channels each buffer up to {@code
   * maxFrameLength}. {@code frameSeq} is the refused frame's number.
   */
  void frameRefused(int pending, long frameSeq) {
    MemoryBudget.Refusal r = session.account.lastRefusal();
    String why = "frame of " + pending + " bytes refused: " + r;
    LOG.warn("closing sshrpc channel of {} from {}: {}", LogText.field(session.user), session.remoteAddress, LogText.field(why));
    AuditLog.channelClosed(session.user, session.keyFingerprint, session.remoteAddress, why);
    if (mode == Mode.V2) {
      channelError(Reason.OVERLOADED, ServerTerms.memory(pending, Math.max(0, r.limit() - r.used())), frameSeq);
    } else if (mode == Mode.V1) {
      session.v1.enqueue(V1Sequencer.Job.error(execError(ErlTuple.of(Reason.OVERLOADED.atom(), ErlBinary.utf8(why)))));
    }
    service.metrics().frameError("overloaded");
    session.out.closeAfterFlush(CloseCause.PROTOCOL_ERROR, why);
  }

  /** A frame header over {@code maxFrameLength}: reported on v2, then the channel closes. */
  void frameTooLarge(FrameTooLargeException e, long frameSeq) {
    LOG.warn("closing sshrpc channel of {} from {}: {}", LogText.field(session.user), session.remoteAddress, e.getMessage());
    AuditLog.channelClosed(session.user, session.keyFingerprint, session.remoteAddress, e.getMessage());
    if (mode == Mode.V2) {
      channelError(
          Reason.FRAME_TOO_LARGE.atom(), ErlTuple.of(ErlInteger.of(e.length()), ErlInteger.of(e.maxLength())), frameSeq);
    }
    session.out.closeAfterFlush(CloseCause.PROTOCOL_ERROR, e.getMessage());
    service.metrics().frameError("frame_too_large");
  }

  /** A v2 channel-level error about the frame being processed now. */
  void channelError(Reason reason, Term detail) {
    channelError(reason.atom(), detail, framesProcessed);
  }

  private void channelError(Reason reason, Term detail, long frameSeq) {
    channelError(reason.atom(), detail, frameSeq);
  }

  /**
   * A v2 channel-level error about frame number {@code frameSeq} of this channel (1 is the first
   * frame the client sent, its hello).
   */
  private void channelError(ErlAtom reason, Term detail, long frameSeq) {
    // Only a client that asked for it gets the 4-tuple: older clients and Erlang peers match the
    // 3-tuple exactly.
    ServerMessage.ChannelError e =
        frameErrors && frameSeq > 0
            ? new ServerMessage.ChannelError(reason, detail, frameSeq)
            : new ServerMessage.ChannelError(reason, detail);
    session.out.send(e.toTerm());
  }

  private void hello(Term term) {
    Hello h;
    try {
      h = (Hello) Messages.parseRequest(term);
    } catch (MessageFormatException | ClassCastException e) {
      channelError(Reason.BADREQUEST, echo(term, RpcSession.ECHO_LIMIT + 1, false));
      return;
    }
    Term pm = h.options() == null ? null : h.options().get(Hello.MAX_FRAME);
    if (pm instanceof ErlInteger n && n.signum() > 0) {
      // Replies and deliveries larger than the peer takes would only break its channel.
      session.out.peerMaxFrame(n.isInt() ? Math.min(n.intValue(), service.maxFrameLength()) : service.maxFrameLength());
    }
    frameErrors = h.isTrue(Hello.FRAME_ERRORS);
    LOG.debug("v2 channel for {} (client options {})", LogText.field(session.user), LogText.term(h.options()));
    session.out.send(new Hello(Hello.VERSION, helloOptions(frameErrors)).toTerm());
  }

  /**
   * The server's hello options: its node, its in-flight limit and the limits its decoder applies
   * to requests, so that a client can refuse before sending what would be rejected; {@code
   * frame_errors => true} when the client asked for it, saying that channel errors will name
   * their frame.
   */
  private ErlMap helloOptions(boolean frameErrors) {
    TermLimits l = service.decoder().limits();
    Map<Term, Term> o = new LinkedHashMap<>();
    o.put(Hello.NODE, service.node());
    o.put(Hello.MAX_IN_FLIGHT, ErlInteger.of(service.maxInFlight()));
    o.put(Hello.MAX_FRAME, ErlInteger.of(service.maxFrameLength()));
    o.put(Hello.MAX_DEPTH, ErlInteger.of(l.maxDepth()));
    o.put(Hello.MAX_ATOM_LENGTH, ErlInteger.of(l.maxAtomLength()));
    o.put(Hello.MAX_BINARY, ErlInteger.of(l.maxBinaryBytes()));
    if (frameErrors) {
      o.put(Hello.FRAME_ERRORS, ErlAtom.TRUE);
    }
    return ErlMap.of(o);
  }
}
