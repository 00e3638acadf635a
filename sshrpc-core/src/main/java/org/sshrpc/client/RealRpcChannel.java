package org.sshrpc.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.MessageFormatException;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sshrpc subsystem channel: negotiation, the single writer, the single reader and the table
 * of calls in flight. See CONCURRENCY.md in this package for which thread does what.
 */
final class RealRpcChannel implements RpcChannel {
  static final String SUBSYSTEM = "sshrpc@k2r.org";
  static final String CLIENT_NAME = "sshrpc-java/0.1";
  /** In-flight limit when a v2 server does not state one. */
  static final int DEFAULT_MAX_IN_FLIGHT = 256;
  /** Bound on waiting for the reply to a spawn, register, whereis, monitor, mailbox or exit. */
  static final java.time.Duration CONTROL_TIMEOUT = java.time.Duration.ofSeconds(30);
  /** Frames written before one flush, at most: bounds a batch's memory. */
  private static final int MAX_BATCH = 1024;

  private static final Logger log = LoggerFactory.getLogger(RealRpcChannel.class);
  /** Printed terms in log lines are cut at this many characters (bounded work, see TermPrinter). */
  private static final int LOG_TERM_CHARS = 256;
  private static final AtomicInteger WRITERS = new AtomicInteger();
  private static final Outgoing POISON = new Outgoing(new byte[0], null);
  private static final Outgoing WAKE = new Outgoing(new byte[0], null);
  private static final ErlAtom A_CALL = ErlAtom.of("call");
  private static final ErlAtom A_MFA = ErlAtom.of("mfa");
  private static final ErlAtom A_INFINITY = ErlAtom.of("infinity");

  private final ClientRuntime rt;
  private final ChannelSubsystem channel;
  private final String peer;
  private final FrameBuffer frames;
  private final LinkedBlockingQueue<Outgoing> outbox = new LinkedBlockingQueue<>();
  private final ConcurrentHashMap<Long, Pending> inflight = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Pending> v1Sent = new ConcurrentLinkedQueue<>();
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentHashMap<Term, RealMailbox> mailboxes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Term, Monitor> monitors = new ConcurrentHashMap<>();
  private final CompletableFuture<Term> hello = new CompletableFuture<>();
  private final AtomicLong unroutable = new AtomicLong();
  private volatile int version; // 0 until negotiated
  private volatile Semaphore permits = new Semaphore(1);
  private volatile RpcException closed;
  private volatile Term serverInfo = ErlMap.of();
  /** The server's advertised decode limits, checked before sending; none until it states them. */
  private volatile SendLimits limits = SendLimits.NONE;
  /**
   * True when the server names the frame in its channel errors (it echoed {@code frame_errors =>
   * true}): each request sent is then remembered by its frame number until its reply arrives, so
   * an error about that frame fails that request at once.
   */
  private volatile boolean frameErrors;
  /** Frames written on this channel so far, the hello being 1, as the server counts them. */
  private long framesSent; // guarded by writeLock
  private final ConcurrentHashMap<Long, Pending> byFrame = new ConcurrentHashMap<>();
  /** Held while writing to {@link #out}: by the writer thread, or by a blocking caller's fast path. */
  private final ReentrantLock writeLock = new ReentrantLock();
  private final byte[] header = new byte[4]; // guarded by writeLock
  private final java.util.ArrayDeque<Outgoing> held = new java.util.ArrayDeque<>(); // guarded by writeLock
  private volatile boolean writerWaiting;
  private Thread writer;
  private OutputStream out;

  private RealRpcChannel(ClientRuntime rt, ChannelSubsystem channel, String peer) {
    this.rt = rt;
    this.channel = channel;
    this.peer = peer;
    this.frames = new FrameBuffer(rt.maxFrameLength);
  }

