package org.sshrpc.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.sshrpc.RpcException;
import org.sshrpc.client.Mailbox;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.FrameEncoder;

/**
 * The attackers of the hostile soak: every reproduction of issue 10, each in its own loop per
 * attacker, all at once, until the phase ends. Every loop is bounded by the phase's end and every
 * blocking step by a timeout; requests the policy denies are sent all the same (what they cost the
 * server is the point), and a failed connect is counted, never fatal.
 */
final class SoakAttacks {
  /** The attack kinds, in the numbering. */
  enum Kind {
    HUGE_ERROR_REPLY("1a", "~65 KB compressed frames decoding to a 64 MiB binary (bad requests), replies never read"),
    ENV_FLOOD("1b", "env requests, 500 x 30 KiB per channel, channels kept open"),
    PARTIAL_FRAMES("1c", "channels each sending a 16 MiB frame header and 15 MiB of it, then stalling"),
    SEQ_AMPLIFICATION("2", "lists:seq(B-19999, B) and lists:seq(B-999999, B), B a 16 KiB bignum, replies never read"),
    MAX_CPU("3a", "lists:max([16 KiB bignum | 60,000 floats]), ~1 KB compressed, 3 per batch"),
    BIGNUM_PRINT("3b", "malformed frames: a list of 400 x 16 KiB bignums (~74 KB compressed)"),
    PROCESS_INTRUSION("4a", "whereis/send/exit on legit names, register them first, forged sends to guessed pids"),
    BIG_DELIVERY("4b", "17 MiB deliveries (compressed {send, Dest, <<17 MiB>>}) to legit names and guessed pids"),
    PREAUTH_IDLE("5", "idle pre-auth TCP sockets: 32 per attacker from 127.0.0.2, 2 from 127.0.0.1"),
    AUDIT_FORGE("6a", "logins and module atoms carrying NEL / U+2028 and a fake audit record"),
    CAST_FLOOD("6b", "v2 cast flood of lists:seq(<<8 MiB>>, 1) (compressed ~8 KB)");

    final String id;
    final String what;

    Kind(String id, String what) {
      this.id = id;
      this.what = what;
    }

    static Kind byId(String id) {
      for (Kind k : values()) {
        if (k.id.equalsIgnoreCase(id.trim())) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown attack " + id + " (expected: 1a, 1b, 1c, 2, 3a, 3b, 4a, 4b, 5, 6a, 6b)");
    }

    static java.util.Set<Kind> parse(String list) {
      java.util.Set<Kind> s = java.util.EnumSet.noneOf(Kind.class);
      for (String id : list.split(",")) {
        s.add(byId(id));
      }
      return s;
    }
  }

  /** One attacker: an SSH user whose key the policy allows nothing but ping (or, with --insider, a few built-ins). */
  record Attacker(String user, KeyPair key, RpcClient client) {}

  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
  private static final String FORGED_USER = "legit1\u0085sshrpc.audit auth_ok user=root key=SHA256:forged\u2028";

  private final Map<Kind, SoakStats.Attack> stats = new EnumMap<>(Kind.class);
  private final SoakFrames frames;
  private final SshClient ssh;
  private final ScheduledExecutorService watchdog;
  private final int port;
  private final List<String> legitNames;
  private final List<Thread> threads = new ArrayList<>();
  private volatile long endNanos;
  private volatile long startedNanos;

  SoakAttacks(SoakFrames frames, SshClient ssh, ScheduledExecutorService watchdog, int port, List<String> legitNames) {
    this.frames = frames;
    this.ssh = ssh;
    this.watchdog = watchdog;
    this.port = port;
    this.legitNames = legitNames;
    for (Kind k : Kind.values()) {
      stats.put(k, new SoakStats.Attack(k.id, k.what));
    }
  }

  Map<Kind, SoakStats.Attack> stats() {
    return stats;
  }

