package org.sshrpc.server;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ServerMessage;

/**
 * The server side of one sshrpc channel, independent of SSH: fed the channel's input bytes,
 * it frames and decodes requests, runs them on the service's workers, and writes the replies
 * through its {@link SessionTransport}. See {@code CONCURRENCY.md} for which thread does what.
 *
 * <p>A channel is v1 for its whole life unless its first frame is {@code sshrpc_hello}. In v1
 * the requests run one after another and are answered in order; in v2 calls run concurrently up
 * to the in-flight limit and are answered as they complete.
 *
 * <p>This class joins the channel's parts, each with its own lock: the {@link InputGate}
 * (framing, admission, held frames, the SSH window), the {@link RequestReader} (decode, protocol,
 * routing), the {@link V1Sequencer}, the {@link V2Dispatcher} (with a {@link Call} per call), the
 * {@link SessionProcesses} and the {@link ReplyWriter}; and it closes them.
 */
public final class RpcSession {
  private static final Logger LOG = LoggerFactory.getLogger(RpcSession.class);

  /** Bytes a peer must send per frame timeout while a frame is incomplete (2 KiB/s at 30 s). */
  static final int MIN_FRAME_PROGRESS = 64 << 10;

  /**
   * Requests whose encoded frame is at most this many bytes (and not compressed) are echoed in
   * error replies ({@code {exec_error, Term}}, {@code {badrequest, Term}}), as the seed does;
   * larger ones get {@code {truncated, FrameBytes, Preview}} instead, Preview a bounded printout.
   */
  static final int ECHO_LIMIT = 1024;

  final RpcService service;
  final String user;
  final String keyFingerprint;
  final SocketAddress remoteAddress;
  final SessionTransport transport;
  /** This channel's share of the node's memory budget. */
  final MemoryBudget.Account account;

  final ReplyWriter out;
  final V1Sequencer v1;
  final V2Dispatcher v2;
  final RequestReader reader;
  final InputGate input;
  /** The process room: processes and mailboxes this channel owns, monitors it holds. */
  final SessionProcesses procs;

  /** Why the channel closed; set once, before the transport is told. */
  private volatile CloseCause closeCause;

  // Accounting, read by tests and logs.
  final AtomicLong framesIn = new AtomicLong();
  final AtomicLong writes = new AtomicLong();
  final AtomicLong droppedDeliveries = new AtomicLong();
  final AtomicLong castFailures = new AtomicLong();

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
    this.account = service.budget.open(user, connection);
    this.out = new ReplyWriter(this, transport, account, service.maxFrameLength());
    this.v1 = new V1Sequencer(this);
    this.v2 = new V2Dispatcher(this);
    this.reader = new RequestReader(this);
    this.input = new InputGate(this);
    this.procs = new SessionProcesses(this);
    service.metrics().sessionOpened();
  }

  // ---------------------------------------------------------------- input

  /**
   * Accepts {@code len} bytes of channel input. Called by one reader thread at a time. The bytes
   * are copied; input the session cannot accept yet is held (bounded by the transport's window)
   * and its bytes are released to the transport only once accepted.
   */
  public void feed(byte[] buf, int off, int len) {
    input.feed(buf, off, len);
  }

  /** The client sent EOF: answer what is pending, then close the channel. */
  public void inputClosed() {
    input.markEof();
    maybeFinish();
  }

  /** Something that limits input changed (a call ended): accept more, or finish after EOF. */
  void resumeInput() {
    input.resume();
    maybeFinish();
  }

  /** A write completed: the v1 queue and held input may go on. */
  void writeCompleted() {
    v1.resume();
    resumeInput();
  }

  // ---------------------------------------------------------------- output

  /** Queues one small reply frame whose size the server controls (see {@link ReplyWriter#send}). */
  void send(Term t) {
    out.send(t);
  }

  void sendV2(long id, Outcome o) {
    out.sendV2(id, o);
  }

  /** Sends {@code {message, To, Msg}} to this client, unless it is too far behind reading. */
  void deliverToClient(ErlPid to, Term message) {
    long queued = out.outboundBytes();
    // Processes can produce messages faster than a client reads; past this bound they are
    // dropped (as Erlang may drop messages to a node that cannot keep up) and logged.
    if (queued > 4 * service.maxOutboundBytes()) {
      droppedDeliveries.incrementAndGet();
      LOG.debug("message to {} dropped: client not reading ({} bytes queued)", LogText.term(to), queued);
      return;
    }
    if (!out.sendBounded(new ServerMessage.Deliver(to, message).toTerm(), null)) {
      droppedDeliveries.incrementAndGet();
      LOG.debug("message to {} dropped: larger than the client's frame limit or the memory budget", LogText.term(to));
    }
  }

  // ---------------------------------------------------------------- closing

  /** After EOF: once nothing is pending, close the channel as a server process would exit. */
  private void maybeFinish() {
    if (isClosed() || !input.drainedAfterEof() || v1.busy() || !v2.idle()) {
      return;
    }
    out.closeAfterFlush(CloseCause.CLIENT_EOF, "client sent EOF");
  }

  /** Closes the transport and then the session; the first cause given is the one kept. */
  void closeNow(CloseCause cause, String reason) {
    if (closeCause == null) {
      closeCause = cause;
    }
    transport.close(reason);
    close();
  }

  /**
   * Ends the session: the channel is gone. Calls in flight are interrupted and never answered,
   * processes this channel spawned exit with {@code noconnection} (their monitors get {@code
   * DOWN}), its mailboxes die, and its monitors are dropped. Idempotent.
   */
  public void close() {
    if (!out.markClosed()) {
      return;
    }
    if (closeCause == null) {
      closeCause = CloseCause.CLOSED;
    }
    service.sessionClosed(this);
    service.metrics().sessionClosed();
    account.close();
    input.discard();
    v2.close();
    procs.close();
  }

  public boolean isClosed() {
    return out.isClosed();
  }

  /** Why the channel closed, or null while it is open. */
  CloseCause closeCause() {
    return isClosed() ? closeCause : null;
  }

  // ---------------------------------------------------------------- accounting

  /** Reply bytes queued or being written now. */
  long outboundBytes() {
    return out.outboundBytes();
  }

  /** The largest {@link #outboundBytes()} seen. */
  long maxOutboundBytesSeen() {
    return out.maxOutboundBytesSeen();
  }

  /** Bytes of complete frames received but not yet accepted (their window not released). */
  long heldInputBytes() {
    return input.heldBytes();
  }

  long maxHeldInputBytesSeen() {
    return input.maxHeldBytesSeen();
  }

  /** Input bytes whose window has been released to the transport. */
  long releasedInputBytes() {
    return input.releasedBytes();
  }

  int callsInFlight() {
    return v2.callsInFlight();
  }

  int processCount() {
    return procs.processCount();
  }

  @Override
  public String toString() {
    return "RpcSession(" + user + "@" + remoteAddress + ", " + reader.mode() + ")";
  }
}
