package org.sshrpc.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.helpers.AbstractFactoryManager;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * The MINA settings every MINA end of the benchmark uses (GUIDE §5): TCP_NODELAY on, AES-GCM
 * first. Both ends of the baselines get the same settings so the comparison is of code, not
 * configuration.
 */
final class MinaSetup {
  private MinaSetup() {}

  static void tune(AbstractFactoryManager m) {
    CoreModuleProperties.TCP_NODELAY.set(m, true);
    List<NamedFactory<Cipher>> ciphers = new ArrayList<>();
    ciphers.add(BuiltinCiphers.aes128gcm);
    ciphers.add(BuiltinCiphers.aes256gcm);
    for (NamedFactory<Cipher> c : m.getCipherFactories()) {
      if (!ciphers.contains(c)) {
        ciphers.add(c);
      }
    }
    m.setCipherFactories(ciphers);
  }

  /** A started client for loopback benchmarking (host keys are throw-away, so not verified). */
  static SshClient client() {
    SshClient c = SshClient.setUpDefaultClient();
    tune(c);
    // throw-away host keys on loopback; the accept-all verifier in MINA would log every connect
    c.setServerKeyVerifier((session, remote, key) -> true);
    c.start();
    return c;
  }
}
