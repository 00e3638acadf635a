package org.sshrpc.server;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one sshrpc channel over a process's standard input and output: what runs
 * when OpenSSH's {@code sshd} starts {@code sshrpc stdio} for a {@code Subsystem sshrpc@k2r.org}
 * request.
 *
 * <p>The same {@link RpcService} core as the built-in server runs the channel, so frames, v1/v2,
 * limits and error replies are identical. The caller's identity comes from the environment sshd
 * sets up ({@code USER}, {@code SSH_CONNECTION}, and {@code SSH_USER_AUTH} with {@code
 * ExposeAuthInfo yes} when {@link Builder#trustSshUserAuth} says sshd sets it) and feeds the policy
 * like the built-in server's authentication.
 *
 * <p>Flow control mirrors an SSH channel window: stdin is read only while less than {@link
 * Builder#inputWindow} bytes are unaccepted by the session, so a client that floods requests
 * without reading replies stalls in its own pipe instead of growing this process's memory. One
 * writer thread writes replies to stdout; nothing else may write there.
 *
 * <pre>{@code
 * RpcService service = RpcService.builder().policy(...).modules(...).build();
 * System.exit(StdioServer.builder().service(service).build().serveProcessStdio());
 * }</pre>
 */
public final class StdioServer {
  private static final Logger LOG = LoggerFactory.getLogger(StdioServer.class);

  /** Exit status: the client closed the channel and every reply was written. */
  public static final int EXIT_OK = 0;

  /** Exit status: the channel was closed for a protocol error (e.g. a frame over the limit). */
  public static final int EXIT_PROTOCOL = 1;

  /** Exit status: the environment is not one sshd sets up; nothing was served. */
  public static final int EXIT_ENVIRONMENT = 2;

  private final RpcService service;
  private final Map<String, String> env;
  private final String osUser;
  private final int inputWindow;
  private final boolean trustSshUserAuth;

  // One process serves one channel: say once per process that key= rules are off.
  private static final java.util.concurrent.atomic.AtomicBoolean KEYLESS_LOGGED =
      new java.util.concurrent.atomic.AtomicBoolean();

  private StdioServer(Builder b) {
    this.service = Objects.requireNonNull(b.service, "service");
    this.env = b.env != null ? Map.copyOf(b.env) : System.getenv();
    this.osUser = b.osUser != null ? b.osUser : System.getProperty("user.name");
    this.inputWindow = b.inputWindow;
    this.trustSshUserAuth = b.trustSshUserAuth;
  }

  /** Returns a builder; {@link Builder#service} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Serves this process's stdin/stdout. Claims stdout first: {@link System#out} is redirected to
   * {@link System#err} (or wherever that points now), so a stray {@code println} in a module
   * cannot corrupt the frame stream.
   *
   * @return the exit status ({@link #EXIT_OK}, {@link #EXIT_PROTOCOL}, {@link #EXIT_ENVIRONMENT})
   */
  public int serveProcessStdio() throws InterruptedException {
    OutputStream out = new FileOutputStream(FileDescriptor.out);
    System.setOut(System.err);
    return serve(new FileInputStream(FileDescriptor.in), out);
  }

  /**
   * Serves one channel: reads requests from {@code in} until EOF and writes replies to {@code
   * out}, then closes {@code out}. Blocks until the session has ended.
   *
   * @return the exit status ({@link #EXIT_OK}, {@link #EXIT_PROTOCOL}, {@link #EXIT_ENVIRONMENT})
   */
  public int serve(InputStream in, OutputStream out) throws InterruptedException {
    StdioIdentity id;
    try {
      id = StdioIdentity.fromEnvironment(env, osUser, trustSshUserAuth);
    } catch (IOException e) {
      LOG.error("sshrpc stdio: refusing to serve: {}", LogText.field(e.getMessage()));
      closeQuietly(out);
      return EXIT_ENVIRONMENT;
    }
    if (!trustSshUserAuth && KEYLESS_LOGGED.compareAndSet(false, true)) {
      LOG.info(
          "SSH_USER_AUTH is {} (--trust-ssh-user-auth not given): the session has no key, key= policy"
              + " rules never match in stdio mode",
          env.containsKey("SSH_USER_AUTH") ? "set but ignored" : "not set");
    }
    LOG.info("sshrpc stdio session for {}", LogText.field(id.toString()));
    Transport transport = new Transport(out, inputWindow);
    RpcSession session =
        service.openSession(id.user(), id.keyFingerprint(), id.remoteAddress(), transport);
    Thread reader = new Thread(() -> readLoop(in, session, transport), "sshrpc-stdin");
    reader.setDaemon(true); // a read blocked on stdin must not keep the JVM alive
    reader.start();
    transport.done.await();
    transport.stopWriter();
    session.close();
    String reason = transport.closeReason;
    boolean clean = session.closeCause() == CloseCause.CLIENT_EOF;
    if (!clean) {
      LOG.warn("sshrpc stdio session for {} closed: {}", LogText.field(id.user()), LogText.field(reason));
    }
    return clean ? EXIT_OK : EXIT_PROTOCOL;
  }

  private static void readLoop(InputStream in, RpcSession session, Transport t) {
    byte[] buf = new byte[64 * 1024];
    try {
      while (!t.isClosed()) {
        int room = t.awaitWindow(buf.length);
        if (room <= 0) {
          break; // closed while waiting
        }
        int n = in.read(buf, 0, room);
        if (n < 0) {
          break;
        }
        t.received(n);
        session.feed(buf, 0, n);
      }
    } catch (IOException e) {
      LOG.debug("stdin read failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    session.inputClosed();
  }

  private static void closeQuietly(OutputStream out) {
    try {
      out.close();
    } catch (IOException ignored) {
      // nothing to report to: stdout is the peer
    }
  }

  /** stdin/stdout as a {@link SessionTransport}: a window on input, one writer thread on output. */
  private static final class Transport implements SessionTransport {
    private final OutputStream out;
    private final long window;
    // The session has at most one write outstanding, so this holds at most one entry.
    private final BlockingQueue<Runnable> writes = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final Object lock = new Object();
    private long unaccepted; // guarded by lock
    private volatile boolean closed;
    volatile String closeReason;
    final CountDownLatch done = new CountDownLatch(1);

    Transport(OutputStream out, long window) {
      this.out = out;
      this.window = window;
      this.writer = new Thread(this::writeLoop, "sshrpc-stdout");
      writer.setDaemon(true);
      writer.start();
    }

    private void writeLoop() {
      try {
        while (true) {
          Runnable r = writes.poll(100, TimeUnit.MILLISECONDS);
          if (r != null) {
            r.run();
          } else if (isClosed()) {
            return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void write(byte[] data, int off, int len, WriteCallback done) {
      Runnable w =
          () -> {
            Throwable failure = null;
            try {
              out.write(data, off, len);
              out.flush();
            } catch (IOException | RuntimeException e) {
              failure = e;
            }
            done.done(failure);
          };
      // Never blocks nor runs the write here: the callback may start the next write, and running
      // it on the writer thread keeps that a loop rather than a recursion.
      if (!writer.isAlive()) {
        done.done(new IOException("stdout writer stopped"));
        return;
      }
      writes.add(w);
    }

    /** Bytes read from stdin and handed to the session. */
    void received(int n) {
      synchronized (lock) {
        unaccepted += n;
      }
    }

    @Override
    public void releaseInput(long bytes) {
      synchronized (lock) {
        unaccepted -= bytes;
        lock.notifyAll();
      }
    }

    /** Waits until some of the window is free; returns how many bytes may be read (0 if closed). */
    int awaitWindow(int max) throws InterruptedException {
      synchronized (lock) {
        while (unaccepted >= window && !closed) {
          lock.wait(100);
        }
        return closed ? 0 : (int) Math.min(max, window - unaccepted);
      }
    }

    boolean isClosed() {
      return closed;
    }

    @Override
    public void close(String reason) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        closeReason = reason;
        lock.notifyAll();
      }
      done.countDown();
    }

    /** Lets the write in progress finish, then closes stdout so the peer sees EOF. */
    void stopWriter() throws InterruptedException {
      writer.join(TimeUnit.SECONDS.toMillis(10));
      closeQuietly(out);
    }
  }

  /** Builder for {@link StdioServer}. */
  public static final class Builder {
    private RpcService service;
    private Map<String, String> env;
    private String osUser;
    private int inputWindow = 2 * 1024 * 1024;
    private boolean trustSshUserAuth;

    private Builder() {}

    /** The service (modules, policy, limits, metrics) the channel runs on. Required. */
    public Builder service(RpcService service) {
      this.service = Objects.requireNonNull(service, "service");
      return this;
    }

    /** The environment to read the identity from. Default {@link System#getenv()}. */
    public Builder environment(Map<String, String> env) {
      this.env = Objects.requireNonNull(env, "env");
      return this;
    }

    /** The account this process runs as. Default the {@code user.name} system property. */
    public Builder osUser(String user) {
      this.osUser = Objects.requireNonNull(user, "user");
      return this;
    }

    /**
     * Whether the key that authenticated the session is read from the {@code SSH_USER_AUTH} file.
     * Turn it on only when sshd runs with {@code ExposeAuthInfo yes}: sshd then sets the variable
     * itself, overriding any value the client sent. Without that, a client whose variable passes
     * an {@code AcceptEnv} pattern could name a file listing a key it never used. Default off:
     * the session has no key and {@code key=} policy rules never match.
     */
    public Builder trustSshUserAuth(boolean trust) {
      this.trustSshUserAuth = trust;
      return this;
    }

    /**
     * Input bytes read ahead of what the session has accepted, like an SSH channel window.
     * Default 2 MiB.
     */
    public Builder inputWindow(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("inputWindow: " + bytes + " (expected: >= 1024)");
      }
      this.inputWindow = bytes;
      return this;
    }

    /** Builds the server; {@link #service} must have been set. */
    public StdioServer build() {
      return new StdioServer(this);
    }
  }
}
