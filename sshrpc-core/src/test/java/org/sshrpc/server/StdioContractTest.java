package org.sshrpc.server;

import java.io.DataInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;

/**
 * {@link RpcContract} over {@link StdioServer}: each channel a stdin/stdout pair, as OpenSSH's
 * sshd gives a Subsystem, the user from the environment. The channels share one service here (as
 * threads of one process), so cross-channel processes work as over the built-in server.
 */
class StdioContractTest extends RpcContract {
  private RpcService service;

  @BeforeEach
  void start() {
    service = RpcService.builder().module(MODULE).policy(POLICY).build();
  }

  @AfterEach
  void stop() {
    service.close();
  }

  @Override
  Peer connect(String user) throws Exception {
    PipedOutputStream toServer = new PipedOutputStream();
    PipedInputStream serverIn = new PipedInputStream(toServer, 1 << 20);
    PipedInputStream fromServer = new PipedInputStream(1 << 20);
    PipedOutputStream serverOut = new PipedOutputStream(fromServer);
    StdioServer server =
        StdioServer.builder()
            .service(service)
            .environment(Map.of("USER", user, "SSH_CONNECTION", "::1 50000 ::1 22"))
            .osUser(user)
            .build();
    Thread t =
        new Thread(
            () -> {
              try {
                server.serve(serverIn, serverOut);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "stdio-" + user);
    t.setDaemon(true);
    t.start();
    onClose(toServer::close);
    DataInputStream in = new DataInputStream(fromServer);
    return new Peer() {
      @Override
      public void sendRaw(byte[] bytes) throws Exception {
        toServer.write(bytes);
        toServer.flush();
      }

      @Override
      public Term read() throws Exception {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return TermDecoder.DEFAULT.decode(b);
      }
    };
  }
}