  /** Starts every attack of every attacker, each loop ending at {@code endNanos}. */
  void start(List<Attacker> attackers, java.util.Set<Kind> kinds, long endNanos) {
    this.endNanos = endNanos;
    this.startedNanos = System.nanoTime();
    for (Attacker a : attackers) {
      for (Kind k : kinds) {
        Thread t = new Thread(() -> run(k, a), "soak-" + k.id + "-" + a.user());
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }
  }

  long startedNanos() {
    return startedNanos;
  }

  /** Ends every loop now (the server is gone: nothing more to learn). */
  void stop() {
    endNanos = System.nanoTime();
  }

  /** Waits for the loops (each ends by itself at the phase end, within its timeouts). */
  void join(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
  }

  /** Attack threads still running (after {@link #join}: stuck in a blocking step). */
  long running() {
    return threads.stream().filter(Thread::isAlive).count();
  }

  private boolean running(long nanos) {
    return nanos - endNanos < 0;
  }

  /** Sleeps {@code ms}, or less at the phase end; false when the phase is over. */
  private boolean pause(long ms) {
    long left = (endNanos - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      return false;
    }
    try {
      Thread.sleep(Math.min(ms, left));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return running(System.nanoTime());
  }

  private void run(Kind k, Attacker a) {
    SoakStats.Attack st = stats.get(k);
    try (Holder h = new Holder(a, st)) {
      State s = new State();
      while (running(System.nanoTime()) && !Thread.currentThread().isInterrupted()) {
        try {
          step(k, a, st, h, s);
        } catch (RpcException e) {
          // the server answered no (denied, badarg, overloaded) or dropped us (UNAVAILABLE)
          if (e.status() == org.sshrpc.Status.UNAVAILABLE || e.status() == org.sshrpc.Status.DEADLINE_EXCEEDED) {
            st.error(e);
            s.reset();
          } else {
            st.refused.increment();
          }
          pause(200);
        } catch (Exception | OutOfMemoryError e) {
          st.error(e);
          s.reset();
          pause(200);
        }
      }
      s.reset();
    }
  }

  /** What one attack loop keeps between iterations. */
  private static final class State {
    SoakRaw.Chan chan;
    RpcConnection conn;
    Mailbox mbox;
    ErlPid own;
    long scan = 1;
    long iteration;
    final Map<Term, byte[]> deliveries = new HashMap<>();
    final List<SocketChannel> sockets = new ArrayList<>();

    void reset() {
      if (chan != null) {
        chan.close();
        chan = null;
      }
      if (conn != null) {
        conn.close();
        conn = null;
        mbox = null;
      }
      for (SocketChannel c : sockets) {
        try {
          c.close();
        } catch (IOException e) {
          // closing our own socket
        }
      }
      sockets.clear();
    }
  }

  private void step(Kind k, Attacker a, SoakStats.Attack st, Holder h, State s) throws Exception {
    switch (k) {
      case HUGE_ERROR_REPLY -> {
        // one channel per connection: each pins its own reply
        SoakRaw.Chan c = h.open(Map.of(), 10, 1);
        for (int i = 0; i < 10 && running(System.nanoTime()); i++) {
          if (!writeOrRefused(c, frames.hugeBadRequest, st)) {
            break;
          }
        }
        pause(500);
      }
      case ENV_FLOOD -> {
        Map<String, String> env = new HashMap<>();
        String value = "x".repeat(30 * 1024);
        for (int i = 0; i < 500; i++) {
          env.put("SOAK_ENV_" + i, value);
        }
        h.open(env, 40, 8);
        st.sent.add(500);
        pause(200);
      }
      case PARTIAL_FRAMES -> {
        SoakRaw.Chan c = h.open(Map.of(), 40, 8);
        st.sent.increment();
        byte[] chunk = new byte[1 << 20];
        if (writeOrRefused(c, SoakFrames.partialHeader(), null)) {
          for (int i = 0; i < 15 && running(System.nanoTime()); i++) {
            if (!writeOrRefused(c, chunk, null)) {
              st.refused.increment();
              break;
            }
          }
        } else {
          st.refused.increment();
        }
        pause(200);
      }
      case SEQ_AMPLIFICATION -> {
        SoakRaw.Chan c = h.open(Map.of(), 10, 1);
        if (writeOrRefused(c, frames.seqBignum, st)) {
          writeOrRefused(c, frames.seqMillion, st);
        }
        pause(500);
      }
      case MAX_CPU -> {
        SoakRaw.Chan c = chan(h, s, false);
        for (int i = 0; i < 3; i++) {
          c.write(frames.maxMixed);
          st.sent.increment();
        }
        for (int i = 0; i < 3; i++) {
          readOne(c, st);
        }
        pause(50);
      }
      case BIGNUM_PRINT -> {
        SoakRaw.Chan c = chan(h, s, false);
        c.write(frames.bignumGarbage);
        st.sent.increment();
        readOne(c, st);
        pause(50);
      }
      case PROCESS_INTRUSION -> intrude(a, st, s);
      case BIG_DELIVERY -> deliver(h, st, s);
      case PREAUTH_IDLE -> preauth(st, s);
      case AUDIT_FORGE -> {
        st.sent.increment();
        try {
          ClientSession forged = SoakRaw.login(ssh, FORGED_USER, a.key(), port);
          st.breaches.increment(); // a login under a name the key is not bound to
          forged.close(true);
        } catch (IOException refused) {
          st.refused.increment();
        }
        SoakRaw.Chan c = chan(h, s, false);
        c.write(frames.forgedAtomCall);
        st.sent.increment();
        readOne(c, st);
        pause(200);
      }
      case CAST_FLOOD -> {
        SoakRaw.Chan c = chan(h, s, true);
        for (int i = 0; i < 10 && running(System.nanoTime()); i++) {
          if (!writeOrRefused(c, frames.castBigArg, st)) {
            s.reset();
            break;
          }
          pause(20);
        }
      }
    }
  }

  /** The loop's persistent channel, (re)opened when gone; a v2 one starts with the hello. */
  private SoakRaw.Chan chan(Holder h, State s, boolean v2) throws IOException {
    if (s.chan == null || !s.chan.isOpen()) {
      if (s.chan != null) {
        s.chan.close();
      }
      s.chan = h.open(Map.of(), 40, 8);
      if (v2) {
        s.chan.write(SoakFrames.HELLO);
        s.chan.read(SoakRaw.TIMEOUT, watchdog);
      }
    }
    return s.chan;
  }

  /** Writes; a write the server does not take (channel closed, window withheld 15 s) counts as refused. */
  private static boolean writeOrRefused(SoakRaw.Chan c, byte[] frame, SoakStats.Attack st) {
    try {
      c.write(frame);
      if (st != null) {
        st.sent.increment();
      }
      return true;
    } catch (IOException e) {
      if (st != null) {
        st.sent.increment();
        st.refused.increment();
      }
      return false;
    }
  }

  private void readOne(SoakRaw.Chan c, SoakStats.Attack st) throws IOException {
    long left = Math.max(1000, (endNanos - System.nanoTime()) / 1_000_000 + 5000);
    SoakRaw.Reply r = c.read(Duration.ofMillis(Math.min(READ_TIMEOUT.toMillis(), left)), watchdog);
    st.replyBytes.add(r.length() + 4L);
    if (r.isError()) {
      st.refused.increment();
    }
  }

  /** (4a) Through the real client: find, squat, poke and forge, as a user allowed only ping. */
  private void intrude(Attacker a, SoakStats.Attack st, State s) throws Exception {
    if (s.conn == null) {
      s.conn = a.client().connect(NodeAddress.of(a.user(), "127.0.0.1", port));
      s.mbox = s.conn.mailbox();
      s.own = (ErlPid) s.mbox.pid();
    }
    RpcConnection c = s.conn;
    s.iteration++;
    if (s.iteration % 20 == 0) {
      s.own = (ErlPid) c.mailbox().pid(); // where the pid counter is now
    }
    for (String name : legitNames) {
      ErlAtom n = ErlAtom.of(name);
      Term p = attempt(st, () -> c.whereis(n));
      if (p instanceof ErlPid pid && !pid.equals(s.mbox.pid())) {
        st.breaches.increment();
        attempt(st, () -> {
          c.send(pid, ErlTuple.of(Terms.atom("add"), Terms.integer(1000)));
          return null;
        });
        if (s.iteration % 2 == 0) {
          attempt(st, () -> {
            c.send(pid, Terms.atom("stop"));
            return null;
          });
        }
        if (attempt(st, () -> {
          c.exit(pid, Terms.atom("kill"));
          return Boolean.TRUE;
        }) != null) {
          st.breaches.increment();
        }
      } else if (p != null) {
        st.refused.increment();
      }
      Boolean squatted = attempt(st, () -> c.register(n, s.mbox.pid()));
      if (Boolean.TRUE.equals(squatted)) {
        st.breaches.increment();
      } else if (squatted != null) {
        st.refused.increment();
      }
    }
    // forged replies to guessed pids: sequential pids make the legit users' mailboxes easy to hit
    Term forged = ErlTuple.of(Terms.atom("count"), Terms.integer(-1));
    for (int i = 0; i < 50; i++) {
      ErlPid g = guess(s);
      attempt(st, () -> {
        c.send(g, forged);
        return null;
      });
    }
    // anything in our mailbox that we did not send ourselves was meant for someone else
    Optional<Term> m;
    while ((m = s.mbox.poll()).isPresent()) {
      if (!m.get().equals(forged)) {
        st.breaches.increment();
      }
    }
    pause(200);
  }

  /** One request: counted as sent; a refusal (any error but a lost connection) counts as refused and gives null. */
  private static <T> T attempt(SoakStats.Attack st, java.util.concurrent.Callable<T> op) throws Exception {
    st.sent.increment();
    try {
      return op.call();
    } catch (RpcException e) {
      if (e.status() == org.sshrpc.Status.UNAVAILABLE) {
        throw e;
      }
      st.refused.increment();
      return null;
    }
  }

  /** The next pid of a scan from 1 up to just past the newest pid seen. */
  private static ErlPid guess(State s) {
    long top = s.own.id() + 200;
    if (s.scan > top) {
      s.scan = 1;
    }
    return ErlPid.of(s.own.node(), s.scan++, s.own.serial(), s.own.creation());
  }

  /** (4b) 17 MiB deliveries over a raw v2 channel (the real client would not send them). */
  private void deliver(Holder h, SoakStats.Attack st, State s) throws Exception {
    if (s.chan == null || !s.chan.isOpen()) {
      s.reset();
      chan(h, s, true);
      s.chan.write(FrameEncoder.frame(ErlTuple.of(Terms.atom("mailbox"), Terms.integer(1))));
      SoakRaw.Reply r = s.chan.read(SoakRaw.TIMEOUT, watchdog);
      if (!(r.term() instanceof ErlTuple t) || t.arity() != 4 || !(t.get(3) instanceof ErlPid p)) {
        throw new IOException("no mailbox pid: " + r.term());
      }
      s.own = p;
    }
    List<Term> dests = new ArrayList<>();
    legitNames.forEach(n -> dests.add(ErlAtom.of(n)));
    dests.add(guess(s));
    dests.add(guess(s));
    for (Term d : dests) {
      byte[] f = d instanceof ErlAtom ? s.deliveries.computeIfAbsent(d, SoakFrames::bigDelivery) : SoakFrames.bigDelivery(d);
      if (!writeOrRefused(s.chan, f, st)) {
        s.chan.close();
        break;
      }
    }
    pause(500);
  }

  /** (5) Idle TCP connections that never send a byte, topped up as the server closes them. */
  private void preauth(SoakStats.Attack st, State s) {
    InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
    long from2 = s.sockets.stream().filter(c -> source(c).equals("127.0.0.2")).count();
    long from1 = s.sockets.size() - from2;
    for (int i = 0; i < 32 - from2 + 2 - from1 && running(System.nanoTime()); i++) {
      String src = i < 32 - from2 ? "127.0.0.2" : "127.0.0.1";
      st.sent.increment();
      try {
        SocketChannel ch = SocketChannel.open();
        try {
          ch.bind(new InetSocketAddress(src, 0));
          ch.socket().connect(server, 2000);
          ch.configureBlocking(false);
          s.sockets.add(ch);
        } catch (IOException e) {
          ch.close();
          throw e;
        }
      } catch (IOException e) {
        st.error(e);
      }
    }
    ByteBuffer scratch = ByteBuffer.allocate(4096);
    for (int round = 0; round < 10 && pause(500); round++) {
      for (Iterator<SocketChannel> it = s.sockets.iterator(); it.hasNext(); ) {
        SocketChannel ch = it.next();
        int n;
        try {
          scratch.clear();
          n = ch.read(scratch); // the server's version line, then nothing until it gives up on us
        } catch (IOException e) {
          n = -1;
        }
        if (n < 0) {
          st.refused.increment();
          it.remove();
          try {
            ch.close();
          } catch (IOException e) {
            // ours
          }
        }
      }
    }
  }

  private static String source(SocketChannel c) {
    try {
      return ((InetSocketAddress) c.getLocalAddress()).getAddress().getHostAddress();
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /**
   * The sessions and channels one attack loop holds open: at most {@code max} channels, {@code
   * perSession} per session, the oldest closed first. Channels the server closed are
   * counted as refused when found.
   */
  private final class Holder implements AutoCloseable {
    private final Attacker a;
    private final SoakStats.Attack st;
    private final Deque<ClientSession> sessions = new ArrayDeque<>();
    private final Deque<SoakRaw.Chan> channels = new ArrayDeque<>();
    private int onCurrent;

    Holder(Attacker a, SoakStats.Attack st) {
      this.a = a;
      this.st = st;
    }

    SoakRaw.Chan open(Map<String, String> env, int max, int perSession) throws IOException {
      for (Iterator<SoakRaw.Chan> it = channels.iterator(); it.hasNext(); ) {
        SoakRaw.Chan c = it.next();
        if (!c.isOpen()) {
          it.remove();
          st.refused.increment();
        }
      }
      while (channels.size() >= max) {
        channels.removeFirst().close();
      }
      sessions.removeIf(s -> !s.isOpen());
      ClientSession cur = sessions.peekLast();
      if (cur == null || onCurrent >= perSession) {
        while (sessions.size() > max / perSession) {
          sessions.removeFirst().close(true);
        }
        cur = SoakRaw.login(ssh, a.user(), a.key(), port);
        sessions.addLast(cur);
        onCurrent = 0;
      }
      onCurrent++;
      try {
        SoakRaw.Chan c = SoakRaw.open(cur, env);
        channels.addLast(c);
        return c;
      } catch (IOException e) {
        onCurrent = Integer.MAX_VALUE; // refused here: the next channel goes on a new session
        throw e;
      }
    }

    @Override
    public void close() {
      channels.forEach(SoakRaw.Chan::close);
      sessions.forEach(s -> s.close(true));
    }
  }
}
