package org.sshrpc.bench;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.sshrpc.auth.AlgorithmPolicy;

/**
 * The MINA settings of the baselines: TCP_NODELAY on and our {@link AlgorithmPolicy#defaults()}
 * (AES-GCM first, the same key exchanges and signatures as our server), so a baseline differs from
 * sshrpc only by what sits above the SSH channel.
 */
final class MinaSetup {
  private MinaSetup() {}

  static void tune(SshServer s) {
    AlgorithmPolicy.defaults().applyTo(s);
    CoreModuleProperties.TCP_NODELAY.set(s, true);
  }

  /** A started client for loopback benchmarking (host keys are throw-away, so not verified). */
  static SshClient client() {
    SshClient c = SshClient.setUpDefaultClient();
    AlgorithmPolicy.defaults().applyTo(c);
    CoreModuleProperties.TCP_NODELAY.set(c, true);
    // throw-away host keys on loopback; MINA's accept-all verifier would log every connect
    c.setServerKeyVerifier((session, remote, key) -> true);
    c.start();
    return c;
  }
}
