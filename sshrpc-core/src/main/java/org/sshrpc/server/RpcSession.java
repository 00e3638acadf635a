package org.sshrpc.server;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.TermFormatException;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.FrameDecoder;
import org.sshrpc.wire.FrameRefusedException;
import org.sshrpc.wire.FrameTooLargeException;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.MessageFormatException;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;

/**
 * The server side of one sshrpc channel, independent of SSH: fed the channel's input bytes,
 * it frames and decodes requests, runs them on the service's workers, and writes the replies
 * through its {@link SessionTransport}. See {@code CONCURRENCY.md} for which thread does what.
 *
 * <p>A channel is v1 for its whole life unless its first frame is {@code sshrpc_hello}. In v1
 * the requests run one after another and are answered in order; in v2 calls run concurrently up
 * to the in-flight limit and are answered as they complete.
 */
public final class RpcSession {
  private static final Logger LOG = LoggerFactory.getLogger(RpcSession.class);

  /** Bytes a peer must send per frame timeout while a frame is incomplete (2 KiB/s at 30 s). */
  static final int MIN_FRAME_PROGRESS = 64 << 10;

  private static final ErlAtom BADFRAME = ErlAtom.of("badframe");
  private static final ErlAtom BADREQUEST = ErlAtom.of("badrequest");
  private static final ErlAtom FRAME_TOO_LARGE = ErlAtom.of("frame_too_large");
  private static final ErlAtom NOCONNECTION = ErlAtom.of("noconnection");

  /**
   * Requests whose encoded frame is at most this many bytes (and not compressed) are echoed in
   * error replies ({@code {exec_error, Term}}, {@code {badrequest, Term}}), as the seed does;
   * larger ones get {@code {truncated, FrameBytes, Preview}} instead, Preview a bounded printout.
   */
  static final int ECHO_LIMIT = 1024;

  /** Characters of a request's printout in a {@code truncated} summary. */
  static final int PREVIEW_CHARS = 120;

  /**
   * Memory charged per byte of a request while it is decoded and processed: the decoded term
   * takes more heap than its encoding (object headers, references).
   */
  static final int DECODE_FACTOR = 2;

  /** Largest ratio of a compressed request's declared size to its frame size that is inflated. */
  static final int MAX_COMPRESSION_RATIO = 64;

  private static final ErlAtom TRUNCATED = ErlAtom.of("truncated");
  private static final ErlAtom REPLY_TOO_LARGE = ErlAtom.of("reply_too_large");

  /** First size of the reply buffer; it grows to the largest batch of replies. */
  private static final int OUT_INITIAL = 512;

  /** Largest reply buffer kept for reuse after a write: larger ones are left to the GC. */
  private static final int OUT_KEEP = 16 * 1024;

  private enum Mode {
    UNDECIDED,
    V1,
    V2
  }

  final RpcService service;
  final String user;
  final String keyFingerprint;
  final SocketAddress remoteAddress;
  private final SessionTransport transport;
  private final FrameDecoder decoder;
  private final TermEncoder encoder = TermEncoder.DEFAULT;
  /** This channel's share of the node's memory budget. */
  final MemoryBudget.Account account;
  /** The largest frame the peer accepts (its hello's {@code max_frame}); ours until it says. */
  private volatile int peerMaxFrame;

  // Input side, guarded by inputLock.
  private final Object inputLock = new Object();
  private final ArrayDeque<byte[]> held = new ArrayDeque<>();
  private long heldBytes;
  private long receivedBytes;
  private long releasedBytes;
  private boolean draining;
  private Mode mode = Mode.UNDECIDED;
  private boolean eof;
  // Frames completed so far (input side); a frame-timeout check compares it to see progress.
  private long framesCompleted;
  private boolean frameTimerArmed;
  private long receivedAtFrameTimer;
  // Frames processed so far; the one being processed is number framesProcessed (1-based).
  private long framesProcessed;
  // Budget reserved for the frame being received (its declared length), 0 when none.
  private long partialReserved;
  // Budget charged for the decoded request being dispatched now; whoever keeps the request
  // (a v1 job, a call on a worker) takes it over, the rest is released when dispatch ends.
  private long requestCharge;

  // v1 requests (and v1-shaped answers) in order, guarded by v1Lock.
  private final Object v1Lock = new Object();
  private final ArrayDeque<V1Job> v1Queue = new ArrayDeque<>();
  private boolean v1Running;

  // v2 calls in flight by id.
  private final Map<Long, CallState> calls = new ConcurrentHashMap<>();
  private final AtomicInteger castsInFlight = new AtomicInteger();

  // Output side, guarded by outLock.
  private final Object outLock = new Object();
  // Reply frames queued for the next write, encoded straight into this array; the write takes
  // the array itself (no copy) and a small one comes back as the spare when the write is done.
  private byte[] outBuf = new byte[OUT_INITIAL];
  private int outLen;
  private byte[] spareOut;
  private long outBytes; // queued plus being written
  private boolean writing;
  // > 0 while a thread processes input: replies wait for its end and leave in one write.
  private int holdWrites;
  private boolean closeWhenFlushed;
  private String closeReason;

  private volatile boolean closed;

  // The process room: processes and mailboxes this channel owns, monitors it holds.
  private final SessionProcesses procs;

