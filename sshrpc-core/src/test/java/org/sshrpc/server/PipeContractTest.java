package org.sshrpc.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.sshrpc.term.Term;

/** {@link RpcContract} over the in-memory pipe: the session core without SSH. */
class PipeContractTest extends RpcContract {
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
  Peer connect(String user) {
    PipeTransport pipe = new PipeTransport();
    RpcSession s = service.openSession(user, null, null, pipe);
    onClose(s::close);
    return new Peer() {
      @Override
      public void sendRaw(byte[] bytes) {
        s.feed(bytes, 0, bytes.length);
      }

      @Override
      public Term read() throws InterruptedException {
        return pipe.take();
      }
    };
  }
}
