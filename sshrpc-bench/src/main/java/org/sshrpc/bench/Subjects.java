package org.sshrpc.bench;

import java.util.List;

/** The subjects the benchmark knows, by name, and how to start each. */
final class Subjects {
  /** Every subject, reference first. */
  static final List<String> ALL = List.of("mina-echo", "grpc-tls");

  private Subjects() {}

  /** Starts the named subject, or returns null when a tool it needs is missing. */
  static Subject create(String name, BenchKeys keys) throws Exception {
    switch (name) {
      case "mina-echo":
        return new RawSubject(name, "bare MINA SSHD 2.20.0 echo subsystem (NIO2, TCP_NODELAY, aes128-gcm, async echo on the I/O thread) in its own JVM; MINA client writing v1 frames",
            ServerProcess.java("mina-echo", List.of(keys.hostKey.toString(), keys.authorizedKeys.toString()), List.of()), keys.clientPair());
      case "grpc-tls":
        return new GrpcSubject(keys.dir);
      default:
        throw new IllegalArgumentException("unknown subject " + name);
    }
  }
}
