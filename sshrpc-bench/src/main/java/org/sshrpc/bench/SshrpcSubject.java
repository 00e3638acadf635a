package org.sshrpc.bench;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * Our client ({@link RpcClient}, protocol negotiated as usual) against a server in a child
 * process: our {@link RpcServer} or the Erlang v1 server.
 */
final class SshrpcSubject extends JavaDrivenSubject {
  /** Frames up to 32 MiB: the 16 MiB echo plus its term overhead exceeds the 16 MiB default. */
  static final int MAX_FRAME = 32 << 20;
  private static final List<Term> SEQ_ARGS = List.of(Terms.integer(1), Terms.integer(100));

  private final String name;
  private final String description;
  private final ServerProcess server;
  private final RpcClient client;

  SshrpcSubject(String name, String description, ServerProcess server, BenchKeys keys) {
    this.name = name;
    this.description = description;
    this.server = server;
    this.client = RpcClient.builder()
        .identity(keys.clientKey)
        .knownHosts(keys.dir.resolve("known_hosts-" + name))
        .acceptNewHostKeys(true)
        .maxFrameLength(MAX_FRAME)
        .build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  Conn connect() throws java.io.IOException {
    RpcConnection c = client.connect(NodeAddress.of("bench", "127.0.0.1", server.port()));
    return new Conn() {
      @Override
      public CompletableFuture<?> seqAsync() {
        return c.callAsync("lists", "seq", SEQ_ARGS).thenApply(t -> {
          if (!(t instanceof ErlList l) || l.size() != 100) {
            throw new IllegalStateException("lists:seq(1,100) returned " + t);
          }
          return t;
        });
      }

      @Override
      public CompletableFuture<?> echoAsync(byte[] payload) {
        return c.callAsync("bench", "echo", List.of(ErlBinary.of(payload))).thenApply(t -> {
          if (!(t instanceof ErlBinary b) || b.size() != payload.length) {
            throw new IllegalStateException("bench:echo returned something else than the " + payload.length + " bytes sent");
          }
          return t;
        });
      }

      @Override
      public void seq() {
        Term t = c.call("lists", "seq", SEQ_ARGS);
        if (!(t instanceof ErlList l) || l.size() != 100) {
          throw new IllegalStateException("lists:seq(1,100) returned " + t);
        }
      }

      @Override
      public void echo(byte[] payload) {
        Term t = c.call("bench", "echo", List.of(ErlBinary.of(payload)));
        if (!(t instanceof ErlBinary b) || b.size() != payload.length) {
          throw new IllegalStateException("bench:echo returned something else than the " + payload.length + " bytes sent");
        }
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  @Override
  ServerProcess server() {
    return server;
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.close();
    }
  }
}
