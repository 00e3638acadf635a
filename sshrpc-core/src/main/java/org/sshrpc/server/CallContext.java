package org.sshrpc.server;

import java.net.SocketAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * What a server-side function knows about the call it is running: who made it, over which
 * connection, and until when the caller waits.
 */
public interface CallContext {
  /** {@return the authenticated SSH user name} */
  String user();

  /** {@return the SHA256 fingerprint of the public key the user authenticated with, or null} */
  String keyFingerprint();

  /** {@return the client's address, or null when the transport has none (e.g. stdio)} */
  SocketAddress remoteAddress();

  /** {@return when the caller stops waiting; empty when the call has no deadline} */
  Optional<Instant> deadline();

  /**
   * True once the caller no longer wants the result: it cancelled, the deadline passed, or the
   * connection closed. The running thread is also interrupted then.
   *
   * @return whether the call was cancelled
   */
  boolean isCancelled();
}