  // Accounting, read by tests and logs.
  final AtomicLong framesIn = new AtomicLong();
  final AtomicLong writes = new AtomicLong();
  final AtomicLong droppedDeliveries = new AtomicLong();
  final AtomicLong castFailures = new AtomicLong();
  private volatile long maxOutBytesSeen;
  private volatile long maxHeldBytesSeen;

  RpcSession(
      RpcService service,
      String user,
      String keyFingerprint,
      SocketAddress remote,
      Object connection,
      SessionTransport transport) {
    this.service = service;
    this.user = user;
    this.keyFingerprint = keyFingerprint;
    this.remoteAddress = remote;
    this.transport = transport;
    this.decoder = new FrameDecoder(service.maxFrameLength(), this::admitFrame);
    this.procs = new SessionProcesses(this);
    this.peerMaxFrame = service.maxFrameLength();
    this.account = service.budget.open(user, connection);
    service.metrics().sessionOpened();
  }

  // ---------------------------------------------------------------- input

  /**
   * Accepts {@code len} bytes of channel input. Called by one reader thread at a time. The bytes
   * are copied; input the session cannot accept yet is held (bounded by the transport's window)
   * and its bytes are released to the transport only once accepted.
   */
  public void feed(byte[] buf, int off, int len) {
    synchronized (inputLock) {
      if (closed || closeWhenFlushedSet()) {
        return;
      }
      receivedBytes += len;
      service.metrics().received(len);
      // Replies to every request in this input (several frames per SSH data message when the
      // client pipelines) leave together in one write, after the last frame is processed.
      holdWrites();
      try {
        try {
          decoder.feed(buf, off, len, this::onFrame);
        } catch (FrameRefusedException e) {
          frameRefused((int) e.length());
          return;
        } catch (FrameTooLargeException e) {
          frameTooLarge(e);
          return;
        }
        armFrameTimer();
        drainHeld();
      } finally {
        releaseWrites();
      }
    }
  }

