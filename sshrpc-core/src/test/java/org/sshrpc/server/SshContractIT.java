package org.sshrpc.server;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.Term;

/** {@link RpcContract} over real SSH on loopback with a raw MINA client. */
class SshContractIT extends RpcContract {
  @TempDir Path dir;
  private ServerFixture fx;

  @BeforeEach
  void start() throws Exception {
    fx = new ServerFixture(dir, b -> b.module(MODULE).policy(POLICY));
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  @Override
  Peer connect(String user) throws Exception {
    RawClient c = RawClient.connect(fx, user, user.equals("bob") ? fx.bobKey : fx.aliceKey);
    onClose(c);
    RawClient.Channel ch = c.open();
    return new Peer() {
      @Override
      public void sendRaw(byte[] bytes) throws Exception {
        ch.sendRaw(bytes);
      }

      @Override
      public Term read() throws Exception {
        return ch.read();
      }
    };
  }
}
