package org.sshrpc.bench;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;

/** gRPC-java over TLS 1.3: our client JVM against {@link GrpcBench}'s server in a child JVM. */
final class GrpcSubject extends JavaDrivenSubject {
  private final ServerProcess server;
  private final SslContext ssl;

  GrpcSubject(Path dir) throws Exception {
    Path cert = dir.resolve("grpc-cert.pem");
    Path key = dir.resolve("grpc-key.pem");
    GrpcBench.selfSigned(cert, key);
    this.server = ServerProcess.java("grpc", List.of(cert.toString(), key.toString()), List.of());
    this.ssl = GrpcBench.GrpcConn.clientSsl(cert);
  }

  @Override
  public String name() {
    return "grpc-tls";
  }

  @Override
  public String description() {
    return "gRPC-java 1.85.1 (grpc-netty-shaded), TLS 1.3, unary calls, default executors; client in the bench JVM, server in its own JVM";
  }

  @Override
  Conn connect() throws Exception {
    return GrpcBench.GrpcConn.open(server.port(), ssl);
  }

  @Override
  ServerProcess server() {
    return server;
  }

  @Override
  public void close() {
    server.close();
  }
}