  /**
   * Starts the frame timeout when a partial frame is buffered and no timer runs: a frame that is
   * still incomplete {@code frameTimeout} after its timer started closes the channel (a slowloris
   * peer sends just enough to keep the SSH session from being idle). Caller holds inputLock.
   */
  private void armFrameTimer() {
    java.time.Duration timeout = service.frameTimeout();
    if (timeout == null || frameTimerArmed || decoder.atFrameBoundary() || closed) {
      return;
    }
    frameTimerArmed = true;
    receivedAtFrameTimer = receivedBytes;
    long seen = framesCompleted;
    try {
      service.scheduler.schedule(() -> frameTimerFired(seen), timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      frameTimerArmed = false; // the service is closing
    }
  }

  /**
   * The frame decoder's admission check, when a frame's header has arrived and its body has not:
   * reserves the frame's memory before its body is buffered (the decoder then allocates exactly
   * that, at once). Frames of at most {@link MemoryBudget#SMALL} bytes are charged when complete.
   * A refusal makes the decoder throw {@link FrameRefusedException}. Caller holds inputLock.
   */
  private boolean admitFrame(int length) {
    long need = FrameDecoder.HEADER_LENGTH + (long) length;
    if (need <= MemoryBudget.SMALL) {
      return true;
    }
    if (account.tryCharge(need)) {
      partialReserved = need;
      return true;
    }
    return false;
  }

  /**
   * A frame the budget cannot hold: the channel is closed with a clear error, instead of letting
   * many channels each buffer up to {@code maxFrameLength}. Caller holds inputLock.
   */
  private void frameRefused(int pending) {
    MemoryBudget.Refusal r = account.lastRefusal();
    String why = "frame of " + pending + " bytes refused: " + r;
    LOG.warn("closing sshrpc channel of {} from {}: {}", LogText.field(user), remoteAddress, LogText.field(why));
    AuditLog.channelClosed(user, keyFingerprint, remoteAddress, why);
    if (mode == Mode.V2) {
      channelError(
          Outcome.OVERLOADED,
          ErlTuple.of(ErlAtom.of("memory"), ErlInteger.of(pending), ErlInteger.of(Math.max(0, r.limit() - r.used()))),
          framesCompleted + 1);
    } else if (mode == Mode.V1) {
      v1Enqueue(V1Job.answer(ServerMessage.Answer.error(ErlTuple.of(Outcome.EXEC_ERROR,
          ErlTuple.of(Outcome.OVERLOADED, ErlBinary.utf8(why)))), 0));
    }
    service.metrics().frameError("overloaded");
    closeAfterFlush(why);
  }

  private void frameTimerFired(long seen) {
    String reason;
    synchronized (inputLock) {
      frameTimerArmed = false;
      // Not stalled: a frame completed, or the peer kept sending at a useful rate (a large frame
      // over a slow link), or the stall is ours (frames held while the client does not read, so
      // its window is not released). Time the next period from now.
      if (closed
          || framesCompleted != seen
          || decoder.atFrameBoundary()
          || receivedBytes - receivedAtFrameTimer >= MIN_FRAME_PROGRESS
          || !held.isEmpty()) {
        armFrameTimer();
        return;
      }
      reason =
          "frame incomplete after " + service.frameTimeout().toMillis() + " ms ("
              + decoder.bufferedBytes() + " bytes received)";
    }
    LOG.warn("closing sshrpc channel of {} from {}: {}", LogText.field(user), remoteAddress, LogText.field(reason));
    AuditLog.channelClosed(user, keyFingerprint, remoteAddress, reason);
    closeNow(reason);
  }

  /** The client sent EOF: answer what is pending, then close the channel. */
  public void inputClosed() {
    synchronized (inputLock) {
      eof = true;
    }
    maybeFinish();
  }

  private void onFrame(byte[] frame) {
    framesIn.incrementAndGet();
    framesCompleted++;
    // A large frame was reserved when its header came; a small one is charged now. Either way the
    // frame holds HEADER_LENGTH + length bytes of budget until it is processed.
    if (partialReserved > 0) {
      partialReserved = 0;
    } else {
      account.force(FrameDecoder.HEADER_LENGTH + (long) frame.length);
    }
    if (draining || !held.isEmpty() || !canAccept()) {
      held.add(frame);
      heldBytes += FrameDecoder.HEADER_LENGTH + frame.length;
      maxHeldBytesSeen = Math.max(maxHeldBytesSeen, heldBytes);
      service.peaks.held(heldBytes);
    } else {
      process(frame);
    }
  }

  private boolean canAccept() {
    long out;
    synchronized (outLock) {
      out = outBytes;
    }
    int v1;
    synchronized (v1Lock) {
      v1 = v1Queue.size();
    }
    return out < service.maxOutboundBytes() && v1 < service.maxInFlight();
  }

  /** Processes held frames while they can be accepted, then releases the accepted bytes. */
  private void drainHeld() {
    // Caller holds inputLock. A reply written synchronously can call back in here: the flag keeps
    // the outer loop the only one, so frames are processed in order.
    if (draining) {
      return;
    }
    draining = true;
    try {
      while (!held.isEmpty() && !closed && canAccept()) {
        byte[] f = held.poll();
        heldBytes -= FrameDecoder.HEADER_LENGTH + f.length;
        process(f);
      }
    } finally {
      draining = false;
    }
    long target = receivedBytes - heldBytes;
    if (target > releasedBytes && !closed) {
      long n = target - releasedBytes;
      releasedBytes = target;
      transport.releaseInput(n);
    }
  }

  /** Restarts v1 jobs paused because the reply queue was full (see {@link #v1Next()}). */
  private void resumeV1() {
    boolean start;
    synchronized (v1Lock) {
      start = !v1Running && !v1Queue.isEmpty();
      if (start) {
        v1Running = true;
      }
    }
    if (start) {
      v1Next();
    }
  }

  /** Something that limits input changed (a write finished, a v1 call ended): accept more. */
  private void resumeInput() {
    synchronized (inputLock) {
      if (!held.isEmpty() || receivedBytes - heldBytes > releasedBytes) {
        holdWrites();
        try {
          drainHeld();
        } finally {
          releaseWrites();
        }
      }
    }
    maybeFinish();
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
    send(e.toTerm());
  }

  /**
   * Set by {@link #hello} when the client's hello has {@code frame_errors => true}: channel errors
   * then name their frame. Written and read on the input path; volatile because a frame that
   * closes the channel can be reported from a timer thread.
   */
  private volatile boolean frameErrors;

  /** Processes one complete frame, then gives back its budget. Caller holds inputLock. */
  private void process(byte[] frame) {
    framesProcessed++;
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
  private long takeRequestCharge() {
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
    MemoryBudget.Refusal r = account.lastRefusal();
    String why = "request of " + frame.length + " bytes refused: " + r;
    AuditLog.badRequest(user, keyFingerprint, remoteAddress, "overloaded: " + why);
    service.metrics().frameError("overloaded");
    if (mode == Mode.V2) {
      channelError(
          Outcome.OVERLOADED,
          ErlTuple.of(ErlAtom.of("memory"), ErlInteger.of(est), ErlInteger.of(Math.max(0, r.limit() - r.used()))),
          framesProcessed);
    } else {
      v1Enqueue(V1Job.answer(ServerMessage.Answer.error(ErlTuple.of(Outcome.EXEC_ERROR,
          ErlTuple.of(Outcome.OVERLOADED, ErlBinary.utf8(why)))), 0));
    }
  }

  /**
   * What an error reply says about a request it refuses: the request itself when it is small (the
   * seed's {@code {exec_error, Term}}), else {@code {truncated, FrameBytes, Preview}}, so an error
   * reply is never larger than about {@link #ECHO_LIMIT} bytes however large the request decoded.
   */
  static Term echo(Term term, int frameBytes, boolean compressed) {
    if (frameBytes <= ECHO_LIMIT && !compressed) {
      return term;
    }
    return ErlTuple.of(TRUNCATED, ErlInteger.of(frameBytes), ErlBinary.utf8(preview(term)));
  }

  /** A printout of at most {@link #PREVIEW_CHARS} characters, computed without walking the whole term. */
  static String preview(Term term) {
    return org.sshrpc.term.TermPrinter.print(term, PREVIEW_CHARS);
  }

  private static boolean compressed(byte[] frame) {
    return declaredSize(frame) >= 0;
  }

  private void processCharged(byte[] frame) {
    Term term;
    try {
      term = service.decoder().decode(frame);
    } catch (TermFormatException e) {
      badFrame(e.getMessage());
      return;
    }
    Term echo = echo(term, frame.length, compressed(frame));
    if (mode == Mode.UNDECIDED) {
      mode = term instanceof ErlTuple && ((ErlTuple) term).isTagged("sshrpc_hello", 3) ? Mode.V2 : Mode.V1;
      if (mode == Mode.V2) {
        hello(term);
        return;
      }
    }
    ClientMessage msg;
    try {
      msg = Messages.parseRequest(term);
    } catch (MessageFormatException e) {
      AuditLog.badRequest(user, keyFingerprint, remoteAddress, "badrequest: " + e.summary());
      if (mode == Mode.V1 || !e.id().isPresent() && e.received() instanceof ErlTuple && ((ErlTuple) e.received()).isTagged("mfa", ((ErlTuple) e.received()).arity())) {
        v1Enqueue(V1Job.answer(ServerMessage.Answer.error(ErlTuple.of(Outcome.EXEC_ERROR, echo)), 0));
      } else if (e.id().isPresent()) {
        send(ServerMessage.Reply.error(e.id().getAsLong(), ErlTuple.of(BADREQUEST, echo)).toTerm());
      } else {
        channelError(BADREQUEST, echo, framesProcessed);
      }
      return;
    }
    if (msg instanceof ClientMessage.Mfa) {
      v1Enqueue(V1Job.call((ClientMessage.Mfa) msg, takeRequestCharge()));
      return;
    }
    if (mode == Mode.V1) {
      // A v1 channel never sees a v2 message: anything but an mfa is the seed's exec_error.
      AuditLog.badRequest(user, keyFingerprint, remoteAddress, "badrequest: v2 message on a v1 channel");
      v1Enqueue(V1Job.answer(ServerMessage.Answer.error(ErlTuple.of(Outcome.EXEC_ERROR, echo)), 0));
      return;
    }
    dispatchV2(msg, echo);
  }

  private void badFrame(String detail) {
    AuditLog.badRequest(user, keyFingerprint, remoteAddress, "badframe: " + detail);
    ErlBinary d = ErlBinary.utf8(detail);
    if (mode == Mode.V2) {
      channelError(BADFRAME, d, framesProcessed);
    } else {
      v1Enqueue(V1Job.answer(ServerMessage.Answer.error(ErlTuple.of(Outcome.EXEC_ERROR, ErlTuple.of(BADFRAME, d))), 0));
    }
    service.metrics().frameError("badframe");
  }

  private void frameTooLarge(FrameTooLargeException e) {
    LOG.warn("closing sshrpc channel of {} from {}: {}", LogText.field(user), remoteAddress, e.getMessage());
    AuditLog.channelClosed(user, keyFingerprint, remoteAddress, e.getMessage());
    if (mode == Mode.V2) {
      channelError(
          FRAME_TOO_LARGE, ErlTuple.of(ErlInteger.of(e.length()), ErlInteger.of(e.maxLength())), framesCompleted + 1);
    }
    closeAfterFlush(e.getMessage());
    service.metrics().frameError("frame_too_large");
  }

  private void hello(Term term) {
    Hello h;
    try {
      h = (Hello) Messages.parseRequest(term);
    } catch (MessageFormatException | ClassCastException e) {
      channelError(BADREQUEST, echo(term, ECHO_LIMIT + 1, false), framesProcessed);
      return;
    }
    Term pm = h.options() == null ? null : h.options().get(Hello.MAX_FRAME);
    if (pm instanceof ErlInteger n && n.signum() > 0) {
      // Replies and deliveries larger than the peer takes would only break its channel.
      peerMaxFrame = n.isInt() ? Math.min(n.intValue(), service.maxFrameLength()) : service.maxFrameLength();
    }
    frameErrors = h.isTrue(Hello.FRAME_ERRORS);
    LOG.debug("v2 channel for {} (client options {})", LogText.field(user), LogText.term(h.options()));
    send(new Hello(Hello.VERSION, helloOptions(frameErrors)).toTerm());
  }

  /**
   * The server's hello options: its node, its in-flight limit and the limits its decoder applies
   * to requests, so that a client can refuse before sending what would be rejected; {@code
   * frame_errors => true} when the client asked for it, saying that channel errors will name
   * their frame.
   */
  private ErlMap helloOptions(boolean frameErrors) {
    org.sshrpc.term.TermLimits l = service.decoder().limits();
    java.util.Map<Term, Term> o = new java.util.LinkedHashMap<>();
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

  // ---------------------------------------------------------------- v1

  /** One v1 request, or a v1 answer already known (errors), kept in request order. */
  private record V1Job(ClientMessage.Mfa mfa, ServerMessage.Answer answer, long receivedNanos, long memory) {
    static V1Job call(ClientMessage.Mfa m, long memory) {
      return new V1Job(m, null, System.nanoTime(), memory);
    }

    static V1Job answer(ServerMessage.Answer a, long memory) {
      return new V1Job(null, a, 0, memory);
    }
  }

  private void v1Enqueue(V1Job job) {
    boolean start;
    synchronized (v1Lock) {
      v1Queue.add(job);
      start = !v1Running;
      v1Running = true;
    }
    if (start) {
      v1Next();
    }
  }

  /**
   * Runs v1 jobs in order until one must wait for a worker, the queue is empty, or the replies
   * queued for the client reach {@code maxOutboundBytes} (then the next write completion resumes
   * it): a client that does not read cannot make the queued v1 requests pile up replies.
   */
  private void v1Next() {
    while (true) {
      V1Job job;
      boolean full = outboundBytes() >= service.maxOutboundBytes();
      synchronized (v1Lock) {
        job = full ? null : v1Queue.poll();
        if (job == null) {
          v1Running = false;
        }
      }
      if (job == null) {
        if (full && outboundBytes() < service.maxOutboundBytes()) {
          resumeV1(); // a write completed between the check and the pause: its resume saw us running
        }
        break;
      }
      if (job.answer != null) {
        send(job.answer.toTerm());
        account.release(job.memory);
        continue;
      }
      ClientMessage.Mfa m = job.mfa;
      CallState st = new CallState(-1, deadlineFor(ClientMessage.Call.INFINITY));
      st.memory = job.memory;
      st.audited("call", m.module(), m.function(), m.args().size(), job.receivedNanos);
      st.onDone = o -> {
        sendV1(o);
        v1Next();
        resumeInput();
      };
      Outcome now = start(st, m.module(), m.function(), m.args());
      if (now == null) {
        return; // running on a worker: v1Next continues from its completion
      }
      // Refused before running (denied, undef, overloaded) or run inline: answer here, without
      // recursion.
      st.done.set(true);
      account.release(st.memory);
      st.audit(now);
      sendV1(now);
    }
    resumeInput();
  }

  // ---------------------------------------------------------------- v2

  private void dispatchV2(ClientMessage msg, Term term) {
    if (msg instanceof ClientMessage.Call c) {
      if (calls.containsKey(c.id())) {
        AuditLog.badRequest(user, keyFingerprint, remoteAddress, "badrequest: duplicate call id " + c.id());
        send(ServerMessage.Reply.error(c.id(), ErlTuple.of(BADREQUEST, term)).toTerm());
        return;
      }
      long received = System.nanoTime();
      if (calls.size() + castsInFlight.get() >= service.maxInFlight()) {
        Outcome o = Outcome.refused(Outcome.OVERLOADED);
        AuditLog.call("call", user, keyFingerprint, remoteAddress, c.module().name(), c.function().name(), c.args().size(), o, received);
        service.metrics().callRefused(c.module().name(), c.function().name(), c.args().size(), Metrics.CallStatus.OVERLOADED, 0);
        send(o.v2Reply(c.id()).toTerm());
        return;
      }
      CallState st = new CallState(c.id(), deadlineFor(c.timeoutMillis()));
      st.memory = takeRequestCharge();
      st.audited("call", c.module(), c.function(), c.args().size(), received);
      st.onDone = o -> sendV2(c.id(), o);
      calls.put(c.id(), st);
      Outcome now = start(st, c.module(), c.function(), c.args());
      if (now != null) {
        st.finish(now, false);
      }
    } else if (msg instanceof ClientMessage.Cast c) {
      long received = System.nanoTime();
      if (calls.size() + castsInFlight.get() >= service.maxInFlight()) {
        castFailures.incrementAndGet();
        AuditLog.call("cast", user, keyFingerprint, remoteAddress, c.module().name(), c.function().name(), c.args().size(),
            Outcome.refused(Outcome.OVERLOADED), received);
        service.metrics().callRefused(c.module().name(), c.function().name(), c.args().size(), Metrics.CallStatus.OVERLOADED, 0);
        LOG.debug("cast {}:{}/{} dropped: overloaded", LogText.term(c.module()), LogText.term(c.function()), c.args().size());
        return;
      }
      castsInFlight.incrementAndGet();
      CallState st = new CallState(-1, deadlineFor(ClientMessage.Call.INFINITY));
      st.memory = takeRequestCharge();
      st.audited("cast", c.module(), c.function(), c.args().size(), received);
      st.onDone = o -> {
        castsInFlight.decrementAndGet();
        if (!o.ok()) {
          // The audit line records the failure; its reason (which may carry argument values) only
          // at DEBUG, and bounded.
          castFailures.incrementAndGet();
          if (LOG.isDebugEnabled()) {
            LOG.debug("cast {}:{}/{} failed: {}", LogText.term(c.module()), LogText.term(c.function()), c.args().size(), LogText.term(o.value()));
          }
        }
        resumeInput();
      };
      Outcome now = start(st, c.module(), c.function(), c.args());
      if (now != null) {
        st.finish(now, false);
      }
    } else if (msg instanceof ClientMessage.Cancel c) {
      CallState st = calls.get(c.id());
      if (st != null) {
        st.finish(Outcome.refused(Outcome.CANCELLED), true);
      }
    } else if (msg instanceof Hello) {
      channelError(BADREQUEST, term, framesProcessed);
    } else {
      procs.handle(msg);
    }
  }

  /** Sends {@code {message, To, Msg}} to this client, unless it is too far behind reading. */
  void deliverToClient(ErlPid to, Term message) {
    long out;
    synchronized (outLock) {
      out = outBytes;
    }
    // Processes can produce messages faster than a client reads; past this bound they are
    // dropped (as Erlang may drop messages to a node that cannot keep up) and logged.
    if (out > 4 * service.maxOutboundBytes()) {
      droppedDeliveries.incrementAndGet();
      LOG.debug("message to {} dropped: client not reading ({} bytes queued)", LogText.term(to), out);
      return;
    }
    if (!sendBounded(new ServerMessage.Deliver(to, message).toTerm(), null)) {
      droppedDeliveries.incrementAndGet();
      LOG.debug("message to {} dropped: larger than the client's frame limit or the memory budget", LogText.term(to));
    }
  }

  // ---------------------------------------------------------------- calls

  private Instant deadlineFor(long timeoutMillis) {
    if (timeoutMillis != ClientMessage.Call.INFINITY) {
      return Instant.now().plusMillis(timeoutMillis);
    }
    Duration d = service.defaultCallTimeout();
    return d == null ? null : Instant.now().plus(d);
  }

  /**
   * Checks policy and lookup on this thread, then runs the function on a worker under its
   * deadline. Returns null when the call was started (the state's onDone will run), or the
   * outcome when it was refused before running.
   */
  private Outcome start(CallState st, ErlAtom m, ErlAtom f, ErlList args) {
    Outcome[] refusal = new Outcome[1];
    RpcModule.Entry e = service.resolve(st, m, f, args, refusal);
    if (e == null || e.function() == null) {
      Outcome r = refusal[0] != null ? refusal[0] : Outcome.raised(RpcService.undef(m, f, args));
      service.metrics().callRefused(m.name(), f.name(), args.size(), Metrics.CallStatus.of(r), 0);
      return r;
    }
    RpcFunction fn = e.function();
    if (e.runsInline(args.elements())) {
      long t0 = System.nanoTime();
      Outcome r = RpcService.run(fn, st, args);
      service.metrics().callRefused(m.name(), f.name(), args.size(), Metrics.CallStatus.of(r), System.nanoTime() - t0);
      return r;
    }
    st.metered(m, f, args.size());
    try {
      st.future =
          service.lanes.submit(
              user,
              () -> st.finish(RpcService.run(fn, st, args), false),
              () -> st.finish(Outcome.refused(Outcome.OVERLOADED), false));
    } catch (RejectedExecutionException ex) {
      st.unmetered(Metrics.CallStatus.OVERLOADED);
      return Outcome.refused(Outcome.OVERLOADED);
    }
    if (st.done.get() && st.interruptRequested) {
      st.future.cancel(true); // cancelled or timed out before the future was known
    }
    if (st.deadline != null && !st.done.get()) {
      long delay = Math.max(0, Duration.between(Instant.now(), st.deadline).toMillis());
      try {
        st.timer = service.scheduler.schedule(() -> st.finish(Outcome.refused(Outcome.TIMEOUT), true), delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException ex) {
        // the service is closing; the worker pool is being stopped too
      }
      if (st.done.get() && st.timer != null) {
        st.timer.cancel(false);
      }
    }
    return null;
  }

  /** One call's state: finished exactly once, by the function, its deadline, a cancel or close. */
  private final class CallState implements CallContext {
    final long id;
    final Instant deadline;
    final AtomicBoolean done = new AtomicBoolean();
    volatile java.util.function.Consumer<Outcome> onDone;
    volatile Future<?> future;
    volatile boolean interruptRequested;
    volatile ScheduledFuture<?> timer;
    // Budget held for the decoded request until the call finishes.
    volatile long memory;
    // What the audit line names; null kind for states that are not audited.
    private String kind;
    private ErlAtom module;
    private ErlAtom function;
    private int arity;
    private long receivedNanos;

    CallState(long id, Instant deadline) {
      this.id = id;
      this.deadline = deadline;
    }

    void audited(String kind, ErlAtom module, ErlAtom function, int arity, long receivedNanos) {
      this.kind = kind;
      this.module = module;
      this.function = function;
      this.arity = arity;
      this.receivedNanos = receivedNanos;
    }

    void audit(Outcome o) {
      if (kind != null) {
        AuditLog.call(kind, user, keyFingerprint, remoteAddress, module.name(), function.name(), arity, o, receivedNanos);
      }
    }

    /** Finishes the call; later results (e.g. a function finishing after its deadline) are dropped. */
    void finish(Outcome o, boolean interrupt) {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      account.release(memory);
      meterFinished(o);
      if (id >= 0) {
        calls.remove(id, this);
      }
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      interruptRequested = interrupt;
      Future<?> f = future;
      if (interrupt && f != null) {
        f.cancel(true);
      }
      Outcome sent = o;
      if (!closed) {
        try {
          onDone.accept(o);
        } catch (RuntimeException | OutOfMemoryError e) {
          // The result could not be encoded (too large for one frame, or no heap for it): the
          // caller still gets exactly one answer, an error, instead of a silent hang.
          LOG.warn("reply of {} for {} could not be sent: {}", kind == null ? "a call" : LogText.field(module.name() + ":" + function.name() + "/" + arity), LogText.field(user), LogText.field(e.toString()));
          sent = Outcome.raised(RpcService.javaException(e.getClass().getName(), "reply could not be encoded: " + e.getMessage()));
          try {
            onDone.accept(sent);
          } catch (RuntimeException | OutOfMemoryError again) {
            closeNow("reply could not be sent: " + again);
          }
        }
      }
      audit(sent);
      if (id >= 0) {
        resumeInput();
      }
    }

    // Metrics of a call that started running (null module: not metered). Set before the worker
    // can finish the call, read once by whoever finishes it.
    private volatile ErlAtom meterModule;
    private volatile ErlAtom meterFunction;
    private volatile int meterArity;
    private volatile long meterStart;

    void metered(ErlAtom m, ErlAtom f, int arity) {
      meterFunction = f;
      meterArity = arity;
      meterStart = System.nanoTime();
      meterModule = m;
      service.metrics().callStarted();
    }

    /** The call could not be submitted after all: counted as refused, no longer in flight. */
    void unmetered(Metrics.CallStatus status) {
      ErlAtom m = meterModule;
      meterModule = null;
      if (m != null) {
        service.metrics().callFinished(m.name(), meterFunction.name(), meterArity, status, 0);
      }
    }

    private void meterFinished(Outcome o) {
      ErlAtom m = meterModule;
      if (m != null) {
        meterModule = null;
        service.metrics().callFinished(
            m.name(), meterFunction.name(), meterArity, Metrics.CallStatus.of(o),
            System.nanoTime() - meterStart);
      }
    }

    @Override
    public String user() {
      return user;
    }

    @Override
    public String keyFingerprint() {
      return keyFingerprint;
    }

    @Override
    public SocketAddress remoteAddress() {
      return remoteAddress;
    }

    @Override
    public Optional<Instant> deadline() {
      return Optional.ofNullable(deadline);
    }

    @Override
    public boolean isCancelled() {
      return done.get() || closed;
    }
  }

  // ---------------------------------------------------------------- output

  /**
   * Queues one reply frame and starts a write unless one is in progress or input is being
   * processed (then the end of that processing writes it, with the other replies it produced).
   */
  void send(Term t) {
    long size = encoder.encodedSize(t);
    account.force(4 + size);
    enqueue(t, size);
  }

  /**
   * Queues a reply or delivery whose size the client controls (a function's result, a message):
   * its size is checked against the peer's frame limit and charged to the memory budget BEFORE
   * it is encoded. When either refuses, {@code fallback} (given the size; null to drop) supplies
   * the small error sent instead. Returns false when the term was not sent.
   */
  boolean sendBounded(Term t, java.util.function.LongFunction<Term> fallback) {
    int limit = peerMaxFrame;
    long size = sizeAtMost(t, limit);
    String refusal = null;
    if (size > limit) {
      refusal = "larger than the frame limit";
    } else if (!account.tryCharge(4 + size)) {
      refusal = String.valueOf(account.lastRefusal());
    } else {
      enqueue(t, size);
      return true;
    }
    if (fallback == null) {
      return false;
    }
    LOG.debug("reply to {} replaced: {} bytes, {}", remoteAddress, size > limit ? ">" + limit : size, refusal);
    send(fallback.apply(size));
    return false;
  }

  /** The encoded size of {@code t}, or some value above {@code cap} once it is known to exceed it. */
  private long sizeAtMost(Term t, long cap) {
    return encoder.encodedSizeAtMost(t, cap);
  }

  /** {@code {reply_too_large, Size, Limit}}: the reason a too-large or unbudgeted reply is replaced by. */
  private Term tooLarge(long size) {
    long room = peerMaxFrame;
    MemoryBudget.Refusal r = account.lastRefusal();
    if (size <= peerMaxFrame && r != null) {
      room = Math.max(0, r.limit() - r.used());
    }
    return ErlTuple.of(REPLY_TOO_LARGE, size > peerMaxFrame ? ErlAtom.of("over_limit") : ErlInteger.of(size), ErlInteger.of(room));
  }

  private void sendV1(Outcome o) {
    sendBounded(o.v1Answer().toTerm(), size -> Outcome.refused(tooLarge(size)).v1Answer().toTerm());
  }

  void sendV2(long id, Outcome o) {
    sendBounded(o.v2Reply(id).toTerm(), size -> Outcome.refused(tooLarge(size)).v2Reply(id).toTerm());
  }

  /** Queues an encoded-size-known term (already charged) and starts a write if none is running. */
  private void enqueue(Term t, long lsize) {
    boolean start;
    synchronized (outLock) {
      if (closed) {
        account.release(4 + lsize);
        return;
      }
      // Encoded straight into the queue: no intermediate arrays. A term that cannot be encoded
      // throws before outLen moves, so the queue is left as it was.
      if (lsize > Integer.MAX_VALUE - 8) {
        account.release(4 + lsize);
        throw new IllegalArgumentException("reply of " + lsize + " bytes (expected: < 2 GiB)");
      }
      int size = (int) lsize;
      ensureOut(4 + (long) size);
      putLength(outBuf, outLen, size);
      encoder.encode(t, outBuf, outLen + 4);
      outLen += 4 + size;
      outBytes += 4 + size;
      maxOutBytesSeen = Math.max(maxOutBytesSeen, outBytes);
      service.peaks.outbound(outBytes);
      start = !writing && holdWrites == 0;
      if (start) {
        writing = true;
      }
    }
    if (start) {
      flush();
    }
  }

  private static void putLength(byte[] b, int at, int n) {
    b[at] = (byte) (n >>> 24);
    b[at + 1] = (byte) (n >>> 16);
    b[at + 2] = (byte) (n >>> 8);
    b[at + 3] = (byte) n;
  }

  /** Caller holds outLock. */
  private void ensureOut(long extra) {
    long need = outLen + extra;
    if (need > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("queued replies exceed 2 GiB");
    }
    if (need > outBuf.length) {
      outBuf = java.util.Arrays.copyOf(outBuf, (int) Math.max(need, Math.min(2L * outBuf.length, Integer.MAX_VALUE - 8)));
    }
  }

  private void holdWrites() {
    synchronized (outLock) {
      holdWrites++;
    }
  }

  /** Ends a {@link #holdWrites()}; the last one writes what was queued meanwhile. */
  private void releaseWrites() {
    boolean start;
    synchronized (outLock) {
      holdWrites--;
      start = holdWrites == 0 && !writing && (outLen > 0 || closeWhenFlushed) && !closed;
      if (start) {
        writing = true;
      }
    }
    if (start) {
      flush();
    }
  }

  /** Writes everything queued as one buffer: replies ready together leave in one data message. */
  private void flush() {
    byte[] data;
    int n = 0;
    String closeFlushed = null;
    synchronized (outLock) {
      if (outLen == 0 || closed) {
        writing = false;
        if (closeWhenFlushed && !closed) {
          closeFlushed = closeReason;
        }
        data = null;
      } else {
        data = outBuf;
        n = outLen;
        byte[] spare = spareOut;
        spareOut = null;
        outBuf = spare != null ? spare : new byte[OUT_INITIAL];
        outLen = 0;
      }
    }
    if (data == null) {
      // Closed outside outLock: close() takes outLock and then inputLock, and a reader holding
      // inputLock may be waiting for outLock (found by ServerFuzzTest's long run: a deadlock).
      if (closeFlushed != null) {
        closeNow(closeFlushed);
      }
      return;
    }
    writes.incrementAndGet();
    int len = n;
    service.metrics().sent(len);
    try {
      transport.write(data, 0, len, failure -> written(data, len, failure));
    } catch (RuntimeException e) {
      written(data, len, e);
    }
  }

  private void written(byte[] data, int n, Throwable failure) {
    account.release(n);
    synchronized (outLock) {
      outBytes -= n;
      if (data.length <= OUT_KEEP && failure == null) {
        spareOut = data; // the transport is done with it (SessionTransport.write)
      }
    }
    if (failure != null) {
      if (!closed) {
        LOG.debug("write to {} failed; closing the channel", LogText.field(user), failure);
        closeNow("write failed: " + failure);
      }
      return;
    }
    flush();
    resumeV1();
    resumeInput();
  }

  // ---------------------------------------------------------------- closing

  private boolean closeWhenFlushedSet() {
    synchronized (outLock) {
      return closeWhenFlushed;
    }
  }

  private void closeAfterFlush(String reason) {
    boolean now;
    synchronized (outLock) {
      closeWhenFlushed = true;
      closeReason = reason;
      now = !writing && holdWrites == 0; // else the write in progress or releaseWrites closes
    }
    if (now) {
      closeNow(reason);
    }
  }

  /** After EOF: once nothing is pending, close the channel as a server process would exit. */
  private void maybeFinish() {
    boolean idle;
    synchronized (inputLock) {
      idle = eof && held.isEmpty();
    }
    if (!idle || closed) {
      return;
    }
    synchronized (v1Lock) {
      if (v1Running || !v1Queue.isEmpty()) {
        return;
      }
    }
    if (!calls.isEmpty() || castsInFlight.get() > 0) {
      return;
    }
    closeAfterFlush("client sent EOF");
  }

  private void closeNow(String reason) {
    transport.close(reason);
    close();
  }

  /**
   * Ends the session: the channel is gone. Calls in flight are interrupted and never answered,
   * processes this channel spawned exit with {@code noconnection} (their monitors get {@code
   * DOWN}), its mailboxes die, and its monitors are dropped. Idempotent.
   */
  public void close() {
    synchronized (outLock) {
      if (closed) {
        return;
      }
      closed = true;
      outLen = 0;
      outBuf = new byte[0];
      spareOut = null;
    }
    service.sessionClosed(this);
    service.metrics().sessionClosed();
    account.close();
    synchronized (inputLock) {
      held.clear();
      heldBytes = 0;
      // The budget is given back below: free what it counted now, not when MINA lets go of the
      // channel (a peer that never answers the close keeps it for a while).
      decoder.discard();
      partialReserved = 0;
    }
    for (CallState st : calls.values()) {
      st.finish(Outcome.refused(NOCONNECTION), true);
    }
    procs.close();
  }

  public boolean isClosed() {
    return closed;
  }

  // ---------------------------------------------------------------- accounting

  /** Reply bytes queued or being written now. */
  long outboundBytes() {
    synchronized (outLock) {
      return outBytes;
    }
  }

  /** The largest {@link #outboundBytes()} seen. */
  long maxOutboundBytesSeen() {
    return maxOutBytesSeen;
  }

  /** Bytes of complete frames received but not yet accepted (their window not released). */
  long heldInputBytes() {
    synchronized (inputLock) {
      return heldBytes;
    }
  }

  long maxHeldInputBytesSeen() {
    return maxHeldBytesSeen;
  }

  /** Input bytes whose window has been released to the transport. */
  long releasedInputBytes() {
    synchronized (inputLock) {
      return releasedBytes;
    }
  }

  int callsInFlight() {
    return calls.size();
  }

  int processCount() {
    return procs.processCount();
  }

  @Override
  public String toString() {
    return "RpcSession(" + user + "@" + remoteAddress + ", " + mode + ")";
  }
}
