package org.sshrpc.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.session.ClientSession;

/**
 * A transport-level v1 client on MINA: it writes pre-encoded request frames to the subsystem and
 * completes one future per reply frame, in order, without decoding the reply. It drives the
 * echo baselines (where the "reply" is the request) as well as v1 servers.
 */
final class RawSshConn implements Conn {
  static final String SUBSYSTEM = "sshrpc@k2r.org";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final byte[] SEQ = V1Frames.seqRequest();
  private static final int INLINE_MAX = 64 * 1024;

  private final ClientSession session;
  private final ClientChannel channel;
  private final OutputStream out;
  private final DataInputStream in;
  private final ConcurrentLinkedQueue<CompletableFuture<byte[]>> pending = new ConcurrentLinkedQueue<>();
  private volatile Thread reader;

  private RawSshConn(ClientSession session, ClientChannel channel) {
    this.session = session;
    this.channel = channel;
    this.out = channel.getInvertedIn();
    this.in = new DataInputStream(channel.getInvertedOut());
  }

  static RawSshConn open(SshClient client, String user, int port, KeyPair key) throws IOException {
    ClientSession s = client.connect(user, "127.0.0.1", port).verify(TIMEOUT).getSession();
    try {
      s.addPublicKeyIdentity(key);
      s.auth().verify(TIMEOUT);
      ClientChannel ch = s.createSubsystemChannel(SUBSYSTEM);
      ch.open().verify(TIMEOUT);
      return new RawSshConn(s, ch);
    } catch (IOException | RuntimeException e) {
      s.close(true);
      throw e;
    }
  }

  @Override
  public CompletableFuture<?> seqAsync() {
    return send(SEQ);
  }

  @Override
  public CompletableFuture<?> echoAsync(byte[] payload) {
    return send(V1Frames.echoRequest(payload));
  }

  @Override
  public void seq() throws Exception {
    call(SEQ);
  }

  @Override
  public void echo(byte[] payload) throws Exception {
    call(V1Frames.echoRequest(payload));
  }

  /**
   * Sequential call: write, then read the reply on this thread (no hand-off to a reader). A frame
   * larger than the SSH window cannot be written whole before reading: the peer's echo would fill
   * our window and stall, so large frames go through the reader thread.
   */
  private byte[] call(byte[] frame) throws Exception {
    if (reader != null || frame.length > INLINE_MAX) {
      return send(frame).get(CALL_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    }
    return inline(frame);
  }

  private synchronized byte[] inline(byte[] frame) throws IOException {
    out.write(frame);
    out.flush();
    return readFrame();
  }

  private synchronized CompletableFuture<byte[]> send(byte[] frame) {
    if (reader == null) {
      Thread t = new Thread(this::readLoop, "raw-reader");
      t.setDaemon(true);
      reader = t;
      t.start();
    }
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    pending.add(f);
    try {
      out.write(frame);
      out.flush();
    } catch (IOException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  private byte[] readFrame() throws IOException {
    int len = in.readInt();
    if (len <= 0 || len > (64 << 20)) {
      throw new IOException("bad reply frame length " + len + " (expected: 1.." + (64 << 20) + ")");
    }
    byte[] b = new byte[len];
    in.readFully(b);
    return b;
  }

  private void readLoop() {
    try {
      while (true) {
        byte[] b = readFrame();
        CompletableFuture<byte[]> f = pending.poll();
        if (f == null) {
          throw new IOException("reply frame with no request outstanding");
        }
        f.complete(b);
      }
    } catch (IOException e) {
      CompletableFuture<byte[]> f;
      while ((f = pending.poll()) != null) {
        f.completeExceptionally(e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close(false).await(TIMEOUT);
    } finally {
      session.close(false).await(TIMEOUT);
    }
  }
}
