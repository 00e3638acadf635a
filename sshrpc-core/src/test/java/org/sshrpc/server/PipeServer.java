package org.sshrpc.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The server's session core behind an in-memory byte pipe, for tests outside this package (the
 * client's contract leg): no SSH, no sockets. Each direction is a queue drained by one thread of
 * its own, as MINA's I/O threads deliver a channel's data: the client's bytes are fed to the
 * session on {@code pipe-server-in}, the session's writes reach the client on {@code
 * pipe-client-in}, and each write completes once the client has taken it.
 */
public final class PipeServer implements AutoCloseable {
  /** Where the server's bytes go: the client side of the pipe. */
  public interface ClientEnd {
    void data(byte[] b, int off, int len);

    void closed(String reason);
  }

  /** The client's handle on one channel: bytes to the server, and closing. */
  public interface Link {
    void write(byte[] b, int off, int len);

    void close();
  }

  private final RpcService service;
  private final List<ExecutorService> threads = new ArrayList<>();

  private PipeServer(RpcService service) {
    this.service = service;
  }

  /**
   * A server exporting {@link RpcContract#MODULE} (module {@code c}) and {@code extra} under {@link
   * RpcContract#POLICY}, as the contract suite's.
   */
  public static PipeServer contract(RpcModule... extra) {
    RpcService.Builder b = RpcService.builder().module(RpcContract.MODULE).policy(RpcContract.POLICY);
    for (RpcModule m : extra) {
      b.module(m);
    }
    return new PipeServer(b.build());
  }

  /** Opens one channel as {@code user}; the server's bytes go to {@code client}. */
  public synchronized Link connect(String user, ClientEnd client) {
    ExecutorService toServer = Executors.newSingleThreadExecutor(daemon("pipe-server-in"));
    ExecutorService toClient = Executors.newSingleThreadExecutor(daemon("pipe-client-in"));
    threads.add(toServer);
    threads.add(toClient);
    RpcSession session =
        service.openSession(
            user,
            null,
            null,
            new SessionTransport() {
              @Override
              public void write(byte[] data, int off, int len, WriteCallback done) {
                byte[] copy = Arrays.copyOfRange(data, off, off + len);
                toClient.execute(() -> {
                  client.data(copy, 0, copy.length);
                  done.done(null);
                });
              }

              @Override
              public void releaseInput(long bytes) {}

              @Override
              public void close(String reason) {
                toClient.execute(() -> client.closed(reason));
              }
            });
    return new Link() {
      @Override
      public void write(byte[] b, int off, int len) {
        byte[] copy = Arrays.copyOfRange(b, off, off + len);
        toServer.execute(() -> session.feed(copy, 0, copy.length));
      }

      @Override
      public void close() {
        toServer.execute(session::close);
      }
    };
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public synchronized void close() throws InterruptedException {
    service.close();
    for (ExecutorService e : threads) {
      e.shutdown();
    }
    for (ExecutorService e : threads) {
      e.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
