package org.sshrpc.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;

/**
 * The server side of a Java subject, run in its own JVM by {@link ServerProcess}:
 * {@code ServerMain sshrpc|mina-echo HOSTKEY AUTHORIZED_KEYS}, {@code ServerMain grpc CERT KEY}.
 * It prints {@code PORT n}, answers {@code heap} on stdin and exits when stdin closes.
 */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    AutoCloseable server;
    int port;
    switch (args[0]) {
      case "mina-echo": {
        SshServer sshd = SshServer.setUpDefaultServer();
        MinaSetup.tune(sshd);
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        sshd.setKeyPairProvider(new FileKeyPairProvider(Path.of(args[1])));
        sshd.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(Path.of(args[2])));
        sshd.setSubsystemFactories(List.of(EchoSubsystem.factory()));
        sshd.start();
        server = sshd;
        port = sshd.getPort();
        break;
      }
      case "sshrpc": {
        org.sshrpc.server.RpcServer s = sshrpcServer(Path.of(args[1]), Path.of(args[2]));
        server = s;
        port = s.port();
        break;
      }
      case "grpc": {
        io.grpc.Server s = GrpcBench.server(new InetSocketAddress("127.0.0.1", 0), Path.of(args[1]), Path.of(args[2]));
        server = () -> s.shutdownNow();
        port = s.getPort();
        break;
      }
      default:
        throw new IllegalArgumentException("unknown server kind " + args[0] + " (expected: sshrpc, mina-echo, grpc)");
    }
    System.out.println("PORT " + port);
    System.out.flush();
    serveCommands();
    server.close();
    System.exit(0);
  }

  /** Our server with the benchmark's settings: defaults, plus {@code bench:echo/1} and 32 MiB frames. */
  static org.sshrpc.server.RpcServer sshrpcServer(Path hostKey, Path authorizedKeys) throws java.io.IOException {
    return org.sshrpc.server.RpcServer.builder()
        .listen("127.0.0.1", 0)
        .hostKey(hostKey)
        .authorizedKeys(authorizedKeys)
        .module(org.sshrpc.server.RpcModule.builder("bench").function("echo", 1, (ctx, a) -> a.get(0)).build())
        // Workloads (f) and (g) open 100 and 1,000 connections as one user, at once: raise the
        // per-user, total, unauthenticated and per-source caps above those counts (defaults: docs/limits.md).
        .limits(org.sshrpc.server.ServerLimits.builder()
            .maxFrameLength(SshrpcSubject.MAX_FRAME)
            .maxSessionsPerUser(1200)
            .maxSessions(1200)
            .maxUnauthenticated(1200)
            .maxUnauthenticatedPerSource(1200) // all from 127.0.0.1
            .build())
        .maxFrameLength(SshrpcSubject.MAX_FRAME)
        .build()
        .start();
  }

  /** Answers the parent's commands until stdin closes. */
  static void serveCommands() throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("heap")) {
        System.out.println("HEAP " + liveHeap());
        System.out.flush();
      }
    }
  }

  /** Heap in use after full collections: what the live objects (connections) hold. */
  static long liveHeap() throws InterruptedException {
    var mem = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
