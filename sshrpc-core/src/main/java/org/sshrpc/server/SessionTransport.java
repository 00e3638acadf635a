package org.sshrpc.server;

/**
 * The byte pipe under one {@link RpcSession}: an SSH channel (see {@link RpcSubsystemFactory}), or
 * stdin/stdout when OpenSSH's own {@code sshd} runs the subsystem. The session writes through it
 * and tells it how much input it has accepted, so the transport can apply flow control.
 */
public interface SessionTransport {
  /**
   * Starts writing {@code len} bytes of {@code data} from {@code off}. The session never starts a
   * second write before {@code done} is called for the first, and does not touch the array until
   * then. {@code done} may be called on any thread, including the calling one.
   */
  void write(byte[] data, int off, int len, WriteCallback done);

  /**
   * The session has accepted {@code bytes} more input bytes: the peer may now send that many more
   * (over SSH, a window adjust). Bytes not released are the backpressure: a peer can only have
   * the transport's window of unaccepted input outstanding.
   */
  void releaseInput(long bytes);

  /** Closes the channel, letting writes already started finish where the transport can. */
  void close(String reason);

  /** Completion of one {@link #write}. */
  @FunctionalInterface
  interface WriteCallback {
    /** Called once; {@code failure} is null when the bytes were written. */
    void done(Throwable failure);
  }
}