  /**
   * Opens the subsystem on {@code session} and negotiates the protocol version, all before
   * {@code deadlineNanos}.
   */
  static RealRpcChannel open(ClientSession session, ClientRuntime rt, String peer, long deadlineNanos)
      throws IOException {
    ChannelSubsystem ch = session.createSubsystemChannel(SUBSYSTEM);
    RealRpcChannel rc = new RealRpcChannel(rt, ch, peer);
    ch.setOut(rc.new Inbound());
    ch.setErr(OutputStream.nullOutputStream()); // extended data carries no RPC
    ch.addChannelListener(
        new ChannelListener() {
          @Override
          public void channelClosed(Channel c, Throwable reason) {
            rc.closeWith(
                Replies.unavailable(
                    "connection to " + peer + " lost" + (reason == null ? "" : ": " + reason.getMessage()),
                    reason));
          }
        });
    try {
      ch.open().verify(remainingMillis(deadlineNanos));
      rc.out = ch.getInvertedIn();
      rc.startWriter();
      rc.negotiate(deadlineNanos);
    } catch (RpcException e) {
      rc.closeWith(e);
      throw new IOException(e.getMessage(), e);
    } catch (IOException e) {
      rc.closeWith(Replies.unavailable("cannot open " + SUBSYSTEM + " on " + peer, e));
      throw new IOException("cannot open " + SUBSYSTEM + " on " + peer + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      rc.closeWith(Replies.unavailable("cannot open " + SUBSYSTEM + " on " + peer, e));
      throw e;
    }
    return rc;
  }

  private static long remainingMillis(long deadlineNanos) throws IOException {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (ms <= 0) {
      throw new IOException("connect timeout");
    }
    return ms;
  }

  private void negotiate(long deadlineNanos) throws IOException {
    if (rt.maxVersion < 2) {
      version = 1;
      return;
    }
    Term helloMsg =
        new Hello(Hello.VERSION, ErlMap.of(Hello.CLIENT, Terms.binary(CLIENT_NAME), Hello.FRAME_ERRORS, ErlAtom.TRUE))
            .toTerm();
    outbox.add(new Outgoing(Codec.encode(helloMsg), null));
    Term reply;
    try {
      reply = hello.get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("no reply to sshrpc_hello from " + peer + " within the connect timeout");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while negotiating with " + peer);
    } catch (ExecutionException e) {
      throw new IOException("negotiation with " + peer + " failed: " + e.getCause().getMessage(), e.getCause());
    }
    if (reply instanceof ErlTuple && ((ErlTuple) reply).isTagged("sshrpc_hello", 3)) {
      ErlTuple t = (ErlTuple) reply;
      if (!t.get(1).equals(ErlInteger.of(2))) {
        throw new IOException("server " + peer + " offered unsupported protocol version " + t.get(1));
      }
      int max = DEFAULT_MAX_IN_FLIGHT;
      if (t.get(2) instanceof ErlMap) {
        serverInfo = t.get(2);
        Hello h = new Hello(2, (ErlMap) t.get(2));
        max = h.positiveInt(Hello.MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT);
        limits = SendLimits.of(h);
        frameErrors = h.isTrue(Hello.FRAME_ERRORS);
      }
      permits = new Semaphore(max);
      version = 2;
    } else if (isV1Refusal(reply)) {
      permits = new Semaphore(1);
      version = 1;
    } else if (reply instanceof ErlTuple
        && (((ErlTuple) reply).isTagged("error", 3) || ((ErlTuple) reply).isTagged("error", 4))) {
      // A channel error instead of a hello: the server cannot serve (e.g. sshrpc stdio whose
      // configuration is wrong: its detail names the file and the reason).
      ErlTuple e = (ErlTuple) reply;
      throw new IOException("the server refused the channel (" + Replies.brief(e.get(1)) + "): " + Replies.text(e.get(2)));
    } else {
      throw new IOException("unexpected reply to sshrpc_hello from " + peer + ": " + Replies.brief(reply));
    }
    log.debug("channel to {} speaks v{}", peer, version);
  }

  private static boolean isV1Refusal(Term reply) {
    if (!(reply instanceof ErlTuple) || !((ErlTuple) reply).isTagged("answer", 2)) {
      return false;
    }
    Term body = ((ErlTuple) reply).get(1);
    return body instanceof ErlTuple
        && ((ErlTuple) body).arity() == 2
        && ((ErlTuple) body).get(0) instanceof ErlTuple
        && ((ErlTuple) ((ErlTuple) body).get(0)).isTagged("exec_error", 2);
  }

  // ---------------------------------------------------------------- calls

  @Override
  public int protocolVersion() {
    return version;
  }

  /** The options map of the server's hello (empty for v1). */
  Term serverInfo() {
    return serverInfo;
  }

  @Override
  public Term call(String m, String f, List<? extends Term> args, CallOptions options) {
    Pending p = startCall(m, f, args, options, false);
    return await(p, options);
  }

  @Override
  public CompletableFuture<Term> callAsync(
      String m, String f, List<? extends Term> args, CallOptions options) {
    try {
      return startCall(m, f, args, options, true).future;
    } catch (RpcException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Pending startCall(String m, String f, List<? extends Term> args, CallOptions o, boolean async) {
    ErlAtom mod = ErlAtom.of(m);
    ErlAtom fun = ErlAtom.of(f);
    ErlList a = ErlList.of(args);
    String what = m + ":" + f + "/" + args.size();
    if (version == 1) {
      return start(what, id -> Terms.tuple(A_MFA, Terms.tuple(mod, fun, a)), o, async, null);
    }
    return start(
        what,
        id -> {
          long rem = o.remainingNanos();
          Term timeout =
              rem == Long.MAX_VALUE
                  ? A_INFINITY
                  : ErlInteger.of(Math.max(1, (rem + 999_999) / 1_000_000));
          return ErlTuple.of(A_CALL, ErlInteger.of(id), mod, fun, a, timeout);
        },
        o,
        async,
        null);
  }

  @Override
  public void cast(String m, String f, List<? extends Term> args) {
    ErlAtom mod = ErlAtom.of(m);
    ErlAtom fun = ErlAtom.of(f);
    ErlList a = ErlList.of(args);
    if (version == 1) {
      // v1 has no cast: make the call and discard its answer (it still takes its turn).
      start(m + ":" + f + "/" + args.size(), id -> Terms.tuple(A_MFA, Terms.tuple(mod, fun, a)), CallOptions.DEFAULT, true, null);
      return;
    }
    control("cast " + m + ":" + f + "/" + args.size(), Terms.tuple(ErlAtom.of("cast"), mod, fun, a));
  }

  @Override
  public Term spawn(String m, String f, List<? extends Term> args) {
    requireV2("spawn");
    ErlAtom mod = ErlAtom.of(m);
    ErlAtom fun = ErlAtom.of(f);
    ErlList a = ErlList.of(args);
    return request("spawn " + m + ":" + f + "/" + args.size(),
        id -> Terms.tuple(ErlAtom.of("spawn"), ErlInteger.of(id), mod, fun, a), null);
  }

  @Override
  public void send(Term destination, Term message) {
    requireV2("send");
    control("send", Terms.tuple(ErlAtom.of("send"), destination, message));
  }

  @Override
  public boolean register(ErlAtom name, Term pid) {
    requireV2("register");
    try {
      return ErlAtom.TRUE.equals(
          request("register " + name.name(),
              id -> Terms.tuple(ErlAtom.of("register"), ErlInteger.of(id), name, pid), null));
    } catch (RpcException e) {
      if (ErlAtom.of("badarg").equals(e.reason())) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public Term whereis(ErlAtom name) {
    requireV2("whereis");
    return request("whereis " + name.name(), id -> Terms.tuple(ErlAtom.of("whereis"), ErlInteger.of(id), name), null);
  }

  @Override
  public void exit(Term pid, Term reason) {
    requireV2("exit");
    request("exit", id -> Terms.tuple(ErlAtom.of("exit"), ErlInteger.of(id), pid, reason), null);
  }

  @Override
  public Mailbox mailbox() {
    requireV2("mailbox");
    RealMailbox[] made = new RealMailbox[1];
    // Registered by the reader before it reads on, so no message to the new pid is missed.
    request("mailbox", id -> Terms.tuple(ErlAtom.of("mailbox"), ErlInteger.of(id)),
        pid -> {
          made[0] = new RealMailbox(pid);
          mailboxes.put(pid, made[0]);
        });
    return made[0];
  }

  @Override
  public Term monitor(Mailbox mailbox, Term pid) {
    requireV2("monitor");
    if (!(mailbox instanceof RealMailbox) || mailboxes.get(mailbox.pid()) != mailbox) {
      throw new IllegalArgumentException("mailbox does not belong to this channel: " + mailbox);
    }
    RealMailbox mb = (RealMailbox) mailbox;
    return request("monitor", id -> Terms.tuple(ErlAtom.of("monitor"), ErlInteger.of(id), pid),
        ref -> monitors.put(ref, new Monitor(mb, pid)));
  }

  /**
   * A v2 request other than a call (spawn, register, mailbox ...). These carry no deadline on the
   * wire and are quick on the server; the client still bounds its wait so that a server that
   * never answers cannot hold the caller.
   */
  private Term request(String what, LongFunction<Term> msg, Consumer<Term> onReply) {
    CallOptions o = CallOptions.timeout(CONTROL_TIMEOUT);
    Pending p = start(what, msg, o, false, onReply);
    return await(p, o);
  }

  private void requireV2(String op) {
    checkOpen();
    if (version != 2) {
      throw new RpcException(
          Status.INVALID_REQUEST, op + " needs protocol v2; " + peer + " speaks v1", null);
    }
  }

  private void control(String what, Term msg) {
    checkOpen();
    outbox.add(new Outgoing(encodeWithin(what, msg), null));
  }

  /** {@code msg} encoded, or the refusal if the server advertised a limit it breaks. */
  private byte[] encodeWithin(String what, Term msg) {
    byte[] body = Codec.encode(msg);
    RpcException refused = limits.check(what, msg, body.length);
    if (refused != null) {
      throw refused;
    }
    return body;
  }

  private void checkOpen() {
    RpcException c = closed;
    if (c != null) {
      throw new RpcException(c.status(), "channel to " + peer + " is closed", c.reason(), c);
    }
  }

  private Pending start(
      String what, LongFunction<Term> msg, CallOptions o, boolean async, Consumer<Term> onReply) {
    checkOpen();
    long rem = o.remainingNanos();
    if (rem <= 0) {
      throw new RpcException(Status.DEADLINE_EXCEEDED, what + ": deadline passed before sending", null);
    }
    long id = ids.incrementAndGet();
    byte[] body = encodeWithin(what, msg.apply(id));
    Pending p = new Pending(id, what, async, onReply);
    // Every call is tracked by id, also on v1 (where answers are matched in order), so that a
    // close can fail all of them wherever they are.
    inflight.put(id, p);
    Outgoing out = new Outgoing(body, p);
    if (async || !tryWriteNow(out)) {
      outbox.add(out);
    }
    RpcException c = closed;
    if (c != null) {
      // Closed while we enqueued: the close may have drained the outbox before our add.
      fail(p, new RpcException(c.status(), what + ": channel to " + peer + " closed", c.reason(), c));
      return p;
    }
    if (async && o.hasDeadline()) {
      long delay = rem + grace();
      p.timer =
          rt.scheduler.schedule(
              () -> timeOut(p), delay, TimeUnit.NANOSECONDS);
    }
    return p;
  }

  private long grace() {
    return version == 2 ? rt.serverDeadlineGraceNanos : 0;
  }

  private Term await(Pending p, CallOptions o) {
    long rem = o.remainingNanos();
    try {
      return rem == Long.MAX_VALUE ? p.future.get() : p.future.get(rem + grace(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RpcException) {
        throw (RpcException) c;
      }
      throw new RpcException(Status.INTERNAL, p.what + ": " + c, null, c);
    } catch (TimeoutException e) {
      timeOut(p);
      return await(p, CallOptions.DEFAULT); // completed now, one way or the other
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      RpcException ex = new RpcException(Status.CANCELLED, p.what + ": interrupted", ErlAtom.of("cancelled"));
      if (fail(p, ex)) {
        abandon(p);
      }
      throw ex;
    } catch (CancellationException e) {
      throw new RpcException(Status.CANCELLED, p.what + ": cancelled", ErlAtom.of("cancelled"), e);
    }
  }

  private void timeOut(Pending p) {
    if (fail(p, new RpcException(Status.DEADLINE_EXCEEDED, p.what + ": deadline exceeded (client side)", null))) {
      abandon(p);
    }
  }

  /**
   * Gives up on a call whose caller no longer waits: unsent, it is never sent; sent to a v2
   * server, {@code {cancel, Id}} follows and the server's eventual reply is discarded.
   */
  private void abandon(Pending p) {
    if (p.state.compareAndSet(Pending.NEW, Pending.ABANDONED)) {
      inflight.remove(p.id);
    } else if (version == 2 && closed == null) {
      outbox.add(new Outgoing(Codec.encode(Terms.tuple(ErlAtom.of("cancel"), ErlInteger.of(p.id))), null));
    }
  }

  /** Completes {@code p} with a value, on the callback executor for async calls. */
  private void deliver(Pending p, Term value) {
    if (!p.finish()) {
      return;
    }
    if (p.onReply != null) {
      p.onReply.accept(value);
    }
    complete(p, () -> p.future.completeValue(value));
  }

  /** Fails {@code p}; false if it had already finished. */
  private boolean fail(Pending p, RpcException e) {
    if (!p.finish()) {
      return false;
    }
    complete(p, () -> p.future.completeExceptionally(e));
    return true;
  }

  private void complete(Pending p, Runnable r) {
    ScheduledFuture<?> t = p.timer;
    if (t != null) {
      t.cancel(false);
    }
    if (!p.async) {
      r.run();
      return;
    }
    try {
      rt.callbackExecutor.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  // ---------------------------------------------------------------- writer

  private void startWriter() {
    writer = new Thread(this::writeLoop, "sshrpc-writer-" + WRITERS.incrementAndGet());
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * The single writer: takes everything queued, writes it into the channel stream (which packs it
   * into as few SSH data messages as the packet size allows) and flushes once. Calls beyond the
   * server's in-flight limit are held back (in order) until replies free permits; messages without
   * a reply (cancel, cast, send) are never held back, so a cancel gets through a full window.
   */
  private void writeLoop() {
    List<Outgoing> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(outbox.take());
        outbox.drainTo(batch, MAX_BATCH - 1);
        writeLock.lock();
        try {
          int written = 0;
          for (Outgoing o : batch) {
            if (o == POISON) {
              return;
            }
            if (o == WAKE) {
              continue;
            }
            if (o.pending == null) {
              writeFrame(o.body, null);
              written++;
            } else {
              held.add(o);
            }
          }
          written += writeHeld();
          if (written > 0) {
            out.flush();
          }
        } finally {
          writeLock.unlock();
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      // closing
    } catch (IOException | RuntimeException e) {
      if (closed == null) {
        closeWith(Replies.unavailable("write to " + peer + " failed: " + e.getMessage(), e));
      }
    }
  }

  /** Writes held calls while permits last; caller holds writeLock. Returns frames written. */
  private int writeHeld() throws IOException {
    int written = 0;
    while (!held.isEmpty()) {
      Outgoing o = held.peekFirst();
      if (o.pending.state.get() != Pending.NEW) {
        held.pollFirst(); // abandoned while waiting: never sent
        continue;
      }
      if (!permits.tryAcquire()) {
        // Ask the reader to wake us when it frees a permit; re-check in case it just did.
        writerWaiting = true;
        if (!permits.tryAcquire()) {
          return written;
        }
      }
      writerWaiting = false;
      held.pollFirst();
      if (claim(o.pending)) {
        writeFrame(o.body, o.pending);
        written++;
      }
    }
    writerWaiting = false;
    return written;
  }

  /** Gives back an in-flight permit (a reply arrived) and wakes the writer if it waits for one. */
  private void releasePermit() {
    permits.release();
    if (writerWaiting) {
      outbox.offer(WAKE);
    }
  }

  /**
   * A blocking caller writes its own request when nothing is queued and the stream is free: this
   * saves two thread hand-offs per sequential call. Under contention requests queue for the
   * writer thread instead, which coalesces them.
   */
  private boolean tryWriteNow(Outgoing o) {
    if (!outbox.isEmpty() || !writeLock.tryLock()) {
      return false;
    }
    try {
      if (closed != null || !outbox.isEmpty() || !held.isEmpty() || !permits.tryAcquire()) {
        return false;
      }
      if (claim(o.pending)) {
        writeFrame(o.body, o.pending);
        out.flush();
      }
      return true;
    } catch (IOException | RuntimeException e) {
      closeWith(Replies.unavailable("write to " + peer + " failed: " + e.getMessage(), e));
      return true; // the close failed the call
    } finally {
      writeLock.unlock();
    }
  }

  /** Marks {@code p} sent, holding a permit; false (permit returned) if it was abandoned. */
  private boolean claim(Pending p) {
    if (!p.state.compareAndSet(Pending.NEW, Pending.SENT)) {
      permits.release();
      return false;
    }
    if (version == 1) {
      v1Sent.add(p); // before the write, so the answer always finds it
    }
    return true;
  }

  /** Writes one frame; caller holds writeLock. {@code p} is the request it carries, if any. */
  private void writeFrame(byte[] body, Pending p) throws IOException {
    long seq = ++framesSent;
    if (p != null && frameErrors) {
      // Before the write, so that an error about this frame always finds its request.
      p.frame = seq;
      byFrame.put(seq, p);
    }
    int n = body.length;
    header[0] = (byte) (n >>> 24);
    header[1] = (byte) (n >>> 16);
    header[2] = (byte) (n >>> 8);
    header[3] = (byte) n;
    out.write(header);
    out.write(body);
  }

  // ---------------------------------------------------------------- reader

  /** Receives channel data on MINA's I/O thread; the SSH window is released after it returns. */
  private final class Inbound extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (closed != null) {
        return;
      }
      try {
        frames.feed(b, off, len, RealRpcChannel.this::onFrame);
      } catch (ProtocolException e) {
        closeWith(new RpcException(Status.INTERNAL, "bad data from " + peer + ": " + e.getMessage(), null, e));
      } catch (RuntimeException e) {
        // The exception's class only at WARN: its message may quote what the server sent.
        log.warn("closing channel to {}: error handling a frame ({})", peer, e.getClass().getName());
        log.debug("error handling a frame from {}", peer, e);
        closeWith(new RpcException(Status.INTERNAL, "error handling data from " + peer + ": " + e, null, e));
      }
    }
  }

  private void onFrame(byte[] buf, int off, int len) throws ProtocolException {
    Term t = rt.codec.decode(buf, off, len);
    int v = version;
    if (v == 0) {
      hello.complete(t);
    } else if (v == 2) {
      dispatchV2(t);
    } else {
      dispatchV1(t);
    }
  }

  private void dispatchV1(Term t) throws ProtocolException {
    if (!(t instanceof ErlTuple) || !((ErlTuple) t).isTagged("answer", 2)
        || !(((ErlTuple) t).get(1) instanceof ErlTuple)
        || ((ErlTuple) ((ErlTuple) t).get(1)).arity() != 2) {
      throw new ProtocolException("expected {answer, {Reply, Status}} from v1 server, got " + Replies.brief(t));
    }
    ErlTuple body = (ErlTuple) ((ErlTuple) t).get(1);
    Pending p = v1Sent.poll();
    if (p == null) {
      throw new ProtocolException("answer without a request from " + peer + ": " + Replies.brief(t));
    }
    inflight.remove(p.id);
    releasePermit();
    if (Replies.isZero(body.get(1))) {
      deliver(p, body.get(0));
    } else {
      fail(p, Replies.error(p.what, Replies.v1Reason(body.get(0))));
    }
  }

  private void dispatchV2(Term t) throws ProtocolException {
    if (!(t instanceof ErlTuple)) {
      throw new ProtocolException("unexpected message from " + peer + ": " + Replies.brief(t));
    }
    ErlTuple m = (ErlTuple) t;
    if (m.isTagged("reply", 4)) {
      Term idTerm = m.get(1);
      if (!(idTerm instanceof ErlInteger) || !((ErlInteger) idTerm).isLong()) {
        throw new ProtocolException("reply with a bad id from " + peer + ": " + Replies.brief(t));
      }
      Pending p = inflight.remove(((ErlInteger) idTerm).longValue());
      if (p == null) {
        throw new ProtocolException("reply to unknown id " + idTerm + " from " + peer);
      }
      if (p.frame != 0) {
        byFrame.remove(p.frame);
      }
      releasePermit();
      if (ErlAtom.OK.equals(m.get(2))) {
        deliver(p, m.get(3));
      } else if (ErlAtom.ERROR.equals(m.get(2))) {
        fail(p, Replies.error(p.what, m.get(3)));
      } else {
        throw new ProtocolException("reply neither ok nor error from " + peer + ": " + Replies.brief(t));
      }
    } else if (m.isTagged("message", 3)) {
      RealMailbox mb = mailboxes.get(m.get(1));
      Term msg = m.get(2);
      if (msg instanceof ErlTuple && ((ErlTuple) msg).isTagged("DOWN", 5)) {
        // The server sends DOWN to one mailbox of the connection; it belongs to the mailbox the
        // monitor was set up with.
        Monitor mon = monitors.remove(((ErlTuple) msg).get(1));
        if (mon != null) {
          mb = mon.mailbox;
        }
      }
      if (mb == null) {
        unroutable.incrementAndGet();
        log.warn("message from {} for an unknown mailbox dropped", peer);
        if (log.isDebugEnabled()) {
          log.debug("message from {} for unknown mailbox {} dropped", peer, TermPrinter.print(m.get(1), LOG_TERM_CHARS));
        }
        return;
      }
      mb.deliver(msg);
    } else if (m.isTagged("error", 3) || m.isTagged("error", 4)) {
      channelError(t);
    } else {
      throw new ProtocolException("unexpected message from " + peer + ": " + Replies.brief(t));
    }
  }

  /**
   * A channel-level error: when it names the frame of a request still waiting, that request was
   * refused (not run) and fails now; the channel goes on serving the others. Anything else (the
   * 3-tuple of a server that names no frame, a frame that carried no request) is only logged.
   */
  private void channelError(Term t) {
    ServerMessage.ChannelError e;
    try {
      e = (ServerMessage.ChannelError) Messages.parseServerMessage(t);
    } catch (MessageFormatException | ClassCastException ex) {
      logChannelError(t);
      return;
    }
    Pending p = e.hasFrame() ? byFrame.remove(e.frame()) : null;
    if (p == null || !inflight.remove(p.id, p)) {
      logChannelError(t);
      return;
    }
    if (log.isDebugEnabled()) {
      log.debug("server {} refused frame {} ({}): {}", peer, e.frame(), p.what, TermPrinter.print(t, LOG_TERM_CHARS));
    }
    releasePermit();
    fail(p, Replies.refused(p.what, e.code(), e.detail()));
  }

  private void logChannelError(Term t) {
    // The code (an atom such as overloaded) at WARN; the details, which may quote a request,
    // only at DEBUG and bounded.
    log.warn("server {} reported a channel error: {}", peer, TermPrinter.print(((ErlTuple) t).get(1), LOG_TERM_CHARS));
    if (log.isDebugEnabled()) {
      log.debug("channel error from {}: {}", peer, TermPrinter.print(t, LOG_TERM_CHARS));
    }
  }

  // ---------------------------------------------------------------- closing

  @Override
  public boolean isOpen() {
    return closed == null;
  }

  @Override
  public void close() {
    closeWith(Replies.unavailable("channel to " + peer + " closed by the client", null));
  }

  /** Fails everything in flight with {@code cause}, stops the writer and closes the channel. */
  void closeWith(RpcException cause) {
    synchronized (this) {
      if (closed != null) {
        return;
      }
      closed = cause;
    }
    outbox.add(POISON);
    if (writer != null && Thread.currentThread() != writer) {
      writer.interrupt();
    }
    hello.completeExceptionally(cause);
    for (Pending p : inflight.values()) {
      fail(p, fromClose(p, cause));
    }
    inflight.clear();
    byFrame.clear();
    for (Pending p; (p = v1Sent.poll()) != null; ) {
      fail(p, fromClose(p, cause));
    }
    List<Outgoing> left = new ArrayList<>();
    outbox.drainTo(left);
    for (Outgoing o : left) {
      if (o.pending != null) {
        fail(o.pending, fromClose(o.pending, cause));
      }
    }
    // As Erlang does when a node goes down, monitors fire with reason noconnection.
    for (Map.Entry<Term, Monitor> e : monitors.entrySet()) {
      e.getValue().mailbox.deliver(
          Terms.tuple(ErlAtom.of("DOWN"), e.getKey(), ErlAtom.of("process"), e.getValue().pid, Replies.NOCONNECTION));
    }
    monitors.clear();
    if (!channel.isClosing()) {
      channel.close(false);
    }
  }

  private static RpcException fromClose(Pending p, RpcException cause) {
    return new RpcException(cause.status(), p.what + ": " + cause.getMessage(), cause.reason(), cause);
  }

  @Override
  public String toString() {
    return "RpcChannel[" + peer + ", v" + version + (closed == null ? "" : ", closed") + "]";
  }

  // ---------------------------------------------------------------- records

  private static final class Outgoing {
    final byte[] body;
    final Pending pending; // null for messages without a reply

    Outgoing(byte[] body, Pending pending) {
      this.body = body;
      this.pending = pending;
    }
  }

  private static final class Monitor {
    final RealMailbox mailbox;
    final Term pid;

    Monitor(RealMailbox mailbox, Term pid) {
      this.mailbox = mailbox;
      this.pid = pid;
    }
  }

  /** One request awaiting its reply. */
  private final class Pending {
    static final int NEW = 0;
    static final int SENT = 1;
    static final int ABANDONED = 2;

    final long id;
    final String what;
    final boolean async;
    final Consumer<Term> onReply;
    final AtomicInteger state = new AtomicInteger(NEW);
    final AtomicBoolean finished = new AtomicBoolean();
    final CallFuture future = new CallFuture(this);
    volatile ScheduledFuture<?> timer;
    /** The frame that carried it, when the server names frames in errors; else 0. */
    volatile long frame;

    Pending(long id, String what, boolean async, Consumer<Term> onReply) {
      this.id = id;
      this.what = what;
      this.async = async;
      this.onReply = onReply;
    }

    boolean finish() {
      return finished.compareAndSet(false, true);
    }
  }

  /** The future of a call; cancelling it cancels the call on the server. */
  private final class CallFuture extends CompletableFuture<Term> {
    private final Pending p;

    CallFuture(Pending p) {
      this.p = p;
    }

    void completeValue(Term v) {
      super.complete(v);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (!p.finish()) {
        return false;
      }
      ScheduledFuture<?> t = p.timer;
      if (t != null) {
        t.cancel(false);
      }
      boolean c = super.cancel(mayInterruptIfRunning);
      abandon(p);
      return c;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }
}
